#pragma once

#include "tinynn/ops.hpp"
#include "tinynn/tensor.hpp"

// Stateless forms of the layers, as torch.nn.functional.
namespace tinynn::nn {

enum class Reduction { mean, sum, none };

namespace functional {

using tinynn::leaky_relu;
using tinynn::log_softmax;
using tinynn::relu;
using tinynn::sigmoid;
using tinynn::softmax;
using tinynn::tanh;

// x [batch, in] or [in], weight [out, in], bias [out] or undefined.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());

// Mean (or sum, or none: elementwise) of (input - target)^2; shapes must match.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);

// input: logits [batch, classes] (or [classes] with a scalar target); target:
// class indices as floats [batch]. A non-integer or out-of-range index throws.
// log_softmax over the classes, then the negative log-likelihood.
Tensor cross_entropy(const Tensor& input, const Tensor& target,
                     Reduction reduction = Reduction::mean);

}  // namespace functional
}  // namespace tinynn::nn
