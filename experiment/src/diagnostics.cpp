#include "tinynn/experiment/diagnostics.hpp"

#include "tinynn/nn/linear.hpp"

namespace tinynn::experiment {

namespace {

std::optional<double> ratio(int64_t part, int64_t whole) {
    if (whole == 0)
        return std::nullopt;
    return static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

void Diagnostics::on_train_begin(nn::Module& model) {
    for (auto& [name, module] : model.named_modules()) {
        if (const auto* linear = dynamic_cast<const nn::Linear*>(module)) {
            weights_.emplace_back(name.empty() ? "weight" : name + ".weight", linear->weight());
            continue;
        }
        const auto spec = nn::activation_of(*module);
        if (!spec || name.empty())
            continue;
        const nn::ActivationInfo& info = nn::activation_info(spec->kind);
        Watched w;
        w.stats.layer = name;
        w.stats.kind = spec->kind;
        w.health = info.health;
        const nn::OutputRange range = nn::activation_range(*spec);
        w.low = range.low;
        w.high = range.high;
        const size_t index = watched_.size();
        watched_.push_back(std::move(w));
        hooks_.push_back(module->register_forward_hook(
            [this, index](nn::Module&, const Tensor& input, const Tensor& output) {
                if (armed_)
                    seen_.push_back({index, input, output});
            }));
    }
    grad_norm_sums_.assign(weights_.size(), 0.0);
    // The model's own hook runs after every layer's: only then is it known
    // which activation produced the output (an output sigmoid is the
    // prediction, not a hidden unit).
    hooks_.push_back(
        model.register_forward_hook([this](nn::Module&, const Tensor&, const Tensor& output) {
            if (!armed_)
                return;
            for (const Seen& s : seen_) {
                Watched& w = watched_[s.watched];
                if (s.output.impl() == output.impl())
                    w.is_output = true;
                if (!w.is_output)  // [batch, units]
                    observe(w, s.input.matrix(), s.output.matrix());
            }
            seen_.clear();
            armed_ = false;
        }));
}

void Diagnostics::on_batch_begin(TrainState&) {
    armed_ = true;
    seen_.clear();
}

void Diagnostics::observe(Watched& w, const Matrix& input, const Matrix& output) {
    if (w.alive.size() == 0) {
        w.stats.units = output.cols();
        w.alive.setConstant(output.cols(), false);
    }
    if (w.alive.size() == output.cols()) {
        if (w.health == nn::UnitHealth::dead_output)
            w.alive = w.alive || (output.array() > 0).colwise().any();
        else if (w.health == nn::UnitHealth::dead_input)
            w.alive = w.alive || (input.array() >= 0).colwise().any();
    }
    const auto margin = static_cast<float>(kSaturationMargin) * (w.high - w.low);
    if (w.health == nn::UnitHealth::saturated)
        w.saturated +=
            ((output.array() < w.low + margin) || (output.array() > w.high - margin)).count();
    else if (w.health == nn::UnitHealth::saturated_low)
        w.saturated += (output.array() < w.low + margin).count();
    w.sum += static_cast<double>(output.cast<double>().sum());
    w.outputs += output.size();
}

void Diagnostics::on_after_backward(nn::Module&, TrainState&) {
    armed_ = false;
    for (size_t i = 0; i < weights_.size(); ++i) {
        const Tensor g = weights_[i].second.grad();
        if (g.defined())
            grad_norm_sums_[i] += static_cast<double>(g.matrix().cast<double>().norm());
    }
    ++batches_;
}

void Diagnostics::on_epoch_end(EpochMetrics& metrics, TrainState&) {
    metrics.diagnostics = finish_epoch();
}

void Diagnostics::on_train_end(nn::Module&, const TrainResult&) {
    for (nn::HookHandle& h : hooks_)
        h.remove();
    hooks_.clear();
}

EpochDiagnostics Diagnostics::finish_epoch() {
    EpochDiagnostics d;
    for (size_t i = 0; i < weights_.size(); ++i)
        d.grad_norms.push_back(
            {weights_[i].first,
             batches_ ? grad_norm_sums_[i] / static_cast<double>(batches_) : 0.0});
    int64_t dead = 0, gated_units = 0, saturated = 0, squashed_outputs = 0;
    for (Watched& w : watched_) {
        if (w.is_output)
            continue;
        ActivationStats s = w.stats;
        s.mean = w.outputs ? w.sum / static_cast<double>(w.outputs) : 0.0;
        if (w.health == nn::UnitHealth::dead_output || w.health == nn::UnitHealth::dead_input) {
            const int64_t n_dead = s.units - static_cast<int64_t>(w.alive.count());
            s.dead_fraction = ratio(n_dead, s.units);
            dead += n_dead;
            gated_units += s.units;
        } else if (w.health == nn::UnitHealth::saturated ||
                   w.health == nn::UnitHealth::saturated_low) {
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

}  // namespace tinynn::experiment
