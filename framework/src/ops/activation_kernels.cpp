#include "ops/activation_kernels.hpp"

#include <cmath>

#include "tensor/summation.hpp"

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

namespace tinynn::kernels {

// PyTorch tests x <= 0 for the negative branch, and uses expm1 there.
void elu_forward(const Matrix& x, float alpha, float scale, Matrix& y) {
    y = x.unaryExpr([alpha, scale](float v) {
        return v <= 0.0f ? std::expm1(v) * (alpha * scale) : v * scale;
    });
}

void elu_backward(const Matrix& x, float alpha, float scale, const Matrix& dy, Matrix& dx) {
    dx = x.binaryExpr(dy, [alpha, scale](float v, float g) {
        return v <= 0.0f ? g * (alpha * scale) * std::exp(v) : g * scale;
    });
}

namespace {
constexpr float kSqrt1_2 = 0.70710678118654752440f;      // 1 / sqrt(2)
constexpr float kInvSqrt2Pi = 0.39894228040143267794f;   // 1 / sqrt(2 pi)
constexpr float kSqrt2OverPi = 0.79788456080286535588f;  // sqrt(2 / pi)
constexpr float kGeluKappa = 0.044715f;
}  // namespace

void gelu_forward(const Matrix& x, bool tanh_approximation, Matrix& y) {
    if (tanh_approximation)
        y = x.unaryExpr([](float v) {
            const float inner = kSqrt2OverPi * (v + kGeluKappa * v * v * v);
            return 0.5f * v * (1.0f + std::tanh(inner));
        });
    else
        y = x.unaryExpr([](float v) { return v * 0.5f * (1.0f + std::erf(v * kSqrt1_2)); });
}

// Term by term as PyTorch's GeluBackward kernels, for the same roundings.
void gelu_backward(const Matrix& x, bool tanh_approximation, const Matrix& dy, Matrix& dx) {
    if (tanh_approximation)
        dx = x.binaryExpr(dy, [](float v, float g) {
            const float v_sq = v * v;
            const float inner = kSqrt2OverPi * (v + kGeluKappa * v_sq * v);
            const float tanh_inner = std::tanh(inner);
            const float left_derivative = 0.5f * (1.0f + tanh_inner);
            const float right_derivative = 0.5f * v * (1.0f - tanh_inner * tanh_inner) *
                                           kSqrt2OverPi * (1.0f + 3.0f * kGeluKappa * v_sq);
            return g * (left_derivative + right_derivative);
        });
    else
        dx = x.binaryExpr(dy, [](float v, float g) {
            const float cdf = 0.5f * (1.0f + std::erf(v * kSqrt1_2));
            const float pdf = std::exp(-0.5f * v * v) * kInvSqrt2Pi;
            return g * (cdf + v * pdf);
        });
}

void silu_forward(const Matrix& x, Matrix& y) {
    y = x.unaryExpr([](float v) { return v / (1.0f + std::exp(-v)); });
}

void silu_backward(const Matrix& x, const Matrix& dy, Matrix& dx) {
    dx = x.binaryExpr(dy, [](float v, float g) {
        const float s = 1.0f / (1.0f + std::exp(-v));
        return g * s * (1.0f + v * (1.0f - s));
    });
}

// Above the threshold PyTorch returns x itself (exp would overflow, and
// log1p(exp(z)) = z there in float32 anyway); the test is on beta * x.
void softplus_forward(const Matrix& x, float beta, float threshold, Matrix& y) {
    y = x.unaryExpr([beta, threshold](float v) {
        return v * beta > threshold ? v : std::log1p(std::exp(v * beta)) / beta;
    });
}

void softplus_backward(const Matrix& x, float beta, float threshold, const Matrix& dy, Matrix& dx) {
    dx = x.binaryExpr(dy, [beta, threshold](float v, float g) {
        const float z = std::exp(v * beta);
        return v * beta > threshold ? g : g * z / (z + 1.0f);
    });
}

void softsign_forward(const Matrix& x, Matrix& y) {
    y = (x.array() / (1.0f + x.array().abs())).matrix();
}

void softsign_backward(const Matrix& x, const Matrix& dy, Matrix& dx) {
    dx = (dy.array() / (1.0f + x.array().abs()).square()).matrix();
}

void mish_forward(const Matrix& x, Matrix& y) {
    y = x.unaryExpr([](float v) { return v * std::tanh(std::log1p(std::exp(v))); });
}

void mish_backward(const Matrix& x, const Matrix& dy, Matrix& dx) {
    dx = x.binaryExpr(dy, [](float v, float g) {
        const float s = 1.0f / (1.0f + std::exp(-v));
        const float t = std::tanh(std::log1p(std::exp(v)));
        return g * (t + v * s * (1.0f - t * t));
    });
}

namespace {
// The slope of column c: the one slope, or column c's own.
float slope_of(const Matrix& slope, Eigen::Index c) {
    return slope.size() == 1 ? slope(0, 0) : slope(0, c);
}
}  // namespace

void prelu_forward(const Matrix& x, const Matrix& slope, Matrix& y) {
    y.resize(x.rows(), x.cols());
    for (Eigen::Index r = 0; r < x.rows(); ++r)
        for (Eigen::Index c = 0; c < x.cols(); ++c) {
            const float v = x(r, c);
            y(r, c) = v > 0.0f ? v : slope_of(slope, c) * v;
        }
}

void prelu_backward_input(const Matrix& x, const Matrix& slope, const Matrix& dy, Matrix& dx) {
    for (Eigen::Index r = 0; r < x.rows(); ++r)
        for (Eigen::Index c = 0; c < x.cols(); ++c)
            dx(r, c) = x(r, c) > 0.0f ? dy(r, c) : slope_of(slope, c) * dy(r, c);
}

void prelu_backward_slope(const Matrix& x, const Matrix& dy, Matrix& dslope) {
    const Matrix contributions =  // [rows, cols]
        (x.array() > 0.0f).select(0.0f, x.array() * dy.array()).matrix();
    if (dslope.size() == 1)
        dslope(0, 0) =
            static_cast<float>(detail::sum_of(contributions.data(), contributions.size()));
    else
        detail::column_sums(contributions, dslope.data());
}

}  // namespace tinynn::kernels
