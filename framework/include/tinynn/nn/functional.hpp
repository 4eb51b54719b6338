#pragma once

#include "tinynn/ops.hpp"
#include "tinynn/tensor.hpp"

// Stateless forms of the layers, as torch.nn.functional.
namespace tinynn::nn {

enum class Reduction { mean, sum, none };

namespace functional {

using tinynn::elu;
using tinynn::gelu;
using tinynn::leaky_relu;
using tinynn::log_softmax;
using tinynn::mish;
using tinynn::prelu;
using tinynn::relu;
using tinynn::selu;
using tinynn::sigmoid;
using tinynn::silu;
using tinynn::softmax;
using tinynn::softplus;
using tinynn::softsign;
using tinynn::tanh;

// x [batch, in] or [in], weight [out, in], bias [out] or undefined.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());

// Mean (or sum, or none: elementwise) of (input - target)^2. Shapes that
// differ but broadcast (such as [3] against [3, 1]) are broadcast, as torch
// does after warning that this is likely a mistake; others throw.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);

// -(y log(x) + (1 - y) log(1 - x)) for probabilities x in [0, 1] (else it
// throws) and targets y of the same shape, each log clamped to >= -100 as
// torch does, so that x = 0 or 1 gives a finite loss. Gradients for both.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            Reduction reduction = Reduction::mean);

// binary_cross_entropy(sigmoid(input), target) computed from the logits in
// torch's log-sum-exp form, exact where the sigmoid rounds to 0 or 1 (logits
// of +-100). Shapes must match; gradients for both.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        Reduction reduction = Reduction::mean);

// -input[i, target[i]]: the negative log-likelihood of log-probabilities
// [batch, classes] (or [classes] with a scalar target), targets as in
// cross_entropy. mean divides by the batch size.
Tensor nll_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);

// input: logits [batch, classes] (or [classes] with a scalar target); target:
// class indices as floats [batch]. A non-integer or out-of-range index throws.
// log_softmax over the classes, then the negative log-likelihood.
Tensor cross_entropy(const Tensor& input, const Tensor& target,
                     Reduction reduction = Reduction::mean);

// torch.nn.functional.batch_norm for input [batch, features], weight and
// bias [features]. In training the batch's mean and biased variance
// normalise it (more than one row needed), and running_mean and running_var
// (handles, written in place, may be undefined) move towards the batch's
// mean and unbiased variance by `momentum`; otherwise the running statistics
// normalise it. Gradients for input, weight and bias.
Tensor batch_norm(const Tensor& input, Tensor running_mean, Tensor running_var,
                  const Tensor& weight, const Tensor& bias, bool training, float momentum = 0.1f,
                  float eps = 1e-5f);

// torch.nn.functional.dropout: in training each element is zeroed with
// probability p, drawn from the default generator, and the others scaled by
// 1 / (1 - p), so the expected output is the input; otherwise the input
// itself. p in [0, 1].
Tensor dropout(const Tensor& input, float p = 0.5f, bool training = true);

}  // namespace functional
}  // namespace tinynn::nn
