#pragma once

#include <vector>

#include "tinynn/tensor.hpp"

namespace tinynn {

// d(output)/d(input) for each input, like torch.autograd.grad: leaves' grad()
// are left untouched. `output` must have one element. Inputs the output does
// not depend on are an error. Frees the graph unless retain_graph.
std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs,
                         bool retain_graph = false);
// The same with an explicit upstream gradient shaped like `output`.
std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs,
                         const Tensor& grad_output, bool retain_graph = false);

// While one lives (per thread), ops record no graph: for inference and for
// optimiser updates.
class NoGradGuard {
  public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

  private:
    bool previous_;
};

bool is_grad_enabled();

}  // namespace tinynn
