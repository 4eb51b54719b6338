#include "tinynn/optim/sgd.hpp"

#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <utility>

#include "autograd/graph.hpp"
#include "threads/team.hpp"
#include "tinynn/error.hpp"

namespace tinynn::optim {
namespace {

std::string format_value(float value) {
    std::ostringstream os;
    os << value;  // shortest readable form: "-0.1", "nan", "inf"
    return os.str();
}

void require(bool ok, const char* option, float value, const char* expected) {
    if (!ok)
        throw Error(std::string("SGD: invalid ") + option + " " + format_value(value) +
                    ": expected " + expected);
}

using Flat = Eigen::Map<Eigen::ArrayXf>;
using ConstFlat = Eigen::Map<const Eigen::ArrayXf>;

// Element updates below which a step runs on the calling thread alone.
constexpr double kSerialUpdateWork = 65536;

// One stretch of one parameter's update; `d_p` is a lazy Eigen expression for
// grad (plus the weight decay term), so nothing is materialised. Every
// statement is coefficient-wise, which Eigen evaluates correctly even though
// `d_p` reads `w` while `w` is written.
template <typename Direction>
void update(Flat w, Flat buf, const Direction& d_p, const SGDOptions& o, float keep, bool first) {
    if (o.momentum == 0.0f) {
        w -= o.lr * d_p;
        return;
    }
    // PyTorch starts the buffer at d_p itself, without dampening, on a
    // parameter's first step with a grad.
    if (first)
        buf = d_p;
    else
        buf = o.momentum * buf + keep * d_p;
    if (o.nesterov)
        w -= o.lr * (d_p + o.momentum * buf);
    else
        w -= o.lr * buf;
}

}  // namespace

SGD::SGD(std::vector<Tensor> parameters, SGDOptions options)
    : Optimizer(std::move(parameters), options.lr, "SGD"), options_(options) {
    const SGDOptions& o = options_;
    // PyTorch accepts NaN here (NaN < 0 is false); it only ever poisons the
    // weights, so it is rejected along with the infinities. (lr is checked by
    // Optimizer.)
    require(std::isfinite(o.momentum) && o.momentum >= 0.0f, "momentum", o.momentum,
            "a finite value >= 0");
    // PyTorch allows any dampening, negative ones included.
    require(std::isfinite(o.dampening), "dampening", o.dampening, "a finite value");
    require(std::isfinite(o.weight_decay) && o.weight_decay >= 0.0f, "weight_decay", o.weight_decay,
            "a finite value >= 0");
    if (o.nesterov && (o.momentum <= 0.0f || o.dampening != 0.0f))
        throw Error("SGD: nesterov=true with momentum " + format_value(o.momentum) +
                    " and dampening " + format_value(o.dampening) +
                    ": Nesterov momentum requires a momentum and zero dampening");
    momentum_buffers_.resize(parameters_.size());
}

SGDOptions SGD::options() const {
    SGDOptions o = options_;
    o.lr = static_cast<float>(lr_);
    return o;
}

void SGD::step() {
    // torch casts the lr (a double) to float when it applies it: alpha=-lr.
    const SGDOptions o = options();
    // PyTorch forms alpha = 1 - dampening in double and only then rounds it
    // to float; 1.0f - dampening could round differently.
    const float keep = static_cast<float>(1.0 - static_cast<double>(o.dampening));
    steps_.clear();
    double work = 0;
    for (size_t i = 0; i < parameters_.size(); ++i) {
        // The values themselves, not handles (two atomic counts each, in
        // every step of a toy model); parameters are checked defined at
        // construction.
        detail::TensorImpl& p = *parameters_[i].impl();
        // Parameters the loss did not reach keep their value and their
        // momentum, as in PyTorch.
        if (!p.grad)
            continue;
        ++p.version;  // written below, as through matrix()
        Matrix& w = p.data;
        const Matrix& g = p.grad->data;
        Matrix& buf = momentum_buffers_[i];
        // Both can only drift from the parameter's layout through writes to
        // matrix(); catch that here rather than as an Eigen assertion.
        if (g.rows() != w.rows() || g.cols() != w.cols())
            throw Error("SGD: parameter " + std::to_string(i) + " has shape " +
                        format_shape(p.shape) + " but its grad has shape " +
                        format_shape(p.grad->shape));
        if (buf.size() != 0 && (buf.rows() != w.rows() || buf.cols() != w.cols()))
            throw Error("SGD: parameter " + std::to_string(i) + " now has shape " +
                        format_shape(p.shape) + " but its momentum buffer holds " +
                        std::to_string(buf.rows()) + "x" + std::to_string(buf.cols()) + " values");
        // The grad tensor is held by the parameter until the next zero_grad.
        steps_.push_back({w.data(), g.data(), nullptr, w.size(), buf.size() == 0, i});
        work += static_cast<double>(w.size());
    }
    // Buffers are made only once every parameter has passed the checks: a
    // step that throws leaves each one as it was, empty until a real first step.
    if (o.momentum != 0.0f) {
        for (Step& s : steps_) {
            Matrix& buf = momentum_buffers_[s.index];
            if (s.first)
                buf.resize(parameters_[s.index].matrix().rows(),
                           parameters_[s.index].matrix().cols());
            s.buffer = buf.data();
        }
    }
    // Each part updates the same stretch of every parameter: for a weight
    // [out, in], the rows whose gradient the same thread computed
    // (functional::linear cuts its backward the same way).
    const auto update_stretch = [&](const Step& s, int64_t lo, int64_t hi) {
        const Flat w(s.weight + lo, hi - lo);
        const Flat buf(s.buffer == nullptr ? nullptr : s.buffer + lo, hi - lo);
        const ConstFlat g(s.grad + lo, hi - lo);
        if (o.weight_decay != 0.0f)
            update(w, buf, g + o.weight_decay * w, o, keep, s.first);
        else
            update(w, buf, g, o, keep, s.first);
    };
    const int parts = detail::parts_for(work, kSerialUpdateWork);
    if (parts == 1) {  // a small model's step: no cuts to make, nothing to hand over
        for (const Step& s : steps_)
            update_stretch(s, 0, s.size);
        return;
    }
    detail::run_parts(parts, [&](int part) {
        for (const Step& s : steps_) {
            const auto [lo, hi] = detail::part_range(s.size, part, parts);
            update_stretch(s, lo, hi);
        }
    });
}

namespace {

std::map<std::string, double> option_values(const SGDOptions& o) {
    return {{"momentum", o.momentum},
            {"dampening", o.dampening},
            {"weight_decay", o.weight_decay},
            {"nesterov", o.nesterov ? 1.0 : 0.0}};
}

}  // namespace

State SGD::state() const {
    State s = base_state(option_values(options_));
    for (size_t i = 0; i < momentum_buffers_.size(); ++i) {
        const Matrix& buf = momentum_buffers_[i];
        if (buf.size() != 0)
            s.tensors[std::to_string(i) + ".momentum_buffer"] =
                Tensor::from_matrix(buf, parameters_[i].shape());
    }
    return s;
}

void SGD::load_state(const State& state) {
    // Everything is checked before anything changes: a state that throws
    // leaves this optimiser as it was.
    const double lr = check_base_state(state, option_values(options_));
    std::vector<Matrix> buffers(parameters_.size());
    for (size_t i = 0; i < parameters_.size(); ++i) {
        const Tensor buf = state_tensor(state, i, "momentum_buffer");
        if (buf.defined())
            buffers[i] = buf.matrix();
    }
    for (const auto& [name, tensor] : state.tensors)
        if (name.substr(name.find('.') + 1) != "momentum_buffer")
            throw Error("SGD: load_state: expected only momentum buffers, found \"" + name + "\"");
    momentum_buffers_ = std::move(buffers);
    lr_ = lr;
}

}  // namespace tinynn::optim
