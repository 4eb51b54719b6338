#pragma once

#include <vector>

#include "tinynn/tensor.hpp"

namespace tinynn::optim {

// What every optimiser shares: the parameters it updates. A new optimiser
// derives from this and implements step().
class Optimizer {
  public:
    // Parameters must be leaves that require grad; the list must not be empty.
    explicit Optimizer(std::vector<Tensor> parameters);
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    virtual void step() = 0;  // one update from the parameters' current grads
    void zero_grad();         // clears every parameter's grad (as set_to_none)
    const std::vector<Tensor>& parameters() const { return parameters_; }

  protected:
    std::vector<Tensor> parameters_;
};

}  // namespace tinynn::optim
