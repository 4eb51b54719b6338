#include "tinynn/nn/loss.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "autograd/graph.hpp"
#include "tensor/layout.hpp"

namespace tinynn::nn {

using detail::Node;

namespace {
const char* reduction_name(Reduction r) {
    switch (r) {
        case Reduction::mean:
            return "mean";
        case Reduction::sum:
            return "sum";
        case Reduction::none:
            return "none";
    }
    return "?";
}

// The [1, 1] output of a sum or mean reduction of `count` losses whose sum,
// in double, is `total`. Accumulated in double, so a mean over millions of
// elements stays within float32 round-off of the exact value, as torch's
// cascade sum does; then divided in float, as torch divides its float sum.
Matrix reduced(double total, Eigen::Index count, Reduction reduction, Shape& shape) {
    shape = {};
    auto value = static_cast<float>(total);
    if (reduction == Reduction::mean)
        value /= static_cast<float>(count);
    Matrix out = detail::take_matrix(1, 1);
    out(0, 0) = value;
    return out;
}

// Reduces per-element losses [rows, cols], which it consumes, to the output
// the reduction asks for.
Matrix reduce_losses(Matrix& losses, Reduction reduction, Shape& shape, Shape none_shape) {
    if (reduction == Reduction::none) {
        shape = std::move(none_shape);
        return std::move(losses);
    }
    const double total = losses.cast<double>().sum();
    const Eigen::Index count = losses.size();
    detail::recycle(losses);
    return reduced(total, count, reduction, shape);
}

// The upstream gradient of one element: g broadcast for none, scaled for mean.
float element_scale(Reduction reduction, Eigen::Index count) {
    return reduction == Reduction::mean ? 1.0f / static_cast<float>(count) : 1.0f;
}

void require_same_shape(const char* op, const Tensor& input, const Tensor& target) {
    if (input.shape() != target.shape())
        throw Error(std::string(op) + ": input has shape " + format_shape(input.shape()) +
                    " but target has shape " + format_shape(target.shape()) + "; they must match");
}

// A loss of each element pair (x, y) of an input and a target of one shape,
// reduced. d_input(x, y, g) and d_target(x, y, g) are the gradients of one
// element given its upstream gradient g; mean then divides them by the count,
// in that order, as torch's backward kernels do.
template <class Loss, class DInput, class DTarget>
Tensor elementwise_loss(const char* op, const Tensor& input, const Tensor& target,
                        Reduction reduction, Loss loss, DInput d_input, DTarget d_target) {
    require_same_shape(op, input, target);
    Matrix losses = detail::evaluate_pooled(  // [rows, cols]
        input.matrix().binaryExpr(target.matrix(), loss));
    Shape shape;
    Matrix out = reduce_losses(losses, reduction, shape, input.shape());
    return detail::make_result(
        std::move(out), std::move(shape), op, {&input, &target},
        [reduction, d_input, d_target](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            const float* x = n.input(0).data();  // [rows, cols]
            const float* y = n.input(1).data();  // [rows, cols]
            const Eigen::Index count = n.input(0).size();
            const float divisor = reduction == Reduction::mean ? static_cast<float>(count) : 1.0f;
            auto fill = [&](Matrix& d, const auto& derivative) {
                float* out = d.data();  // [rows, cols]
                for (Eigen::Index i = 0; i < count; ++i) {
                    const float gi = reduction == Reduction::none ? g.data()[i] : g(0, 0);
                    out[i] = derivative(x[i], y[i], gi) / divisor;
                }
            };
            if (n.needs_grad(0))
                fill(grads[0], d_input);
            if (n.needs_grad(1))
                fill(grads[1], d_target);
        });
}

// What cross_entropy and nll_loss take: scores [batch, classes] (or
// [classes]) and class indices [batch] (or a scalar) stored as floats.
// Returns the shape of the unreduced loss, the targets' own.
Shape check_class_targets(const char* op, const char* scores, const Tensor& input,
                          const Tensor& target) {
    const bool batched = input.dim() == 2;
    Shape expected_target = batched ? Shape{input.shape()[0]} : Shape{};
    if (input.dim() == 0 || input.dim() > 2 || target.shape() != expected_target)
        throw Error(std::string(op) + ": expected " + scores +
                    " [batch, classes] with targets [batch] (or [classes] with a scalar "
                    "target), got " +
                    scores + " " + format_shape(input.shape()) + " and targets " +
                    format_shape(target.shape()));
    if (target.requires_grad())
        throw Error(std::string(op) + ": the targets are class indices and cannot require grad");
    const Eigen::Index classes = input.matrix().cols();
    const float* labels = target.data();  // [batch]
    for (Eigen::Index i = 0; i < input.matrix().rows(); ++i) {
        const float label = labels[i];
        if (!(label >= 0 && label < static_cast<float>(classes)) || std::floor(label) != label) {
            std::ostringstream msg;
            msg << op << ": target " << label << " at position " << i
                << " is not a class index in 0.." << classes - 1;
            throw Error(msg.str());
        }
    }
    return expected_target;
}
}  // namespace

namespace functional {

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
    if (input.shape() != target.shape()) {
        // torch warns, then computes on the broadcast shapes: here the ops
        // broadcast, and their backwards sum each gradient back to its shape.
        detail::broadcast_shapes(input.shape(), target.shape(), "mse_loss (input, target)");
        const Tensor diff = input - target;  // [broadcast shape]
        const Tensor squared = diff * diff;  // [broadcast shape]
        switch (reduction) {
            case Reduction::mean:
                return mean(squared);
            case Reduction::sum:
                return sum(squared);
            case Reduction::none:
                break;
        }
        return squared;
    }
    const Matrix& x = input.matrix();   // [rows, cols]
    const Matrix& y = target.matrix();  // [rows, cols]
    Shape shape;
    Matrix out;
    if (reduction == Reduction::none) {
        Matrix losses = detail::evaluate_pooled((x - y).array().square().matrix());
        out = reduce_losses(losses, reduction, shape, input.shape());
    } else {
        // The squares summed as they are made, in the order and precision of
        // reduce_losses (each square rounded to float, then added in double
        // from the first): the same bits, without storing the squares.
        double total = 0;
        for (Eigen::Index i = 0; i < x.size(); ++i) {
            const float d = x.data()[i] - y.data()[i];
            total += static_cast<double>(d * d);
        }
        out = reduced(total, x.size(), reduction, shape);
    }
    return detail::make_result(
        std::move(out), std::move(shape), "mse_loss", {&input, &target},
        [reduction](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            const Matrix& x = n.input(0);  // [rows, cols]
            const Matrix& y = n.input(1);  // [rows, cols]
            // d(loss)/d(input), written where it is needed; the target's is its negation.
            Matrix& d = n.needs_grad(0) ? grads[0] : grads[1];  // [rows, cols]
            if (reduction == Reduction::none)
                d = (2.0f * (x - y).array() * g.array()).matrix();
            else
                d = (x - y) * (2.0f * element_scale(reduction, x.size()) * g(0, 0));
            if (n.needs_grad(1))
                grads[1] = -d;
        });
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction) {
    const Shape expected_target = check_class_targets("cross_entropy", "logits", input, target);
    const Matrix& logits = input.matrix();  // [batch, classes]
    const float* labels = target.data();    // [batch]

    // log_softmax shifted by each row's maximum, so +-1000 stays finite.
    const Eigen::VectorXf max = logits.rowwise().maxCoeff();                  // [batch]
    const Matrix shifted = logits.colwise() - max;                            // [batch, classes]
    const Eigen::VectorXf lse = shifted.array().exp().rowwise().sum().log();  // [batch]
    Matrix losses(1, logits.rows());                                          // [batch]
    for (Eigen::Index i = 0; i < logits.rows(); ++i)
        losses(0, i) = lse(i) - shifted(i, static_cast<Eigen::Index>(labels[i]));
    Matrix probabilities = (shifted.colwise() - lse).array().exp().matrix();  // [batch, classes]

    Shape shape;
    Matrix out = reduce_losses(losses, reduction, shape, expected_target);
    return detail::make_result(std::move(out), std::move(shape), "cross_entropy", {&input, &target},
                               [reduction, p = std::move(probabilities)](
                                   const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
                                   const float* labels = n.input(1).data();
                                   Matrix& d = grads[0];  // [batch, classes]
                                   d = p;                 // softmax - one_hot(target)
                                   for (Eigen::Index i = 0; i < d.rows(); ++i)
                                       d(i, static_cast<Eigen::Index>(labels[i])) -= 1.0f;
                                   if (reduction == Reduction::none)
                                       d.array().colwise() *=
                                           Eigen::Map<const Eigen::ArrayXf>(g.data(), g.size());
                                   else
                                       d *= element_scale(reduction, d.rows()) * g(0, 0);
                               });
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction) {
    // Checked before computing, so the error names the first bad position.
    require_same_shape("binary_cross_entropy", input, target);
    const float* x = input.data();  // [rows, cols]
    for (int64_t i = 0; i < input.numel(); ++i) {
        if (!(x[i] >= 0.0f && x[i] <= 1.0f)) {  // NaN too, as torch
            std::ostringstream msg;
            msg << "binary_cross_entropy: input " << x[i] << " at position " << i
                << " is not a probability in [0, 1] (for logits use "
                   "binary_cross_entropy_with_logits)";
            throw Error(msg.str());
        }
    }
    // torch's kernels term for term, in its order of operations.
    return elementwise_loss(
        "binary_cross_entropy", input, target, reduction,
        [](float x, float y) {
            return (y - 1.0f) * std::max(std::log1p(-x), -100.0f) -
                   y * std::max(std::log(x), -100.0f);
        },
        // (x - y) / (x (1 - x)), its denominator kept from 0 at x = 0 and 1.
        [](float x, float y, float g) { return g * (x - y) / std::max((1.0f - x) * x, 1e-12f); },
        // -logit(x) = log((1 - x) / x): +-inf at x = 0 and 1, as torch's.
        [](float x, float, float g) {
            const float logit =
                x == 1.0f ? std::numeric_limits<float>::infinity() : std::log(x / (1.0f - x));
            return -logit * g;
        });
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        Reduction reduction) {
    return elementwise_loss(
        "binary_cross_entropy_with_logits", input, target, reduction,
        // (1 - y) x + log(1 + exp(-x)), the log-sum-exp shifted by m = max(-x, 0)
        // so that neither exp overflows: exact at x = +-100, where
        // log(sigmoid(x)) would be log(0).
        [](float x, float y) {
            const float m = std::max(-x, 0.0f);  // NaN stays NaN
            return (1.0f - y) * x + m + std::log(std::exp(-m) + std::exp(-x - m));
        },
        [](float x, float y, float g) { return (1.0f / (1.0f + std::exp(-x)) - y) * g; },
        [](float x, float, float g) { return -x * g; });
}

Tensor nll_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
    const Shape expected_target =
        check_class_targets("nll_loss", "log-probabilities", input, target);
    const Matrix& scores = input.matrix();                  // [batch, classes]
    const float* labels = target.data();                    // [batch]
    Matrix losses = detail::take_matrix(1, scores.rows());  // [batch]
    for (Eigen::Index i = 0; i < scores.rows(); ++i)
        losses(0, i) = -scores(i, static_cast<Eigen::Index>(labels[i]));

    Shape shape;
    Matrix out = reduce_losses(losses, reduction, shape, expected_target);
    return detail::make_result(
        std::move(out), std::move(shape), "nll_loss", {&input, &target},
        [reduction](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            const float* labels = n.input(1).data();  // [batch]
            Matrix& d = grads[0];                     // [batch, classes]
            d.setZero();
            const auto batch = static_cast<float>(d.rows());
            for (Eigen::Index i = 0; i < d.rows(); ++i) {
                const float gi = reduction == Reduction::none   ? g.data()[i]
                                 : reduction == Reduction::mean ? g(0, 0) / batch
                                                                : g(0, 0);
                d(i, static_cast<Eigen::Index>(labels[i])) = -gi;
            }
        });
}

}  // namespace functional

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) const {
    return functional::mse_loss(input, target, reduction_);
}

Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) const {
    return functional::cross_entropy(input, target, reduction_);
}

Tensor BCELoss::forward(const Tensor& input, const Tensor& target) const {
    return functional::binary_cross_entropy(input, target, reduction_);
}

Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) const {
    return functional::binary_cross_entropy_with_logits(input, target, reduction_);
}

Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) const {
    return functional::nll_loss(input, target, reduction_);
}

std::string MSELoss::describe() const {
    return std::string("MSELoss(reduction=") + reduction_name(reduction_) + ")";
}

std::string CrossEntropyLoss::describe() const {
    return std::string("CrossEntropyLoss(reduction=") + reduction_name(reduction_) + ")";
}

std::string BCELoss::describe() const {
    return std::string("BCELoss(reduction=") + reduction_name(reduction_) + ")";
}

std::string BCEWithLogitsLoss::describe() const {
    return std::string("BCEWithLogitsLoss(reduction=") + reduction_name(reduction_) + ")";
}

std::string NLLLoss::describe() const {
    return std::string("NLLLoss(reduction=") + reduction_name(reduction_) + ")";
}

}  // namespace tinynn::nn
