#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "tinynn/optim/optimizer.hpp"

namespace tinynn::optim {

// torch.optim.Adam's options. Doubles, as torch's (Python floats): torch forms
// 1 - beta1, 1 - beta2 and lr / bias_correction in double and rounds them to
// float only then, and 1 - 0.9f differs from 1 - 0.9 in float.
struct AdamOptions {
    double lr = 0.001;
    std::array<double, 2> betas = {0.9, 0.999};
    double eps = 1e-8;
    double weight_decay = 0.0;
    bool amsgrad = false;
};

// torch.optim.Adam's rule (single-tensor, torch 1.13), per parameter with a
// grad (the others are skipped, their step count unchanged):
//   step += 1
//   g = grad + weight_decay * p                  (Adam; AdamW decays p instead)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   v_max = max(v_max, v)                        (amsgrad; v_max is used below)
//   p -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
class Adam : public Optimizer {
  public:
    // Throws tinynn::Error for a negative or non-finite lr, eps or
    // weight_decay, or a beta outside [0, 1).
    Adam(std::vector<Tensor> parameters, AdamOptions options = {});

    void step() override;
    // The options, with lr the current learning rate (see Optimizer::lr()).
    AdamOptions options() const;

    // Per parameter that has taken a step: tensors "<i>.exp_avg",
    // "<i>.exp_avg_sq" (and "<i>.max_exp_avg_sq" with amsgrad), count "<i>.step".
    State state() const override;
    void load_state(const State& state) override;

  protected:
    // AdamW: the same rule with weight decay applied to p, not to the grad.
    Adam(std::vector<Tensor> parameters, AdamOptions options, const char* kind, bool decoupled);

  private:
    struct Moments {
        int64_t step = 0;  // 0 until the parameter's first step with a grad
        Matrix exp_avg;
        Matrix exp_avg_sq;
        Matrix max_exp_avg_sq;  // amsgrad only
    };

    AdamOptions options_;  // lr is the one given at construction, see lr()
    bool decoupled_;
    std::vector<Moments> moments_;  // one per parameter
};

// torch.optim.AdamW's options: Adam's, with torch's default weight decay of
// 0.01 (a struct of its own so that AdamW(params, {.lr = 0.01}) keeps it).
struct AdamWOptions {
    double lr = 0.001;
    std::array<double, 2> betas = {0.9, 0.999};
    double eps = 1e-8;
    double weight_decay = 0.01;
    bool amsgrad = false;
};

// torch.optim.AdamW: Adam with decoupled weight decay, p *= 1 - lr * weight_decay
// before the moments are updated from the grad alone. Its state's kind is "AdamW".
class AdamW : public Adam {
  public:
    AdamW(std::vector<Tensor> parameters, AdamWOptions options = {});
};

}  // namespace tinynn::optim
