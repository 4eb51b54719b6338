#include "apps/train/diagnostics.hpp"

#include "tinynn/nn/activation.hpp"
#include "tinynn/nn/linear.hpp"

namespace tinynn::app {

namespace {

std::string activation_kind(const nn::Module& layer) {
    if (dynamic_cast<const nn::ReLU*>(&layer))
        return "relu";
    if (dynamic_cast<const nn::LeakyReLU*>(&layer))
        return "leaky_relu";
    if (dynamic_cast<const nn::Sigmoid*>(&layer))
        return "sigmoid";
    if (dynamic_cast<const nn::Tanh*>(&layer))
        return "tanh";
    return "";
}

std::optional<double> ratio(int64_t part, int64_t whole) {
    if (whole == 0)
        return std::nullopt;
    return static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

DiagnosticsRecorder::DiagnosticsRecorder(nn::Sequential& model) : model_(model) {
    size_t last_linear = 0;
    bool any_linear = false;
    for (size_t i = 0; i < model.size(); ++i)
        if (const auto* linear = model.as<nn::Linear>(i)) {
            weights_.emplace_back(std::to_string(i) + ".weight", linear->weight());
            last_linear = i;
            any_linear = true;
        }
    grad_norm_sums_.assign(weights_.size(), 0.0);
    watch_index_.assign(model.size(), -1);
    // Only hidden layers: an output sigmoid is the prediction, not a unit.
    for (size_t i = 0; any_linear && i < last_linear; ++i) {
        const std::string kind = activation_kind(model[i]);
        if (kind.empty())
            continue;
        watch_index_[i] = static_cast<int>(watched_.size());
        Watched w;
        w.stats.layer = i;
        w.stats.kind = kind;
        watched_.push_back(std::move(w));
    }
}

Tensor DiagnosticsRecorder::forward(const Tensor& input) {
    return model_.forward(input, [this](size_t i, const Tensor& x, const Tensor& y) {
        if (watch_index_[i] >= 0)  // y: [batch, units]
            observe(watched_[static_cast<size_t>(watch_index_[i])], x.matrix(), y.matrix());
    });
}

void DiagnosticsRecorder::observe(Watched& w, const Matrix& input, const Matrix& output) {
    const std::string& kind = w.stats.kind;
    if (w.alive.size() == 0) {
        w.stats.units = output.cols();
        w.alive.setConstant(output.cols(), false);
    }
    if (kind == "relu")
        w.alive = w.alive || (output.array() > 0).colwise().any();
    else if (kind == "leaky_relu")
        w.alive = w.alive || (input.array() >= 0).colwise().any();
    else if (kind == "sigmoid")
        w.saturated +=
            ((output.array() < kSaturationMargin) || (output.array() > 1 - kSaturationMargin))
                .count();
    else  // tanh: the same margin of its range of 2
        w.saturated += (output.array().abs() > 1 - 2 * kSaturationMargin).count();
    w.sum += static_cast<double>(output.cast<double>().sum());
    w.outputs += output.size();
}

void DiagnosticsRecorder::after_backward() {
    for (size_t i = 0; i < weights_.size(); ++i) {
        const Tensor g = weights_[i].second.grad();
        if (g.defined())
            grad_norm_sums_[i] += static_cast<double>(g.matrix().cast<double>().norm());
    }
    ++batches_;
}

EpochDiagnostics DiagnosticsRecorder::finish_epoch() {
    EpochDiagnostics d;
    for (size_t i = 0; i < weights_.size(); ++i)
        d.grad_norms.push_back(
            {weights_[i].first,
             batches_ ? grad_norm_sums_[i] / static_cast<double>(batches_) : 0.0});
    int64_t dead = 0, gated_units = 0, saturated = 0, squashed_outputs = 0;
    for (Watched& w : watched_) {
        ActivationStats s = w.stats;
        s.mean = w.outputs ? w.sum / static_cast<double>(w.outputs) : 0.0;
        if (s.kind == "relu" || s.kind == "leaky_relu") {
            const int64_t n_dead = s.units - static_cast<int64_t>(w.alive.count());
            s.dead_fraction = ratio(n_dead, s.units);
            dead += n_dead;
            gated_units += s.units;
        } else {
            s.saturated_fraction = ratio(w.saturated, w.outputs);
            saturated += w.saturated;
            squashed_outputs += w.outputs;
        }
        d.activations.push_back(s);
        w.alive.resize(0);
        w.sum = 0;
        w.saturated = 0;
        w.outputs = 0;
    }
    d.dead_fraction = ratio(dead, gated_units);
    d.saturated_fraction = ratio(saturated, squashed_outputs);
    grad_norm_sums_.assign(weights_.size(), 0.0);
    batches_ = 0;
    return d;
}

}  // namespace tinynn::app
