#include "tinynn/nn/linear.hpp"

#include <cmath>
#include <string>

#include "autograd/graph.hpp"
#include "tensor/summation.hpp"
#include "tensor/tiny_products.hpp"
#include "threads/team.hpp"
#include "tinynn/autograd.hpp"
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

Tensor Linear::forward(const Tensor& input) {
    if (input.dim() == 0 || input.shape().back() != in_features_)
        throw Error(features_error(input, in_features_, describe()));
    return functional::linear(input, weight_, bias_);
}

std::string Linear::describe() const {
    return "Linear(in_features=" + std::to_string(in_features_) +
           ", out_features=" + std::to_string(out_features_) +
           ", bias=" + (bias_.defined() ? "true" : "false") + ")";
}

namespace functional {

// One node for x W^T + b: the products go straight to Eigen's GEMM, and the
// bias is broadcast without materialising it.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
    if (weight.dim() != 2)
        throw Error("linear: weight must be a matrix [out, in], got shape " +
                    format_shape(weight.shape()));
    const int64_t out_features = weight.shape()[0], in_features = weight.shape()[1];
    if (input.dim() == 0 || input.dim() > 2 || input.shape().back() != in_features)
        throw Error(features_error(input, in_features,
                                   "linear (weight " + format_shape(weight.shape()) + ")"));
    if (bias.defined() && bias.shape() != Shape{out_features})
        throw Error("linear: bias must have shape " + format_shape({out_features}) + ", got " +
                    format_shape(bias.shape()));

    const Matrix& x = input.matrix();                             // [batch, in]
    const Matrix& w = weight.matrix();                            // [out, in]
    Matrix y = detail::take_matrix(x.rows(), out_features);       // [batch, out]
    const Matrix* b = bias.defined() ? &bias.matrix() : nullptr;  // [1, out]
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
    const int parts = detail::parts_for(work, detail::kSerialProductWork);
    const bool tiny = detail::is_tiny_product(x.rows(), out_features, in_features);
    if (tiny) {
        detail::tiny_product_abt(x, w, b, y);
    } else if (parts == 1) {
        forward(y, w, 0);
    } else {
        detail::run_parts(parts, [&](int p) {
            const auto [lo, hi] = detail::part_range(out_features, p, parts);
            forward(y.middleCols(lo, hi - lo), w.middleRows(lo, hi - lo), lo);
        });
    }
    Shape shape = input.shape();
    shape.back() = out_features;

    detail::BackwardFn backward = [parts, tiny](const Node& n, const Matrix& dy,
                                                std::vector<Matrix>& grads) {
        const bool bias = n.inputs.size() == 3 && n.needs_grad(2);
        // Part p computes the gradient of its input features (dx_p, from
        // w_cols) and of its output features' weights and biases (dw_p, db_p,
        // from dy_cols, as in the forward); on one thread, whole matrices.
        // The input's gradient reads the weight and the weight's the input,
        // each only when needed: the values PyTorch saves (Node::input checks
        // them). The weight's and the bias's sum over the batch
        // (tensor/summation.hpp).
        const auto input_grad = [&](auto&& dx_p, const auto& w_cols) {
            dx_p.noalias() = dy * w_cols;  // [batch, in_p]
        };
        const auto weight_grad = [&](auto&& dw_p, const auto& dy_cols) {
            detail::product_over_rows(dy_cols, n.input(0), dw_p);  // [out_p, in]
        };
        const auto bias_grad = [&](auto&& db_p, const auto& dy_cols) {
            detail::column_sums(dy_cols, db_p.data());  // [1, out_p]
        };
        if (tiny) {
            if (n.needs_grad(0))
                detail::tiny_product_ab(dy, n.input(1), grads[0]);  // [batch, in]
            if (n.needs_grad(1))
                detail::tiny_product_atb(dy, n.input(0), grads[1]);  // [out, in]
            if (bias)
                bias_grad(grads[2], dy);
            return;
        }
        if (parts == 1) {
            if (n.needs_grad(0))
                input_grad(grads[0], n.input(1));
            if (n.needs_grad(1))
                weight_grad(grads[1], dy);
            if (bias)
                bias_grad(grads[2], dy);
            return;
        }
        detail::run_parts(parts, [&](int p) {
            if (n.needs_grad(0)) {
                const Matrix& w = n.input(1);  // [out, in]
                const auto [lo, hi] = detail::part_range(w.cols(), p, parts);
                input_grad(grads[0].middleCols(lo, hi - lo), w.middleCols(lo, hi - lo));
            }
            const auto [lo, hi] = detail::part_range(dy.cols(), p, parts);
            if (n.needs_grad(1))
                weight_grad(grads[1].middleRows(lo, hi - lo), dy.middleCols(lo, hi - lo));
            if (bias)
                bias_grad(grads[2].middleCols(lo, hi - lo), dy.middleCols(lo, hi - lo));
        });
    };
    if (bias.defined())
        return detail::make_result(std::move(y), std::move(shape), "linear",
                                   {&input, &weight, &bias}, std::move(backward));
    return detail::make_result(std::move(y), std::move(shape), "linear", {&input, &weight},
                               std::move(backward));
}

}  // namespace functional
}  // namespace tinynn::nn
