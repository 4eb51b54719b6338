#pragma once

#include <cstdint>

#include "tinynn/nn/module.hpp"

namespace tinynn::nn {

struct LinearActivation;  // nn/linear_activation.hpp, inside the library

// y = x W^T + b for x of shape [batch, in] or [in]. Initialised as PyTorch
// does: W ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform with a = sqrt(5)), b
// the same bound, from the default generator.
class Linear : public Module {
  public:
    Linear(int64_t in_features, int64_t out_features, bool bias = true);

    Tensor forward(const Tensor& input) override;
    std::string describe() const override;

    int64_t in_features() const { return in_features_; }
    int64_t out_features() const { return out_features_; }
    Tensor weight() const { return weight_; }  // [out, in]
    Tensor bias() const { return bias_; }      // [out], undefined without bias
    void reset_parameters();

  private:
    // Sequential's Linear + activation node reads the parameters in place:
    // weight() and bias() hand out new handles, two atomic counts each.
    friend Tensor linear_activation(Linear& layer, const Tensor& input, LinearActivation act);

    int64_t in_features_;
    int64_t out_features_;
    Tensor weight_;
    Tensor bias_;
};

}  // namespace tinynn::nn
