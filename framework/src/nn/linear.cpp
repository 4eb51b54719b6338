#include "tinynn/nn/linear.hpp"

#include "nn/linear_activation.hpp"

#include <cmath>
#include <string>

#include "autograd/graph.hpp"
#include "ops/activation_kernels.hpp"
#include "tensor/summation.hpp"
#include "tensor/tiny_products.hpp"
#include "threads/team.hpp"
#include "tinynn/autograd.hpp"
#include "tinynn/nn/activation.hpp"
#include "tinynn/nn/functional.hpp"
#include "tinynn/nn/init.hpp"

namespace tinynn::nn {

using detail::Node;

namespace {
std::string features_error(const Tensor& input, int64_t expected, const std::string& who) {
    return who + ": expected input with " + std::to_string(expected) +
           " features (its last dim), got shape " + format_shape(input.shape());
}
}  // namespace

Linear::Linear(int64_t in_features, int64_t out_features, bool bias)
    : in_features_(in_features), out_features_(out_features) {
    if (in_features < 0 || out_features < 0)
        throw Error(
            "Linear: sizes must be non-negative, got in_features=" + std::to_string(in_features) +
            " and out_features=" + std::to_string(out_features));
    weight_ = register_parameter("weight", zeros({out_features, in_features}));
    if (bias)
        bias_ = register_parameter("bias", zeros({out_features}));
    reset_parameters();
}

// PyTorch's reset_parameters: kaiming_uniform(a = sqrt(5)) gives the bound
// 1/sqrt(fan_in) for the weight, and the bias uses the same bound.
void Linear::reset_parameters() {
    init::kaiming_uniform_(weight_, std::sqrt(5.0f));
    if (bias_.defined()) {
        const float bound =
            in_features_ > 0 ? 1.0f / std::sqrt(static_cast<float>(in_features_)) : 0.0f;
        init::uniform_(bias_, -bound, bound);
    }
}

namespace {
void check_features(const Linear& layer, const Tensor& input) {
    const Shape& x = input.shape();
    if (x.empty() || x.back() != layer.in_features())
        throw Error(features_error(input, layer.in_features(), layer.describe()));
}
}  // namespace

Tensor Linear::forward(const Tensor& input) {
    check_features(*this, input);
    return functional::linear(input, weight_, bias_);
}

std::string Linear::describe() const {
    return "Linear(in_features=" + std::to_string(in_features_) +
           ", out_features=" + std::to_string(out_features_) +
           ", bias=" + (bias_.defined() ? "true" : "false") + ")";
}

namespace {

// How a Linear's products run, chosen once in the forward and kept for its
// backward: as tiny loops, whole on one thread, or cut over `parts` threads.
struct LinearPlan {
    int parts;
    bool tiny;
};

// Checks the operands and returns the output's shape.
Shape linear_shape(const Tensor& input, const Tensor& weight, const Tensor& bias) {
    // Each shape read once: every read checks that the tensor is defined.
    const Shape& w = weight.shape();
    if (w.size() != 2)
        throw Error("linear: weight must be a matrix [out, in], got shape " + format_shape(w));
    const int64_t out_features = w[0], in_features = w[1];
    const Shape& x = input.shape();
    if (x.empty() || x.size() > 2 || x.back() != in_features)
        throw Error(features_error(input, in_features, "linear (weight " + format_shape(w) + ")"));
    if (bias.defined()) {
        const Shape& b = bias.shape();
        if (b.size() != 1 || b[0] != out_features)
            throw Error("linear: bias must have shape " + format_shape({out_features}) + ", got " +
                        format_shape(b));
    }
    Shape shape = x;
    shape.back() = out_features;
    return shape;
}

// y = x wᵀ + b (b may be null), in storage taken for it.
Matrix linear_forward(const Matrix& x, const Matrix& w, const Matrix* b, LinearPlan& plan) {
    const int64_t out_features = w.rows(), in_features = w.cols();
    Matrix y = detail::take_matrix(x.rows(), out_features);  // [batch, out]
    // Output features [lo, lo + y_p.cols()): y_p and w_p are the whole
    // matrices on one thread (Eigen's small products are slower on blocks),
    // or part p's columns of y and rows of w, the rows whose gradient the
    // same thread computes in the backward and the optimiser updates.
    const auto forward = [&](auto&& y_p, const auto& w_p, int64_t lo) {
        y_p.noalias() = x * w_p.transpose();  // [batch, out_p]
        if (b != nullptr)
            y_p.rowwise() += b->row(0).segment(lo, y_p.cols());
    };
    const double work = static_cast<double>(x.rows()) * out_features * in_features;
    plan.parts = detail::parts_for(work, detail::kSerialProductWork);
    plan.tiny = detail::is_tiny_product(x.rows(), out_features, in_features);
    if (plan.tiny) {
        detail::tiny_product_abt(x, w, b, y);
    } else if (plan.parts == 1) {
        forward(y, w, 0);
    } else {
        detail::run_parts(plan.parts, [&](int p) {
            const auto [lo, hi] = detail::part_range(out_features, p, plan.parts);
            forward(y.middleCols(lo, hi - lo), w.middleRows(lo, hi - lo), lo);
        });
    }
    return y;
}

// The gradients of n's inputs (x, w and b) from dy = d(loss)/dy.
void linear_backward(const Node& n, const Matrix& dy, std::vector<Matrix>& grads, LinearPlan plan) {
    const bool bias = n.inputs.size() == 3 && n.needs_grad(2);
    // Part p computes the gradient of its input features (dx_p, from w_cols)
    // and of its output features' weights and biases (dw_p, db_p, from
    // dy_cols, as in the forward); on one thread, whole matrices. The input's
    // gradient reads the weight and the weight's the input, each only when
    // needed: the values PyTorch saves (Node::input checks them). The
    // weight's and the bias's sum over the batch (tensor/summation.hpp).
    const auto input_grad = [&](auto&& dx_p, const auto& w_cols) {
        dx_p.noalias() = dy * w_cols;  // [batch, in_p]
    };
    const auto weight_grad = [&](auto&& dw_p, const auto& dy_cols) {
        detail::product_over_rows(dy_cols, n.input(0), dw_p);  // [out_p, in]
    };
    const auto bias_grad = [&](auto&& db_p, const auto& dy_cols) {
        detail::column_sums(dy_cols, db_p.data());  // [1, out_p]
    };
    if (plan.tiny) {
        if (n.needs_grad(0))
            detail::tiny_product_ab(dy, n.input(1), grads[0]);  // [batch, in]
        if (n.needs_grad(1))
            detail::tiny_product_atb(dy, n.input(0), grads[1]);  // [out, in]
        if (bias)
            bias_grad(grads[2], dy);
        return;
    }
    if (plan.parts == 1) {
        if (n.needs_grad(0))
            input_grad(grads[0], n.input(1));
        if (n.needs_grad(1))
            weight_grad(grads[1], dy);
        if (bias)
            bias_grad(grads[2], dy);
        return;
    }
    detail::run_parts(plan.parts, [&](int p) {
        if (n.needs_grad(0)) {
            const Matrix& w = n.input(1);  // [out, in]
            const auto [lo, hi] = detail::part_range(w.cols(), p, plan.parts);
            input_grad(grads[0].middleCols(lo, hi - lo), w.middleCols(lo, hi - lo));
        }
        const auto [lo, hi] = detail::part_range(dy.cols(), p, plan.parts);
        if (n.needs_grad(1))
            weight_grad(grads[1].middleRows(lo, hi - lo), dy.middleCols(lo, hi - lo));
        if (bias)
            bias_grad(grads[2].middleCols(lo, hi - lo), dy.middleCols(lo, hi - lo));
    });
}

Tensor record(Matrix y, Shape shape, const char* op, const Tensor& input, const Tensor& weight,
              const Tensor& bias, detail::BackwardFn backward) {
    if (bias.defined())
        return detail::make_result(std::move(y), std::move(shape), op, {&input, &weight, &bias},
                                   std::move(backward));
    return detail::make_result(std::move(y), std::move(shape), op, {&input, &weight},
                               std::move(backward));
}

}  // namespace

namespace functional {

// One node for x W^T + b: the products go straight to Eigen's GEMM, and the
// bias is broadcast without materialising it.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
    Shape shape = linear_shape(input, weight, bias);
    LinearPlan plan{};
    Matrix y = linear_forward(input.matrix(), weight.matrix(),
                              bias.defined() ? &bias.matrix() : nullptr, plan);
    return record(std::move(y), std::move(shape), "linear", input, weight, bias,
                  [plan](const Node& n, const Matrix& dy, std::vector<Matrix>& grads) {
                      linear_backward(n, dy, grads, plan);
                  });
}

}  // namespace functional

namespace {

void activation_forward(LinearActivation act, const Matrix& x, Matrix& y) {
    switch (act.kind) {
        case Activation::sigmoid:
            return kernels::sigmoid_forward(x, y);
        case Activation::tanh:
            return kernels::tanh_forward(x, y);
        case Activation::relu:
            return kernels::relu_forward(x, y);
        default:
            return kernels::leaky_relu_forward(x, act.negative_slope, y);
    }
}

// The activation op's name: the output's grad_fn, as without the fusion.
const char* activation_op(LinearActivation act) {
    switch (act.kind) {
        case Activation::sigmoid:
            return "sigmoid";
        case Activation::tanh:
            return "tanh";
        case Activation::relu:
            return "relu";
        default:
            return "leaky_relu";
    }
}

// From the output alone: relu's and leaky_relu's tests of x (x <= 0, x > 0)
// give the same answer on y, since y has x's sign (for leaky_relu, when the
// slope is not negative, which linear_activation_of checks), NaN included.
void activation_backward(LinearActivation act, const Matrix& y, const Matrix& dy, Matrix& dx) {
    switch (act.kind) {
        case Activation::sigmoid:
            return kernels::sigmoid_backward(y, dy, dx);
        case Activation::tanh:
            return kernels::tanh_backward(y, dy, dx);
        case Activation::relu:
            return kernels::relu_backward(y, dy, dx);
        default:
            return kernels::leaky_relu_backward(y, act.negative_slope, dy, dx);
    }
}

}  // namespace

std::optional<LinearActivation> linear_activation_of(const Module& module) {
    // Types compared by their type_info's address: operator== compares the
    // names when the addresses differ, a strcmp for each kind tried in every
    // forward. A type has one type_info in a binary; should one have two
    // (across shared libraries), the pair runs unfused, with the same bits.
    const std::type_info* type = &typeid(module);
    if (type == &typeid(Sigmoid))
        return LinearActivation{Activation::sigmoid};
    if (type == &typeid(Tanh))
        return LinearActivation{Activation::tanh};
    if (type == &typeid(ReLU))
        return LinearActivation{Activation::relu};
    if (type == &typeid(LeakyReLU)) {
        const float slope = static_cast<const LeakyReLU&>(module).negative_slope();
        if (!(slope < 0.0f))
            return LinearActivation{Activation::leaky_relu, slope};
    }
    return std::nullopt;
}

Tensor linear_activation(Linear& layer, const Tensor& input, LinearActivation act) {
    check_features(layer, input);
    const Tensor& weight = layer.weight_;
    const Tensor& bias = layer.bias_;
    Shape shape = linear_shape(input, weight, bias);
    LinearPlan plan{};
    Matrix y = linear_forward(input.matrix(), weight.matrix(),  // [batch, out]
                              bias.defined() ? &bias.matrix() : nullptr, plan);
    activation_forward(act, y, y);  // in place: the kernels are coefficient-wise
    return record(std::move(y), std::move(shape), activation_op(act), input, weight, bias,
                  [plan, act](const Node& n, const Matrix& dy, std::vector<Matrix>& grads) {
                      Matrix d_pre = detail::take_matrix(dy.rows(), dy.cols());  // [batch, out]
                      activation_backward(act, n.result(), dy, d_pre);
                      linear_backward(n, d_pre, grads, plan);
                      detail::recycle(d_pre);
                  });
}

}  // namespace tinynn::nn
