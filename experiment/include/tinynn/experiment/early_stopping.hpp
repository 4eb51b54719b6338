#pragma once

// training.early_stopping as a callback of fit(): it stops training when the
// monitored metric has not improved for `patience` epochs, and puts back the
// best epoch's weights at the end, as Lightning's EarlyStopping with
// ModelCheckpoint's best weights.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tinynn/experiment/callback.hpp"
#include "tinynn/experiment/config.hpp"

namespace tinynn::experiment {

// Its record after an epoch, which a checkpoint keeps so that a resumed run
// stops (and restores) where the uninterrupted one would.
struct EarlyStoppingState {
    std::optional<int64_t> best_epoch;
    std::optional<double> best_value;
    int64_t epochs_without_improvement = 0;
    std::optional<int64_t> stopped_after;
    int64_t last_epoch = 0;
    std::vector<Matrix> best_weights;  // one per parameter, with restore_best
};

class EarlyStopping : public Callback {
  public:
    explicit EarlyStopping(EarlyStoppingConfig config);

    void on_train_begin(nn::Module& model) override;
    void on_epoch_end(EpochMetrics& metrics, TrainState& state) override;
    void on_train_end(nn::Module& model, const TrainResult& result) override;

    // The epoch with the best monitored value so far, and that value; none
    // before the first recorded epoch.
    std::optional<int64_t> best_epoch() const { return state_.best_epoch; }
    std::optional<double> best_value() const { return state_.best_value; }
    // The epoch after which it stopped training; none if it did not.
    std::optional<int64_t> stopped_after() const { return state_.stopped_after; }
    // Whether the model holds the best epoch's weights (restore_best, after
    // training ended on a later epoch).
    bool restored() const { return restored_; }
    // One line on what happened: which epoch was best, and why training
    // stopped.
    std::string summary() const;

    const EarlyStoppingState& state() const { return state_; }
    // Continues from `state` (taken from a run of the same config) instead of
    // starting afresh at the next on_train_begin.
    void load_state(EarlyStoppingState state);

  private:
    bool improves(double value) const;

    EarlyStoppingConfig config_;
    std::vector<Tensor> parameters_;
    EarlyStoppingState state_;
    bool resumed_ = false;  // on_train_begin keeps state_
    bool restored_ = false;
};

}  // namespace tinynn::experiment
