// sigmoid, tanh, relu, leaky_relu as graph ops over the kernels.

#include "autograd/graph.hpp"
#include "ops/activation_kernels.hpp"
#include "tinynn/error.hpp"
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

namespace tinynn {

namespace {
// An elementwise activation whose backward reads its input: the pattern of
// every activation below but prelu.
template <class Forward, class Backward>
Tensor elementwise(const Tensor& x, const char* op, Forward forward, Backward backward) {
    Matrix y = output_like(x);  // [rows, cols]
    forward(x.matrix(), y);
    return make_result(std::move(y), x.shape(), op, {&x},
                       [backward](const Node& n, const Matrix& dy, std::vector<Matrix>& grads) {
                           backward(n.input(0), dy, grads[0]);
                       });
}

// SELU's constants, as PyTorch writes them.
constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;
constexpr float kSeluScale = 1.0507009873554804934193349852946f;
}  // namespace

Tensor elu(const Tensor& x, float alpha) {
    return elementwise(
        x, "elu", [alpha](const Matrix& v, Matrix& y) { kernels::elu_forward(v, alpha, 1.0f, y); },
        [alpha](const Matrix& v, const Matrix& dy, Matrix& dx) {
            kernels::elu_backward(v, alpha, 1.0f, dy, dx);
        });
}

Tensor selu(const Tensor& x) {
    return elementwise(
        x, "selu",
        [](const Matrix& v, Matrix& y) { kernels::elu_forward(v, kSeluAlpha, kSeluScale, y); },
        [](const Matrix& v, const Matrix& dy, Matrix& dx) {
            kernels::elu_backward(v, kSeluAlpha, kSeluScale, dy, dx);
        });
}

Tensor gelu(const Tensor& x, GeluApproximate approximate) {
    const bool tanh_form = approximate == GeluApproximate::tanh;
    return elementwise(
        x, "gelu",
        [tanh_form](const Matrix& v, Matrix& y) { kernels::gelu_forward(v, tanh_form, y); },
        [tanh_form](const Matrix& v, const Matrix& dy, Matrix& dx) {
            kernels::gelu_backward(v, tanh_form, dy, dx);
        });
}

Tensor silu(const Tensor& x) {
    return elementwise(x, "silu", kernels::silu_forward, kernels::silu_backward);
}

Tensor softplus(const Tensor& x, float beta, float threshold) {
    return elementwise(
        x, "softplus",
        [beta, threshold](const Matrix& v, Matrix& y) {
            kernels::softplus_forward(v, beta, threshold, y);
        },
        [beta, threshold](const Matrix& v, const Matrix& dy, Matrix& dx) {
            kernels::softplus_backward(v, beta, threshold, dy, dx);
        });
}

Tensor softsign(const Tensor& x) {
    return elementwise(x, "softsign", kernels::softsign_forward, kernels::softsign_backward);
}

Tensor mish(const Tensor& x) {
    return elementwise(x, "mish", kernels::mish_forward, kernels::mish_backward);
}

Tensor prelu(const Tensor& x, const Tensor& weight) {
    const int64_t channels = weight.numel();
    if (weight.dim() != 1 || channels < 1)
        throw Error("prelu: expected a weight of shape [num_parameters], got " +
                    format_shape(weight.shape()));
    if (channels != 1 && (x.dim() != 2 || x.shape()[1] != channels))
        throw Error("prelu: a weight of " + std::to_string(channels) +
                    " slopes expects an input of shape [batch, " + std::to_string(channels) +
                    "], got " + format_shape(x.shape()));
    Matrix y = output_like(x);  // [rows, cols]
    kernels::prelu_forward(x.matrix(), weight.matrix(), y);
    return make_result(std::move(y), x.shape(), "prelu", {&x, &weight},
                       [](const Node& n, const Matrix& dy, std::vector<Matrix>& grads) {
                           const Matrix& input = n.input(0);  // [rows, cols]
                           if (n.needs_grad(0))
                               kernels::prelu_backward_input(input, n.input(1), dy, grads[0]);
                           if (n.needs_grad(1))  // grads[1]: [1, channels]
                               kernels::prelu_backward_slope(input, dy, grads[1]);
                       });
}

}  // namespace tinynn
