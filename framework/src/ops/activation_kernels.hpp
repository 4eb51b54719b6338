#pragma once

// Paired forward/backward kernels of the activations, on storage: the ops and
// the fused layers both call these. x, y, dy, dx: [rows, cols].

#include "tinynn/tensor.hpp"

namespace tinynn::kernels {

// 1 / (1 + exp(-x)): exp overflows to inf for x < -88 and gives exactly 0,
// as PyTorch's float32 does; never NaN.
void sigmoid_forward(const Matrix& x, Matrix& y);
void sigmoid_backward(const Matrix& y, const Matrix& dy, Matrix& dx);  // dy * (1 - y) * y

void tanh_forward(const Matrix& x, Matrix& y);
void tanh_backward(const Matrix& y, const Matrix& dy, Matrix& dx);  // dy * (1 - y^2)

void relu_forward(const Matrix& x, Matrix& y);
void relu_backward(const Matrix& x, const Matrix& dy, Matrix& dx);  // 0 where x <= 0, else dy

void leaky_relu_forward(const Matrix& x, float slope, Matrix& y);
void leaky_relu_backward(const Matrix& x, float slope, const Matrix& dy, Matrix& dx);

}  // namespace tinynn::kernels
