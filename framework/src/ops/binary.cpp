// + - * / with PyTorch's broadcasting, tensor-tensor and tensor-scalar.

#include "autograd/graph.hpp"
#include "tensor/layout.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {

using detail::BackwardFn;
using detail::Index;
using detail::make_result;
using detail::Node;
using detail::reduce_into;

namespace {

// `m` repeated up to rows x cols (an Eigen expression: nothing is copied).
auto expand(const Matrix& m, Index rows, Index cols) {
    return m.replicate(m.rows() ? rows / m.rows() : 0, m.cols() ? cols / m.cols() : 0);
}

bool same_dims(const Matrix& a, const Matrix& b) {
    return a.rows() == b.rows() && a.cols() == b.cols();
}

// Records out = f(a, b) over the broadcast shape; `backward` gets the
// gradient of the broadcast output and returns each input's unreduced part.
template <class Forward>
Tensor broadcast_op(const Tensor& a, const Tensor& b, const char* op, Forward f,
                    BackwardFn backward) {
    Shape shape = detail::broadcast_shapes(a.shape(), b.shape(), op);
    const detail::Dims d = detail::storage_dims(shape, op);
    const Matrix& x = a.matrix();                      // [rows or 1, cols or 1]
    const Matrix& y = b.matrix();                      // [rows or 1, cols or 1]
    Matrix out = detail::take_matrix(d.rows, d.cols);  // [rows, cols]
    if (same_dims(x, y))
        out = f(x.array(), y.array()).matrix();
    else
        out = f(expand(x, d.rows, d.cols).array(), expand(y, d.rows, d.cols).array()).matrix();
    return make_result(std::move(out), std::move(shape), op, {&a, &b}, std::move(backward));
}

void add_backward(const Node& n, const Matrix& g, std::vector<Matrix>& grads, float sign_b) {
    if (n.needs_grad(0))
        reduce_into(g, grads[0]);
    if (n.needs_grad(1))
        reduce_into(sign_b * g, grads[1]);
}

template <class Forward>
Tensor scalar_op(const Tensor& a, const char* op, Forward f, BackwardFn backward) {
    return make_result(detail::evaluate_pooled(f(a.matrix().array()).matrix()), a.shape(), op, {&a},
                       std::move(backward));
}

}  // namespace

Tensor operator+(const Tensor& a, const Tensor& b) {
    return broadcast_op(
        a, b, "add", [](const auto& x, const auto& y) { return x + y; },
        [](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            add_backward(n, g, grads, 1.0f);
        });
}

Tensor operator-(const Tensor& a, const Tensor& b) {
    return broadcast_op(
        a, b, "sub", [](const auto& x, const auto& y) { return x - y; },
        [](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            add_backward(n, g, grads, -1.0f);
        });
}

Tensor operator*(const Tensor& a, const Tensor& b) {
    return broadcast_op(
        a, b, "mul", [](const auto& x, const auto& y) { return x * y; },
        [](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            if (n.needs_grad(0))
                reduce_into(g.cwiseProduct(expand(n.input(1), g.rows(), g.cols())), grads[0]);
            if (n.needs_grad(1))
                reduce_into(g.cwiseProduct(expand(n.input(0), g.rows(), g.cols())), grads[1]);
        });
}

Tensor operator/(const Tensor& a, const Tensor& b) {
    return broadcast_op(
        a, b, "div", [](const auto& x, const auto& y) { return x / y; },
        [](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            const auto yb = expand(n.input(1), g.rows(), g.cols()).array();
            if (n.needs_grad(0))
                reduce_into((g.array() / yb).matrix(), grads[0]);
            // PyTorch's -g * ((x / y) / y): dividing twice keeps the quotient
            // in range where y * y under- or overflows (x = 1e-30, y = 1e-30
            // gives -1e30 where -x / (y * y) gave -inf).
            if (n.needs_grad(1)) {
                const auto xb = expand(n.input(0), g.rows(), g.cols()).array();
                reduce_into((-g.array() * ((xb / yb) / yb)).matrix(), grads[1]);
            }
        });
}

Tensor operator+(const Tensor& a, float s) {
    return scalar_op(
        a, "add", [s](const auto& x) { return x + s; },
        [](const Node&, const Matrix& g, std::vector<Matrix>& grads) { grads[0] = g; });
}

Tensor operator-(const Tensor& a, float s) {
    return scalar_op(
        a, "sub", [s](const auto& x) { return x - s; },
        [](const Node&, const Matrix& g, std::vector<Matrix>& grads) { grads[0] = g; });
}

Tensor operator*(const Tensor& a, float s) {
    return scalar_op(
        a, "mul", [s](const auto& x) { return x * s; },
        [s](const Node&, const Matrix& g, std::vector<Matrix>& grads) { grads[0] = g * s; });
}

Tensor operator/(const Tensor& a, float s) {
    return scalar_op(
        a, "div", [s](const auto& x) { return x / s; },
        [s](const Node&, const Matrix& g, std::vector<Matrix>& grads) { grads[0] = g / s; });
}

Tensor operator+(float s, const Tensor& b) {
    return b + s;
}
Tensor operator*(float s, const Tensor& b) {
    return b * s;
}

Tensor operator-(float s, const Tensor& b) {
    return scalar_op(
        b, "rsub", [s](const auto& x) { return s - x; },
        [](const Node&, const Matrix& g, std::vector<Matrix>& grads) { grads[0] = -g; });
}

// As PyTorch computes s / b: b's reciprocal times s, whose gradient is
// -(g * s) * (r * r) for r = 1 / b (finite where b * b would overflow).
Tensor operator/(float s, const Tensor& b) {
    return scalar_op(
        b, "rdiv", [s](const auto& x) { return x.inverse() * s; },
        [s](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            const auto r = n.input(0).array().inverse();
            grads[0] = (-(g.array() * s) * (r * r)).matrix();
        });
}

Tensor operator-(const Tensor& a) {
    return scalar_op(
        a, "neg", [](const auto& x) { return -x; },
        [](const Node&, const Matrix& g, std::vector<Matrix>& grads) { grads[0] = -g; });
}

}  // namespace tinynn
