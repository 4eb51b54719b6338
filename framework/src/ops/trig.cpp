// sin and cos.

#include "autograd/graph.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {

using detail::make_result;
using detail::Node;

Tensor sin(const Tensor& x) {
    return make_result(detail::evaluate_pooled(x.matrix().array().sin().matrix()), x.shape(), "sin",
                       {&x}, [](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
                           grads[0] = (g.array() * n.input(0).array().cos()).matrix();
                       });
}

Tensor cos(const Tensor& x) {
    return make_result(detail::evaluate_pooled(x.matrix().array().cos().matrix()), x.shape(), "cos",
                       {&x}, [](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
                           grads[0] = (g.array() * -n.input(0).array().sin()).matrix();
                       });
}

}  // namespace tinynn
