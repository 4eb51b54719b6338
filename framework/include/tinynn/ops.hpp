#pragma once

#include <cstdint>
#include <vector>

#include "tinynn/tensor.hpp"

// Differentiable operations. Binary ones broadcast as PyTorch does for ranks
// 0-2; a dim argument may be negative (counted from the end).
namespace tinynn {

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, float b);
Tensor operator-(const Tensor& a, float b);
Tensor operator*(const Tensor& a, float b);
Tensor operator/(const Tensor& a, float b);
Tensor operator+(float a, const Tensor& b);
Tensor operator-(float a, const Tensor& b);
Tensor operator*(float a, const Tensor& b);
Tensor operator/(float a, const Tensor& b);
Tensor operator-(const Tensor& a);

Tensor matmul(const Tensor& a, const Tensor& b);  // torch.matmul for ranks 1-2
Tensor t(const Tensor& x);                        // transpose of a matrix; a vector as is
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor reshape(const Tensor& x, Shape shape);  // one dim may be -1

Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, int64_t dim, bool keepdim = false);

Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor pow(const Tensor& x, float exponent);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);                          // gradient 0 at 0, as torch.abs
Tensor clamp(const Tensor& x, float min, float max);  // gradient 1 on [min, max]

Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor relu(const Tensor& x);                                      // gradient 0 at 0
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);  // gradient slope at 0
// The activations of SPEC §7, each torch.nn.functional's of the same name
// (formulas, defaults and the gradient at the branch points).
Tensor elu(const Tensor& x, float alpha = 1.0f);
Tensor selu(const Tensor& x);
enum class GeluApproximate { none, tanh };  // torch's approximate="none" | "tanh"
Tensor gelu(const Tensor& x, GeluApproximate approximate = GeluApproximate::none);
Tensor silu(const Tensor& x);
Tensor softplus(const Tensor& x, float beta = 1.0f, float threshold = 20.0f);
Tensor softsign(const Tensor& x);
Tensor mish(const Tensor& x);
// x > 0 ? x : weight * x, weight [1] for every element or [channels] for the
// columns of x [batch, channels]; differentiable in both.
Tensor prelu(const Tensor& x, const Tensor& weight);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

}  // namespace tinynn

// ---------------------------------------------------------------------------
// Tensor functions of SPEC §7, as torch's functions of the same name.

namespace tinynn {

// The largest (smallest) element along `dim`, with the gradient going to the
// element picked: the first of equal ones, as torch's max(dim).values. NaN
// counts as larger (smaller) than anything, so a NaN is picked and propagates.
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& x, int64_t dim, bool keepdim = false);
// Of all elements, a scalar. As torch 1.13, the gradient is shared evenly
// among the elements equal to the result (the NaNs, when it is NaN).
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);

// The index of what max (min) picks along `dim`, as a float tensor with no
// gradient; without a dim, the index into the row-major flattening.
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x);
Tensor argmin(const Tensor& x);

// Comparisons with broadcasting: 1 where true, 0 where false, no gradient.
// A NaN compares false, except under ne.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, float b);
Tensor ne(const Tensor& a, float b);
Tensor lt(const Tensor& a, float b);
Tensor le(const Tensor& a, float b);
Tensor gt(const Tensor& a, float b);
Tensor ge(const Tensor& a, float b);

// a where cond is nonzero, b elsewhere, the three broadcast together. cond is
// read as torch's cond.bool() (NaN is true) and gets no gradient; a and b get
// the output's gradient where they were taken, 0 elsewhere.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// The tensors joined along `dim`: all of one rank (not 0) and one size in the
// other dim. As torch, an empty vector (shape [0]) is skipped whatever the
// others' rank.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
// A dim of size 1 inserted at `dim` (in [-rank - 1, rank]); the result must
// be of rank 2 at most.
Tensor unsqueeze(const Tensor& x, int64_t dim);
// Without `dim` of size 1; x's shape unchanged when that size is not 1.
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor squeeze(const Tensor& x);  // without every dim of size 1

Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);

}  // namespace tinynn
