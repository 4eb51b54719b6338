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

// scale * (x > 0 ? x : alpha * (exp(x) - 1)): ELU with scale 1, SELU with its
// constants, as PyTorch's one elu kernel serves both.
void elu_forward(const Matrix& x, float alpha, float scale, Matrix& y);
void elu_backward(const Matrix& x, float alpha, float scale, const Matrix& dy, Matrix& dx);

// x * Phi(x) with the exact normal CDF, or with PyTorch's tanh approximation.
void gelu_forward(const Matrix& x, bool tanh_approximation, Matrix& y);
void gelu_backward(const Matrix& x, bool tanh_approximation, const Matrix& dy, Matrix& dx);

void silu_forward(const Matrix& x, Matrix& y);  // x * sigmoid(x)
void silu_backward(const Matrix& x, const Matrix& dy, Matrix& dx);

// log(1 + exp(beta x)) / beta, and x itself where beta x > threshold.
void softplus_forward(const Matrix& x, float beta, float threshold, Matrix& y);
void softplus_backward(const Matrix& x, float beta, float threshold, const Matrix& dy, Matrix& dx);

void softsign_forward(const Matrix& x, Matrix& y);  // x / (1 + |x|)
void softsign_backward(const Matrix& x, const Matrix& dy, Matrix& dx);

void mish_forward(const Matrix& x, Matrix& y);  // x * tanh(log(1 + exp(x)))
void mish_backward(const Matrix& x, const Matrix& dy, Matrix& dx);

// x > 0 ? x : slope[c] * x, slope: [1, channels] with one slope for every
// column (channels 1) or one per column (channels = cols).
void prelu_forward(const Matrix& x, const Matrix& slope, Matrix& y);
void prelu_backward_input(const Matrix& x, const Matrix& slope, const Matrix& dy, Matrix& dx);
// d slope: the sum over the rows (and over the columns when there is one
// slope) of x * dy where x <= 0, accurate at any length.
void prelu_backward_slope(const Matrix& x, const Matrix& dy, Matrix& dslope);

}  // namespace tinynn::kernels
