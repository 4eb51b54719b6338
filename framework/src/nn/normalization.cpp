// BatchNorm1d and Dropout, and their functional forms.

#include "tinynn/nn/normalization.hpp"

#include <cmath>
#include <sstream>

#include "autograd/graph.hpp"
#include "tensor/summation.hpp"
#include "tinynn/error.hpp"
#include "tinynn/nn/functional.hpp"
#include "tinynn/random.hpp"

namespace tinynn::nn {

using detail::make_result;
using detail::Node;

namespace functional {

namespace {

void check_features(const Tensor& t, int64_t features, const char* what) {
    if (t.dim() != 1 || t.numel() != features)
        throw Error(std::string("batch_norm: expected ") + what + " of shape [" +
                    std::to_string(features) + "], got " + format_shape(t.shape()));
}

// sum over the rows of m, one per column: [1, cols].
Matrix column_sums(const Matrix& m) {
    Matrix out(1, m.cols());
    detail::column_sums(m, out.data());
    return out;
}

}  // namespace

Tensor batch_norm(const Tensor& input, Tensor running_mean, Tensor running_var,
                  const Tensor& weight, const Tensor& bias, bool training, float momentum,
                  float eps) {
    if (input.dim() != 2)
        throw Error("batch_norm: expected an input of shape [batch, features], got " +
                    format_shape(input.shape()));
    const int64_t features = input.shape()[1];
    check_features(weight, features, "a weight");
    check_features(bias, features, "a bias");
    for (const Tensor* stat : {&running_mean, &running_var})
        if (stat->defined())
            check_features(*stat, features, "running statistics");
    const Matrix& x = input.matrix();  // [batch, features]
    const auto batch = static_cast<float>(x.rows());

    Matrix mean;    // [1, features]
    Matrix invstd;  // [1, features]: 1 / sqrt(var + eps)
    if (training) {
        if (x.rows() < 2)
            throw Error(
                "batch_norm: expected more than 1 value per feature when training, got "
                "input of shape " +
                format_shape(input.shape()));
        mean = column_sums(x) / batch;
        const Matrix centered = x.rowwise() - mean.row(0);  // [batch, features]
        const Matrix var_sum = column_sums(centered.array().square().matrix());
        invstd = ((var_sum / batch).array() + eps).rsqrt().matrix();
        // The running variance estimates the population's: unbiased, as torch.
        if (running_mean.defined())
            running_mean.matrix() = momentum * mean + (1.0f - momentum) * running_mean.matrix();
        if (running_var.defined())
            running_var.matrix() =
                momentum * (var_sum / (batch - 1.0f)) + (1.0f - momentum) * running_var.matrix();
    } else {
        if (!running_mean.defined() || !running_var.defined())
            throw Error("batch_norm: eval mode needs running_mean and running_var, got undefined");
        mean = running_mean.matrix();
        invstd = (running_var.matrix().array() + eps).rsqrt().matrix();
    }
    // y = x * alpha + beta, as PyTorch's CPU kernel groups it.
    const Matrix alpha = invstd.cwiseProduct(weight.matrix());     // [1, features]
    const Matrix beta = bias.matrix() - mean.cwiseProduct(alpha);  // [1, features]
    Matrix y = (x.array().rowwise() * alpha.row(0).array()).matrix().rowwise() + beta.row(0);
    return make_result(
        std::move(y), input.shape(), "batch_norm", {&input, &weight, &bias},
        [training, mean, invstd](const Node& n, const Matrix& dy, std::vector<Matrix>& grads) {
            const Matrix& x = n.input(0);  // [batch, features]
            const Matrix centered = x.rowwise() - mean.row(0);
            const Matrix dy_sum = column_sums(dy);                       // [1, features]
            const Matrix dotp = column_sums(centered.cwiseProduct(dy));  // [1, features]
            if (n.needs_grad(0)) {
                const Matrix scale = invstd.cwiseProduct(n.input(1));  // [1, features]
                if (training) {
                    // The batch's statistics depend on x: subtract the
                    // gradient's mean and its projection on the centred x.
                    const auto rows = static_cast<float>(x.rows());
                    const Matrix k = dotp.cwiseProduct(invstd).cwiseProduct(invstd) / rows;
                    const Matrix dy_mean = dy_sum / rows;
                    const Matrix projected =
                        (dy.array() - centered.array().rowwise() * k.row(0).array()).matrix();
                    grads[0] = ((projected.rowwise() - dy_mean.row(0)).array().rowwise() *
                                scale.row(0).array())
                                   .matrix();
                } else {
                    grads[0] = (dy.array().rowwise() * scale.row(0).array()).matrix();
                }
            }
            if (n.needs_grad(1))
                grads[1] = dotp.cwiseProduct(invstd);
            if (n.needs_grad(2))
                grads[2] = dy_sum;
        });
}

Tensor dropout(const Tensor& input, float p, bool training) {
    if (!(p >= 0.0f && p <= 1.0f))
        throw Error("dropout: expected a probability p in [0, 1], got " + std::to_string(p));
    if (!training || p == 0.0f)
        return input;
    // The mask holds 0 or 1 / (1 - p), as PyTorch's: y = x * mask. p = 1
    // drops everything (torch's special case; 1 / 0 would make NaN).
    const float keep = 1.0f - p;
    const float scale = p == 1.0f ? 0.0f : 1.0f / keep;
    Generator& generator = default_generator();
    Matrix mask(input.matrix().rows(), input.matrix().cols());  // [rows, cols]
    for (Eigen::Index i = 0; i < mask.size(); ++i)
        mask.data()[i] = generator.uniform() < keep ? scale : 0.0f;
    Matrix y = input.matrix().cwiseProduct(mask);
    return make_result(
        std::move(y), input.shape(), "dropout", {&input},
        [mask = std::move(mask)](const Node&, const Matrix& dy, std::vector<Matrix>& grads) {
            grads[0] = dy.cwiseProduct(mask);
        });
}

}  // namespace functional

BatchNorm1d::BatchNorm1d(int64_t num_features, float eps, float momentum)
    : num_features_(num_features), eps_(eps), momentum_(momentum) {
    if (num_features < 1)
        throw Error("BatchNorm1d: expected num_features >= 1, got " + std::to_string(num_features));
    if (!(eps > 0.0f))
        throw Error("BatchNorm1d: expected eps > 0, got " + std::to_string(eps));
    if (!(momentum >= 0.0f && momentum <= 1.0f))
        throw Error("BatchNorm1d: expected momentum in [0, 1], got " + std::to_string(momentum));
    weight_ = register_parameter("weight", ones({num_features}));
    bias_ = register_parameter("bias", zeros({num_features}));
    running_mean_ = register_buffer("running_mean", zeros({num_features}));
    running_var_ = register_buffer("running_var", ones({num_features}));
    num_batches_tracked_ = register_buffer("num_batches_tracked", zeros({}));
}

Tensor BatchNorm1d::forward(const Tensor& input) {
    if (input.dim() != 2 || input.shape()[1] != num_features_)
        throw Error(describe() + ": expected an input of shape [batch, " +
                    std::to_string(num_features_) + "], got " + format_shape(input.shape()));
    Tensor y = functional::batch_norm(input, running_mean_, running_var_, weight_, bias_,
                                      is_training(), momentum_, eps_);
    if (is_training())
        num_batches_tracked_.matrix()(0, 0) += 1.0f;
    return y;
}

std::string BatchNorm1d::describe() const {
    std::ostringstream s;
    s << "BatchNorm1d(" << num_features_ << ", eps=" << eps_ << ", momentum=" << momentum_
      << ", affine=True, track_running_stats=True)";
    return s.str();
}

Dropout::Dropout(float p) : p_(p) {
    if (!(p >= 0.0f && p <= 1.0f))
        throw Error("Dropout: expected a probability p in [0, 1], got " + std::to_string(p));
}

Tensor Dropout::forward(const Tensor& input) {
    return functional::dropout(input, p_, is_training());
}

std::string Dropout::describe() const {
    std::ostringstream s;
    s << "Dropout(p=" << p_ << ", inplace=False)";
    return s.str();
}

}  // namespace tinynn::nn
