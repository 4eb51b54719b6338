#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tinynn/optim/optimizer.hpp"

namespace tinynn::optim {

using SchedulerState = State;

// torch.optim.lr_scheduler's base class, for one optimiser: construction is
// epoch 0 and sets the optimiser's lr to the schedule's first value; each
// step() (once per epoch, after that epoch's optimiser steps) moves to the
// next epoch and sets the optimiser's lr. Values are computed in double from
// the optimiser's current lr by torch's recursive ("chainable") formulas, so
// they equal torch's bit for bit, and so a schedule composes with an lr set
// by hand between steps as torch's does. The optimiser must outlive it.
class LRScheduler {
  public:
    virtual ~LRScheduler() = default;
    LRScheduler(const LRScheduler&) = delete;
    LRScheduler& operator=(const LRScheduler&) = delete;

    void step();
    double get_last_lr() const { return last_lr_; }  // the lr last given to the optimiser
    int64_t last_epoch() const { return last_epoch_; }
    // The optimiser's lr at construction. (torch takes it from the first
    // scheduler made on an optimiser, as group["initial_lr"]; each has its own here.)
    double base_lr() const { return base_lr_; }
    const std::string& kind() const { return kind_; }

    // Counts "last_epoch", values "base_lr", "last_lr" and the options.
    // load_state() takes the state of a scheduler of the same kind and
    // options (it throws tinynn::Error naming the difference otherwise); the
    // optimiser's lr comes back with the optimiser's own state.
    State state() const;
    void load_state(const State& state);

  protected:
    // Derived constructors call initial_step() once their options are set.
    LRScheduler(Optimizer& optimizer, std::string kind);
    void initial_step();
    // The lr for last_epoch() from the optimiser's current one.
    virtual double get_lr() const = 0;
    // The options as state values (checked by load_state).
    virtual std::map<std::string, double> options() const = 0;

    Optimizer& optimizer_;

  private:
    std::string kind_;
    double base_lr_;
    int64_t last_epoch_ = -1;
    double last_lr_ = 0.0;
};

// lr *= gamma every step_size epochs.
class StepLR : public LRScheduler {
  public:
    // Throws tinynn::Error for step_size < 1 or a gamma not finite.
    StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

  private:
    double get_lr() const override;
    std::map<std::string, double> options() const override;
    int64_t step_size_;
    double gamma_;
};

// lr *= gamma at each milestone epoch (twice at one listed twice, as torch's Counter).
class MultiStepLR : public LRScheduler {
  public:
    // Throws tinynn::Error for a milestone < 0 or a gamma not finite.
    MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

  private:
    double get_lr() const override;
    std::map<std::string, double> options() const override;
    std::vector<int64_t> milestones_;  // sorted
    double gamma_;
};

// lr *= gamma every epoch.
class ExponentialLR : public LRScheduler {
  public:
    // Throws tinynn::Error for a gamma not finite.
    ExponentialLR(Optimizer& optimizer, double gamma);

  private:
    double get_lr() const override;
    std::map<std::string, double> options() const override;
    double gamma_;
};

// lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2,
// by torch's recursive form (which keeps going past T_max, back up and down).
class CosineAnnealingLR : public LRScheduler {
  public:
    // Throws tinynn::Error for T_max < 1 or an eta_min not finite and >= 0.
    CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);

  private:
    double get_lr() const override;
    std::map<std::string, double> options() const override;
    int64_t T_max_;
    double eta_min_;
};

}  // namespace tinynn::optim
