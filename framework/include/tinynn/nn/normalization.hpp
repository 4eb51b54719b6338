#pragma once

#include <cstdint>

#include "tinynn/nn/module.hpp"

// The layers whose forward depends on train() / eval().
namespace tinynn::nn {

// torch.nn.BatchNorm1d over input [batch, num_features]: parameters "weight"
// (ones) and "bias" (zeros), buffers "running_mean" (zeros), "running_var"
// (ones) and "num_batches_tracked" (a scalar count, saved as I64 as torch
// does). Training normalises by the batch's statistics and updates the
// running ones; eval normalises by the running ones.
class BatchNorm1d : public Module {
  public:
    explicit BatchNorm1d(int64_t num_features, float eps = 1e-5f, float momentum = 0.1f);
    Tensor forward(const Tensor& input) override;
    std::string describe() const override;

    int64_t num_features() const { return num_features_; }
    float eps() const { return eps_; }
    float momentum() const { return momentum_; }
    Tensor weight() const { return weight_; }                            // [num_features]
    Tensor bias() const { return bias_; }                                // [num_features]
    Tensor running_mean() const { return running_mean_; }                // [num_features]
    Tensor running_var() const { return running_var_; }                  // [num_features]
    Tensor num_batches_tracked() const { return num_batches_tracked_; }  // []

  private:
    int64_t num_features_;
    float eps_;
    float momentum_;
    Tensor weight_;
    Tensor bias_;
    Tensor running_mean_;
    Tensor running_var_;
    Tensor num_batches_tracked_;
};

// torch.nn.Dropout: functional::dropout(input, p, is_training()); its masks
// come from the default generator, so manual_seed makes them repeat.
class Dropout : public Module {
  public:
    explicit Dropout(float p = 0.5f);
    Tensor forward(const Tensor& input) override;
    std::string describe() const override;
    float p() const { return p_; }

  private:
    float p_;
};

}  // namespace tinynn::nn
