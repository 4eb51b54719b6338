#include "tinynn/optim/adam.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "optim/format.hpp"
#include "tinynn/error.hpp"

namespace tinynn::optim {
namespace {

void require(bool ok, const char* kind, const std::string& option, double value,
             const char* expected) {
    if (!ok)
        throw Error(std::string(kind) + ": invalid " + option + " " + exact_text(value) +
                    ": expected " + expected);
}

std::map<std::string, double> option_values(const AdamOptions& o) {
    return {{"beta1", o.betas[0]},
            {"beta2", o.betas[1]},
            {"eps", o.eps},
            {"weight_decay", o.weight_decay},
            {"amsgrad", o.amsgrad ? 1.0 : 0.0}};
}

// torch.maximum: NaN if either is NaN.
float maximum(float a, float b) {
    if (std::isnan(a) || std::isnan(b))
        return std::numeric_limits<float>::quiet_NaN();
    return std::max(a, b);
}

}  // namespace

Adam::Adam(std::vector<Tensor> parameters, AdamOptions options)
    : Adam(std::move(parameters), options, "Adam", false) {}

Adam::Adam(std::vector<Tensor> parameters, AdamOptions options, const char* kind, bool decoupled)
    : Optimizer(std::move(parameters), options.lr, kind), options_(options), decoupled_(decoupled) {
    const AdamOptions& o = options_;
    // torch's checks, with NaN and the infinities rejected too: they only
    // ever poison the weights.
    require(std::isfinite(o.eps) && o.eps >= 0.0, kind, "eps", o.eps, "a finite value >= 0");
    require(o.betas[0] >= 0.0 && o.betas[0] < 1.0, kind, "beta1 (betas[0])", o.betas[0],
            "a value in [0, 1)");
    require(o.betas[1] >= 0.0 && o.betas[1] < 1.0, kind, "beta2 (betas[1])", o.betas[1],
            "a value in [0, 1)");
    require(std::isfinite(o.weight_decay) && o.weight_decay >= 0.0, kind, "weight_decay",
            o.weight_decay, "a finite value >= 0");
    moments_.resize(parameters_.size());
}

AdamOptions Adam::options() const {
    AdamOptions o = options_;
    o.lr = lr_;
    return o;
}

void Adam::step() {
    const AdamOptions& o = options_;
    const double lr = lr_;
    // Every scalar is a double in torch and rounded to float where a kernel
    // takes it, as here.
    const float beta1 = static_cast<float>(o.betas[0]);
    const float beta2 = static_cast<float>(o.betas[1]);
    const float keep1 = static_cast<float>(1.0 - o.betas[0]);
    const float keep2 = static_cast<float>(1.0 - o.betas[1]);
    const float eps = static_cast<float>(o.eps);
    const float decay = static_cast<float>(o.weight_decay);
    const float shrink = static_cast<float>(1.0 - lr * o.weight_decay);
    // Checked first, so that a step that throws changes nothing.
    for (size_t i = 0; i < parameters_.size(); ++i) {
        const Tensor grad = parameters_[i].grad();
        if (grad.defined() && grad.shape() != parameters_[i].shape())
            throw Error(kind_ + ": parameter " + std::to_string(i) + " has shape " +
                        format_shape(parameters_[i].shape()) + " but its grad has shape " +
                        format_shape(grad.shape()));
    }
    for (size_t i = 0; i < parameters_.size(); ++i) {
        Tensor& p = parameters_[i];
        const Tensor grad = p.grad();
        if (!grad.defined())
            continue;
        Matrix& w = p.matrix();
        const Matrix& g = grad.matrix();
        Moments& s = moments_[i];
        if (s.step == 0) {
            s.exp_avg = Matrix::Zero(w.rows(), w.cols());
            s.exp_avg_sq = Matrix::Zero(w.rows(), w.cols());
            if (o.amsgrad)
                s.max_exp_avg_sq = Matrix::Zero(w.rows(), w.cols());
        }
        ++s.step;
        const double step = static_cast<double>(s.step);
        const double bias_correction1 = 1.0 - std::pow(o.betas[0], step);
        const double bias_correction2 = 1.0 - std::pow(o.betas[1], step);
        const float neg_step_size = static_cast<float>(-(lr / bias_correction1));
        const float bias_correction2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
        float* wd = w.data();
        const float* gd = g.data();
        float* m = s.exp_avg.data();
        float* v = s.exp_avg_sq.data();
        float* vmax = o.amsgrad ? s.max_exp_avg_sq.data() : nullptr;
        const Eigen::Index n = w.size();
        // One element at a time, each operation in torch's order and rounding:
        // its kernels round after every operation (this file is compiled with
        // -ffp-contract=off) except where they fuse a multiply-add, as its
        // vectorised add with alpha and addcmul do on this machine; std::fma
        // there reproduces torch's trajectories bit for bit.
        for (Eigen::Index k = 0; k < n; ++k) {
            float gk = gd[k];
            if (decoupled_)
                wd[k] = wd[k] * shrink;  // param.mul_(1 - lr * weight_decay)
            else if (o.weight_decay != 0.0)
                gk = std::fma(decay, wd[k], gk);  // grad.add(param, alpha=weight_decay)
            // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
            m[k] = std::fma(keep1, gk, m[k] * beta1);
            // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            v[k] = std::fma(keep2 * gk, gk, v[k] * beta2);
            float second = v[k];
            if (vmax != nullptr) {
                vmax[k] = maximum(vmax[k], v[k]);
                second = vmax[k];
            }
            const float denom = std::sqrt(second) / bias_correction2_sqrt + eps;
            wd[k] =
                wd[k] + neg_step_size * m[k] / denom;  // addcdiv_(exp_avg, denom, value=-step_size)
        }
    }
}

State Adam::state() const {
    State st = base_state(option_values(options_));
    for (size_t i = 0; i < moments_.size(); ++i) {
        const Moments& s = moments_[i];
        if (s.step == 0)
            continue;
        const std::string prefix = std::to_string(i) + ".";
        const Shape& shape = parameters_[i].shape();
        st.counts[prefix + "step"] = s.step;
        st.tensors[prefix + "exp_avg"] = Tensor::from_matrix(s.exp_avg, shape);
        st.tensors[prefix + "exp_avg_sq"] = Tensor::from_matrix(s.exp_avg_sq, shape);
        if (options_.amsgrad)
            st.tensors[prefix + "max_exp_avg_sq"] = Tensor::from_matrix(s.max_exp_avg_sq, shape);
    }
    return st;
}

void Adam::load_state(const State& state) {
    // Everything is checked before anything changes: a state that throws
    // leaves this optimiser as it was.
    const double lr = check_base_state(state, option_values(options_));
    std::vector<Moments> moments(parameters_.size());
    size_t used = 0;
    for (size_t i = 0; i < parameters_.size(); ++i) {
        const std::string prefix = std::to_string(i) + ".";
        const auto step = state.counts.find(prefix + "step");
        if (step == state.counts.end())
            continue;
        if (step->second < 1)
            throw Error(kind_ + ": load_state: expected \"" + prefix + "step\" >= 1, found " +
                        std::to_string(step->second));
        Moments& s = moments[i];
        s.step = step->second;
        auto take = [&](const char* name, Matrix& into) {
            const Tensor t = state_tensor(state, i, name);
            if (!t.defined())
                throw Error(kind_ + ": load_state: parameter " + std::to_string(i) +
                            " has a step count but no \"" + prefix + name + "\"");
            into = t.matrix();
            ++used;
        };
        take("exp_avg", s.exp_avg);
        take("exp_avg_sq", s.exp_avg_sq);
        if (options_.amsgrad)
            take("max_exp_avg_sq", s.max_exp_avg_sq);
    }
    if (used != state.tensors.size())
        for (const auto& [name, tensor] : state.tensors) {
            const std::string prefix = name.substr(0, name.find('.') + 1);
            const std::string field = name.substr(prefix.size());
            const bool known = field == "exp_avg" || field == "exp_avg_sq" ||
                               (options_.amsgrad && field == "max_exp_avg_sq");
            if (!known || state.counts.count(prefix + "step") == 0)
                throw Error(kind_ + ": load_state: unexpected tensor \"" + name +
                            "\" (expected exp_avg, exp_avg_sq" +
                            (options_.amsgrad ? ", max_exp_avg_sq" : "") +
                            " of parameters with a step count)");
        }
    moments_ = std::move(moments);
    lr_ = lr;
}

AdamW::AdamW(std::vector<Tensor> parameters, AdamWOptions options)
    : Adam(std::move(parameters),
           AdamOptions{.lr = options.lr,
                       .betas = options.betas,
                       .eps = options.eps,
                       .weight_decay = options.weight_decay,
                       .amsgrad = options.amsgrad},
           "AdamW", true) {}

}  // namespace tinynn::optim
