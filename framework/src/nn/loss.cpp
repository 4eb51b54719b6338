#include "tinynn/nn/loss.hpp"

#include <cmath>
#include <sstream>

#include "autograd/graph.hpp"

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

// Reduces per-element losses [rows, cols], which it consumes, to the output
// the reduction asks for.
Matrix reduce_losses(Matrix& losses, Reduction reduction, Shape& shape, Shape none_shape) {
    if (reduction == Reduction::none) {
        shape = std::move(none_shape);
        return std::move(losses);
    }
    shape = {};
    float total = losses.sum();
    if (reduction == Reduction::mean)
        total /= static_cast<float>(losses.size());
    detail::recycle(losses);
    return Matrix::Constant(1, 1, total);
}

// The upstream gradient of one element: g broadcast for none, scaled for mean.
float element_scale(Reduction reduction, Eigen::Index count) {
    return reduction == Reduction::mean ? 1.0f / static_cast<float>(count) : 1.0f;
}
}  // namespace

namespace functional {

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
    if (input.shape() != target.shape())
        throw Error("mse_loss: input has shape " + format_shape(input.shape()) +
                    " but target has shape " + format_shape(target.shape()) + "; they must match");
    Matrix losses =  // [rows, cols]
        detail::evaluate_pooled((input.matrix() - target.matrix()).array().square().matrix());
    Shape shape;
    Matrix out = reduce_losses(losses, reduction, shape, input.shape());
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
    const bool batched = input.dim() == 2;
    const Shape expected_target = batched ? Shape{input.shape()[0]} : Shape{};
    if (input.dim() == 0 || input.dim() > 2 || target.shape() != expected_target)
        throw Error(
            "cross_entropy: expected logits [batch, classes] with targets [batch] (or "
            "[classes] with a scalar target), got logits " +
            format_shape(input.shape()) + " and targets " + format_shape(target.shape()));
    if (target.requires_grad())
        throw Error("cross_entropy: the targets are class indices and cannot require grad");
    const Matrix& logits = input.matrix();  // [batch, classes]
    const Eigen::Index classes = logits.cols();
    const float* labels = target.data();  // [batch]
    for (Eigen::Index i = 0; i < logits.rows(); ++i) {
        const float label = labels[i];
        if (!(label >= 0 && label < static_cast<float>(classes)) || std::floor(label) != label) {
            std::ostringstream msg;
            msg << "cross_entropy: target " << label << " at position " << i
                << " is not a class index in 0.." << classes - 1;
            throw Error(msg.str());
        }
    }

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

}  // namespace functional

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) const {
    return functional::mse_loss(input, target, reduction_);
}

Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) const {
    return functional::cross_entropy(input, target, reduction_);
}

std::string MSELoss::describe() const {
    return std::string("MSELoss(reduction=") + reduction_name(reduction_) + ")";
}

std::string CrossEntropyLoss::describe() const {
    return std::string("CrossEntropyLoss(reduction=") + reduction_name(reduction_) + ")";
}

}  // namespace tinynn::nn
