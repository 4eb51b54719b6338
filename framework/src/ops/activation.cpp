// sigmoid, tanh, relu, leaky_relu as graph ops over the kernels.

#include "autograd/graph.hpp"
#include "ops/activation_kernels.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {

using detail::make_result;
using detail::Node;

namespace {
Matrix output_like(const Tensor& x) {
    return detail::take_matrix(x.matrix().rows(), x.matrix().cols());
}
}  // namespace

Tensor sigmoid(const Tensor& x) {
    Matrix y = output_like(x);  // [rows, cols]
    kernels::sigmoid_forward(x.matrix(), y);
    return make_result(std::move(y), x.shape(), "sigmoid", {&x},
                       [](const Node& n, const Matrix& dy, std::vector<Matrix>& grads) {
                           kernels::sigmoid_backward(n.result(), dy, grads[0]);
                       });
}

Tensor tanh(const Tensor& x) {
    Matrix y = output_like(x);  // [rows, cols]
    kernels::tanh_forward(x.matrix(), y);
    return make_result(std::move(y), x.shape(), "tanh", {&x},
                       [](const Node& n, const Matrix& dy, std::vector<Matrix>& grads) {
                           kernels::tanh_backward(n.result(), dy, grads[0]);
                       });
}

Tensor relu(const Tensor& x) {
    Matrix y = output_like(x);  // [rows, cols]
    kernels::relu_forward(x.matrix(), y);
    return make_result(std::move(y), x.shape(), "relu", {&x},
                       [](const Node& n, const Matrix& dy, std::vector<Matrix>& grads) {
                           kernels::relu_backward(n.input(0), dy, grads[0]);
                       });
}

Tensor leaky_relu(const Tensor& x, float negative_slope) {
    Matrix y = output_like(x);  // [rows, cols]
    kernels::leaky_relu_forward(x.matrix(), negative_slope, y);
    return make_result(
        std::move(y), x.shape(), "leaky_relu", {&x},
        [negative_slope](const Node& n, const Matrix& dy, std::vector<Matrix>& grads) {
            kernels::leaky_relu_backward(n.input(0), negative_slope, dy, grads[0]);
        });
}

}  // namespace tinynn
