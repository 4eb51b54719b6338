// Elementwise maths: exp, log, pow, sqrt, abs, clamp.

#include "autograd/graph.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {

using detail::BackwardFn;
using detail::make_result;
using detail::Node;

namespace {
template <class Forward>
Tensor unary(const Tensor& x, const char* op, Forward f, BackwardFn backward) {
    return make_result(detail::evaluate_pooled(f(x.matrix().array()).matrix()), x.shape(), op, {&x},
                       std::move(backward));
}
}  // namespace

Tensor exp(const Tensor& x) {
    return unary(
        x, "exp", [](const auto& a) { return a.exp(); },
        [](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            grads[0] = g.cwiseProduct(n.result());  // d exp(x) = exp(x)
        });
}

Tensor log(const Tensor& x) {
    return unary(
        x, "log", [](const auto& a) { return a.log(); },
        [](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            grads[0] = g.cwiseQuotient(n.input(0));
        });
}

namespace {
// x^e into out, as PyTorch computes it: the exponents it special-cases go
// through the same products, square roots and reciprocals (which round
// differently from std::pow and keep -0's sign: (-0)^0.5 is -0), the others
// through pow.
void power(const Matrix& x, float e, Matrix& out) {
    const auto a = x.array();
    if (e == 0.0f)
        out.setOnes();
    else if (e == 1.0f)
        out = x;
    else if (e == 2.0f)
        out = (a * a).matrix();
    else if (e == 3.0f)
        out = (a * a * a).matrix();
    else if (e == -2.0f)
        out = (a * a).inverse().matrix();
    else if (e == 0.5f)
        out = a.sqrt().matrix();
    else if (e == -0.5f)
        out = a.sqrt().inverse().matrix();
    else if (e == -1.0f)
        out = a.inverse().matrix();
    else
        out = a.pow(e).matrix();
}
}  // namespace

Tensor pow(const Tensor& x, float exponent) {
    const Matrix& m = x.matrix();  // [rows, cols]
    Matrix y = detail::take_matrix(m.rows(), m.cols());
    power(m, exponent, y);
    return make_result(std::move(y), x.shape(), "pow", {&x},
                       [exponent](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
                           Matrix& dx = grads[0];  // [rows, cols]
                           if (exponent == 0.0f) {
                               dx.setZero();
                               return;
                           }
                           // PyTorch's g * (exponent * x^(exponent - 1)), in that order.
                           power(n.input(0), exponent - 1.0f, dx);
                           dx = (g.array() * (exponent * dx.array())).matrix();
                       });
}

Tensor sqrt(const Tensor& x) {
    return unary(
        x, "sqrt", [](const auto& a) { return a.sqrt(); },
        [](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            grads[0] = (g.array() / (2.0f * n.result().array())).matrix();
        });
}

Tensor abs(const Tensor& x) {
    return unary(
        x, "abs", [](const auto& a) { return a.abs(); },
        [](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            // g * sign(x) with sign(0) = sign(NaN) = 0, as PyTorch's sgn (Eigen's
            // vectorised sign gives NaN for NaN).
            const auto sign = [](float v) { return static_cast<float>((v > 0.0f) - (v < 0.0f)); };
            grads[0] = g.cwiseProduct(n.input(0).unaryExpr(sign));
        });
}

Tensor clamp(const Tensor& x, float min, float max) {
    return unary(
        // Eigen's max and min, like PyTorch's, keep NaN (and -0).
        x, "clamp", [min, max](const auto& a) { return a.max(min).min(max); },
        [min, max](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            const auto a = n.input(0).array();
            grads[0] = ((a >= min && a <= max).select(g.array(), 0.0f)).matrix();
        });
}

}  // namespace tinynn
