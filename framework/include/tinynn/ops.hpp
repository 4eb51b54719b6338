#pragma once

#include <cstdint>

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
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

}  // namespace tinynn
