#include "ops/activation_kernels.hpp"

namespace tinynn::kernels {

void sigmoid_forward(const Matrix& x, Matrix& y) {
    y = (1.0f + (-x.array()).exp()).inverse().matrix();
}

// Grouped as PyTorch's kernel, dy * (1 - y) * y, for the same roundings.
void sigmoid_backward(const Matrix& y, const Matrix& dy, Matrix& dx) {
    dx = (dy.array() * (1.0f - y.array()) * y.array()).matrix();
}

void tanh_forward(const Matrix& x, Matrix& y) {
    y = x.array().tanh().matrix();
}

void tanh_backward(const Matrix& y, const Matrix& dy, Matrix& dx) {
    dx = (dy.array() * (1.0f - y.array().square())).matrix();
}

// Eigen's max, like PyTorch's, keeps x when the comparison fails: relu(NaN)
// = NaN, relu(-0) = -0 (tests/ops/numerics.test.cpp, vectorised and not).
void relu_forward(const Matrix& x, Matrix& y) {
    y = x.cwiseMax(0.0f);
}

// PyTorch zeroes the gradient where the output is <= 0, so it passes at NaN.
void relu_backward(const Matrix& x, const Matrix& dy, Matrix& dx) {
    dx = (x.array() <= 0.0f).select(0.0f, dy.array()).matrix();
}

void leaky_relu_forward(const Matrix& x, float slope, Matrix& y) {
    y = (x.array() > 0.0f).select(x.array(), x.array() * slope).matrix();
}

// PyTorch tests x > 0, so the gradient at exactly 0 is the slope.
void leaky_relu_backward(const Matrix& x, float slope, const Matrix& dy, Matrix& dx) {
    dx = (x.array() > 0.0f).select(dy.array(), dy.array() * slope).matrix();
}

}  // namespace tinynn::kernels
