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
            grads[0] = g.cwiseProduct(n.output->data);  // d exp(x) = exp(x)
        });
}

Tensor log(const Tensor& x) {
    return unary(
        x, "log", [](const auto& a) { return a.log(); },
        [](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            grads[0] = g.cwiseQuotient(n.input(0));
        });
}

Tensor pow(const Tensor& x, float exponent) {
    return unary(
        x, "pow", [exponent](const auto& a) { return a.pow(exponent); },
        [exponent](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            if (exponent == 0.0f) {
                grads[0] = Matrix::Zero(g.rows(), g.cols());
                return;
            }
            grads[0] = (g.array() * exponent * n.input(0).array().pow(exponent - 1.0f)).matrix();
        });
}

Tensor sqrt(const Tensor& x) {
    return unary(
        x, "sqrt", [](const auto& a) { return a.sqrt(); },
        [](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            grads[0] = (g.array() / (2.0f * n.output->data.array())).matrix();
        });
}

Tensor abs(const Tensor& x) {
    return unary(
        x, "abs", [](const auto& a) { return a.abs(); },
        [](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            grads[0] = g.cwiseProduct(n.input(0).cwiseSign());  // sign(0) = 0
        });
}

Tensor clamp(const Tensor& x, float min, float max) {
    return unary(
        x, "clamp", [min, max](const auto& a) { return a.max(min).min(max); },
        [min, max](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            const auto a = n.input(0).array();
            grads[0] = ((a >= min && a <= max).select(g.array(), 0.0f)).matrix();
        });
}

}  // namespace tinynn
