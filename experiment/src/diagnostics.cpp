#include "tinynn/experiment/diagnostics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "distribution.hpp"
#include "double_sums.hpp"
#include "tinynn/autograd.hpp"
#include "tinynn/error.hpp"
#include "tinynn/nn/linear.hpp"

namespace tinynn::experiment {

namespace {

std::optional<double> ratio(int64_t part, int64_t whole) {
    if (whole == 0)
        return std::nullopt;
    return static_cast<double>(part) / static_cast<double>(whole);
}

void append(std::vector<float>& to, const Matrix& m) {
    to.insert(to.end(), m.data(), m.data() + m.size());
}

SumSeries squares_of(const Matrix& m) {
    return {
        .values = m.data(), .size = static_cast<size_t>(m.size()), .term = SumSeries::Term::square};
}

// What a probe pass saw of one hidden activation module (called once or,
// when the model reuses the module, more often).
struct ProbeValues {
    std::vector<float> outputs, unit0_inputs, gradients;
    std::vector<int64_t> positive;  // [units]: rows whose input was > 0
    int64_t rows = 0;
    bool has_gradients = false;
};

}  // namespace

// Kept from one batch and epoch to the next, so that they allocate nothing
// once they have grown: the probe's freed buffers were returned to the
// system and faulted back in at every epoch (bench/README.md, issue 17).
struct Diagnostics::Scratch {
    std::vector<ProbeValues> probe;    // per watched module
    std::vector<Tensor> probe_inputs;  // the hidden modules' inputs that gradients reach
    std::vector<size_t> input_of;
    std::vector<const Seen*> observed;  // the training forward's hidden calls
    std::vector<SumSeries> series;
    std::vector<double> sums;
    DistributionScratch distribution;

    std::span<double> sums_of_series() {
        sums.resize(series.size());
        double_sums(series, sums);
        return sums;
    }
};

namespace {

ProbeStats probe_stats(ProbeValues& v, double sum, double sum_sq, bool histograms,
                       DistributionScratch& scratch) {
    ProbeStats s;
    const auto n = static_cast<double>(v.outputs.size());
    s.mean = sum / n;
    s.std = std::sqrt(std::max(0.0, sum_sq / n - s.mean * s.mean));
    // Sums of floats in double are finite exactly when every value is.
    const Range outputs = range_of(v.outputs, std::isfinite(sum) && std::isfinite(sum_sq));
    if (histograms)
        s.outputs = histogram_of(v.outputs, outputs, kHistogramBins, scratch);
    std::array<double, 3> at{};
    percentiles_of(v.outputs, outputs, std::array{2.0, 50.0, 98.0}, at, scratch);
    s.p2 = at[0];
    s.p50 = at[1];
    s.p98 = at[2];
    if (!v.unit0_inputs.empty()) {
        percentiles_of(v.unit0_inputs, range_of(v.unit0_inputs), std::array{15.0, 50.0, 85.0}, at,
                       scratch);
        s.unit0_input_p15 = at[0];
        s.unit0_input_p50 = at[1];
        s.unit0_input_p85 = at[2];
    }
    if (v.has_gradients)
        s.gradients = v.gradients.empty() ? histogram_of(v.gradients)
                                          : histogram_of(v.gradients, range_of(v.gradients),
                                                         kHistogramBins, scratch);
    s.firing.reserve(v.positive.size());
    for (const int64_t p : v.positive)
        s.firing.push_back(v.rows ? static_cast<double>(p) / static_cast<double>(v.rows) : 0.0);
    return s;
}

}  // namespace

Diagnostics::Diagnostics() : scratch_(std::make_unique<Scratch>()) {}

Diagnostics::~Diagnostics() = default;

Diagnostics::Diagnostics(Probe probe)
    : probe_(std::move(probe)), scratch_(std::make_unique<Scratch>()) {
    if (probe_.features.defined() && !probe_.loss)
        throw Error("Diagnostics: a probe needs a loss function; expected Probe::loss, found none");
}

void Diagnostics::on_train_begin(nn::Module& model) {
    model_ = &model;
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
                if (armed_ || probing_)
                    seen_.push_back({index, input, output});
            }));
    }
    grad_norm_sums_.assign(weights_.size(), 0.0);
    update_ratio_sums_.assign(weights_.size(), 0.0);
    before_step_.resize(weights_.size());
    before_norms_.assign(weights_.size(), 0.0);
    // The model's own hook runs after every layer's: only then is it known
    // which activation produced the output (an output sigmoid is the
    // prediction, not a hidden unit).
    hooks_.push_back(
        model.register_forward_hook([this](nn::Module&, const Tensor&, const Tensor& output) {
            if (!armed_)
                return;
            observe_forward(output);
            seen_.clear();
            armed_ = false;
        }));
}

void Diagnostics::on_batch_begin(TrainState&) {
    armed_ = true;
    seen_.clear();
}

void Diagnostics::observe_forward(const Tensor& model_output) {
    std::vector<const Seen*>& observed = scratch_->observed;
    observed.clear();
    for (const Seen& s : seen_) {
        Watched& w = watched_[s.watched];
        if (s.output.impl() == model_output.impl())
            w.is_output = true;
        if (!w.is_output)
            observed.push_back(&s);
    }
    // The outputs' sums, every layer's at once.
    std::vector<SumSeries>& series = scratch_->series;
    series.clear();
    for (const Seen* s : observed) {
        const Matrix& output = s->output.matrix();
        series.push_back({.values = output.data(), .size = static_cast<size_t>(output.size())});
    }
    const std::span<const double> sums = scratch_->sums_of_series();
    for (size_t i = 0; i < observed.size(); ++i) {
        Watched& w = watched_[observed[i]->watched];
        const Matrix& input = observed[i]->input.matrix();  // [batch, units]
        const Matrix& output = observed[i]->output.matrix();
        if (w.alive.size() == 0) {
            w.stats.units = output.cols();
            w.alive.setConstant(output.cols(), 0);
        }
        // Plain loops over the rows, which the compiler vectorises (Eigen's
        // count() and colwise().any() of a comparison run one value at a time).
        const auto units = static_cast<size_t>(output.cols());
        if (w.alive.size() == output.cols()) {
            uint8_t* alive = w.alive.data();
            if (w.health == nn::UnitHealth::dead_output)
                for (Eigen::Index r = 0; r < output.rows(); ++r) {
                    const float* row = output.data() + static_cast<size_t>(r) * units;
                    for (size_t u = 0; u < units; ++u)
                        alive[u] |= row[u] > 0 ? 1 : 0;
                }
            else if (w.health == nn::UnitHealth::dead_input && input.cols() == output.cols())
                for (Eigen::Index r = 0; r < input.rows(); ++r) {
                    const float* row = input.data() + static_cast<size_t>(r) * units;
                    for (size_t u = 0; u < units; ++u)
                        alive[u] |= row[u] >= 0 ? 1 : 0;
                }
        }
        const auto margin = static_cast<float>(kSaturationMargin) * (w.high - w.low);
        const float below = w.low + margin, above = w.high - margin;
        const float* v = output.data();
        const auto n = static_cast<size_t>(output.size());
        int64_t saturated = 0;
        if (w.health == nn::UnitHealth::saturated)
            for (size_t i = 0; i < n; ++i)
                saturated += (v[i] < below) | (v[i] > above);
        else if (w.health == nn::UnitHealth::saturated_low)
            for (size_t i = 0; i < n; ++i)
                saturated += v[i] < below;
        w.saturated += saturated;
        w.sum += sums[i];
        w.outputs += output.size();
    }
}

void Diagnostics::on_after_backward(nn::Module&, TrainState&) {
    armed_ = false;
    // The gradients' norms and the weights' before the step, all at once.
    std::vector<SumSeries>& series = scratch_->series;
    series.clear();
    for (size_t i = 0; i < weights_.size(); ++i) {
        before_step_[i] = weights_[i].second.matrix();  // same size each step: no allocation
        series.push_back(squares_of(before_step_[i]));
        const Tensor g = weights_[i].second.grad();
        if (g.defined())
            series.push_back(squares_of(g.matrix()));
    }
    const std::span<const double> sums = scratch_->sums_of_series();
    size_t next = 0;
    for (size_t i = 0; i < weights_.size(); ++i) {
        before_norms_[i] = std::sqrt(sums[next++]);
        if (weights_[i].second.grad().defined())
            grad_norm_sums_[i] += std::sqrt(sums[next++]);
    }
    ++batches_;
}

void Diagnostics::on_batch_end(TrainState&) {
    // How far each step moved each weight, all at once.
    std::vector<SumSeries>& series = scratch_->series;
    series.clear();
    for (size_t i = 0; i < weights_.size(); ++i)
        if (before_norms_[i] > 0) {
            const Matrix& after = weights_[i].second.matrix();
            series.push_back({.values = after.data(),
                              .minus = before_step_[i].data(),
                              .size = static_cast<size_t>(after.size()),
                              .term = SumSeries::Term::square_of_difference});
        }
    const std::span<const double> sums = scratch_->sums_of_series();
    size_t next = 0;
    for (size_t i = 0; i < weights_.size(); ++i)
        if (before_norms_[i] > 0)
            update_ratio_sums_[i] += std::sqrt(sums[next++]) / before_norms_[i];
    ++steps_;
}

void Diagnostics::on_epoch_end(EpochMetrics& metrics, TrainState&) {
    if (probe_.features.defined() && probe_.features.size(0) > 0 && model_)
        measure_probe();
    metrics.diagnostics = finish_epoch();
}

void Diagnostics::measure_probe() {
    nn::Module& model = *model_;
    // In eval mode, as evaluation runs: BatchNorm uses its running
    // statistics (and leaves them alone), Dropout passes everything.
    Tensor output;
    {
        const nn::EvalModeGuard eval_mode(model);
        seen_.clear();
        probing_ = true;
        try {
            output = model(probe_.features);  // [rows, outputs]
        } catch (...) {
            probing_ = false;
            throw;
        }
        probing_ = false;
    }

    Scratch& scratch = *scratch_;
    std::vector<ProbeValues>& values = scratch.probe;
    values.resize(watched_.size());
    for (ProbeValues& v : values) {
        v.outputs.clear();
        v.unit0_inputs.clear();
        v.gradients.clear();
        v.positive.clear();
        v.rows = 0;
        v.has_gradients = false;
    }
    std::vector<Tensor>& inputs = scratch.probe_inputs;
    std::vector<size_t>& input_of = scratch.input_of;
    inputs.clear();
    input_of.clear();
    for (const Seen& s : seen_) {
        Watched& w = watched_[s.watched];
        if (w.is_output || s.output.impl() == output.impl())
            continue;
        ProbeValues& v = values[s.watched];
        const Matrix& in = s.input.matrix();  // [rows, units]
        append(v.outputs, s.output.matrix());
        for (Eigen::Index r = 0; in.cols() > 0 && r < in.rows(); ++r)
            v.unit0_inputs.push_back(in(r, 0));
        if (probe_.histograms && v.positive.empty())
            v.positive.assign(static_cast<size_t>(in.cols()), 0);
        if (probe_.histograms && static_cast<int64_t>(v.positive.size()) == in.cols()) {
            // Row by row, all units at once (the rows are contiguous).
            const auto units = static_cast<size_t>(in.cols());
            int64_t* positive = v.positive.data();
            for (Eigen::Index r = 0; r < in.rows(); ++r) {
                const float* row = in.data() + static_cast<size_t>(r) * units;
                for (size_t u = 0; u < units; ++u)
                    positive[u] += row[u] > 0 ? 1 : 0;
            }
        }
        v.rows += in.rows();
        if (probe_.histograms && s.input.requires_grad()) {
            inputs.push_back(s.input);
            input_of.push_back(s.watched);
        }
    }
    seen_.clear();
    if (!inputs.empty()) {
        const Tensor loss = probe_.loss(output, probe_.targets);
        const std::vector<Tensor> grads = grad(loss, inputs);
        for (size_t i = 0; i < grads.size(); ++i) {
            append(values[input_of[i]].gradients, grads[i].matrix());
            values[input_of[i]].has_gradients = true;
        }
    }
    inputs.clear();
    // Each layer's sum, then each layer's sum of squares.
    std::vector<SumSeries>& series = scratch.series;
    series.clear();
    for (const auto term : {SumSeries::Term::value, SumSeries::Term::square})
        for (const ProbeValues& v : values)
            if (!v.outputs.empty())
                series.push_back(
                    {.values = v.outputs.data(), .size = v.outputs.size(), .term = term});
    const std::span<const double> sums = scratch.sums_of_series();
    const size_t layers = series.size() / 2;
    size_t next = 0;
    for (size_t i = 0; i < watched_.size(); ++i)
        if (!values[i].outputs.empty()) {
            watched_[i].probe = probe_stats(values[i], sums[next], sums[layers + next],
                                            probe_.histograms, scratch.distribution);
            ++next;
        }
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
            {weights_[i].first, batches_ ? grad_norm_sums_[i] / static_cast<double>(batches_) : 0.0,
             steps_ ? update_ratio_sums_[i] / static_cast<double>(steps_) : 0.0});
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
        s.probe = std::move(w.probe);
        w.probe.reset();
        d.activations.push_back(s);
        w.alive.resize(0);
        w.sum = 0;
        w.saturated = 0;
        w.outputs = 0;
    }
    d.dead_fraction = ratio(dead, gated_units);
    d.saturated_fraction = ratio(saturated, squashed_outputs);
    grad_norm_sums_.assign(weights_.size(), 0.0);
    update_ratio_sums_.assign(weights_.size(), 0.0);
    batches_ = 0;
    steps_ = 0;
    return d;
}

}  // namespace tinynn::experiment
