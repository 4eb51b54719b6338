#include "tinynn/experiment/diagnostics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

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

// What a probe pass saw of one hidden activation module (called once or,
// when the model reuses the module, more often).
struct ProbeValues {
    std::vector<float> outputs, unit0_inputs, gradients;
    std::vector<int64_t> positive;  // [units]: rows whose input was > 0
    int64_t rows = 0;
    bool has_gradients = false;
};

ProbeStats probe_stats(ProbeValues& v) {
    ProbeStats s;
    double sum = 0, sum_sq = 0;
    for (const float x : v.outputs) {
        sum += x;
        sum_sq += static_cast<double>(x) * x;
    }
    const auto n = static_cast<double>(v.outputs.size());
    if (n > 0) {
        s.mean = sum / n;
        s.std = std::sqrt(std::max(0.0, sum_sq / n - s.mean * s.mean));
    }
    s.outputs = histogram_of(v.outputs);
    const std::vector<double> outputs = percentiles(v.outputs, {2, 50, 98});
    s.p2 = outputs[0];
    s.p50 = outputs[1];
    s.p98 = outputs[2];
    const std::vector<double> unit0 = percentiles(v.unit0_inputs, {15, 50, 85});
    s.unit0_input_p15 = unit0[0];
    s.unit0_input_p50 = unit0[1];
    s.unit0_input_p85 = unit0[2];
    if (v.has_gradients)
        s.gradients = histogram_of(v.gradients);
    for (const int64_t p : v.positive)
        s.firing.push_back(v.rows ? static_cast<double>(p) / static_cast<double>(v.rows) : 0.0);
    return s;
}

}  // namespace

namespace {

struct Range {
    float low, high;
    bool finite;  // no NaN or infinity among the values
};

// Of non-empty `values`, through Eigen's vectorised reductions
// (std::minmax_element's pairwise branches take several times as long).
Range range_of(const std::vector<float>& values) {
    const Eigen::Map<const Eigen::ArrayXf> v(values.data(),
                                             static_cast<Eigen::Index>(values.size()));
    return {v.minCoeff(), v.maxCoeff(), v.allFinite()};
}

// counts[b] += how many of `bins` are b. Four interleaved tallies: runs of
// one bin (a saturated layer's outputs) would otherwise wait on the same
// counter's store at every value.
template <class Bin>
void tally(const Bin* bins, size_t n, std::vector<int64_t>& counts) {
    std::vector<uint32_t> partial(4 * counts.size(), 0);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (size_t lane = 0; lane < 4; ++lane)
            ++partial[4 * bins[i + lane] + lane];
    for (; i < n; ++i)
        ++partial[4 * bins[i]];
    for (size_t b = 0; b < counts.size(); ++b)
        counts[b] += partial[4 * b] + partial[4 * b + 1] + partial[4 * b + 2] + partial[4 * b + 3];
}

// The values of `values` at the given ranks (0-based, ascending order), at
// once. Selection by buckets: one pass counts the values in kBuckets
// equal-width buckets between the minimum and the maximum (a monotone map,
// so a rank's value lies in the bucket where the running count passes it),
// a second collects the few buckets holding the ranks asked for, and each
// is ordered alone. For a probe layer's 8,192 outputs that is two passes
// instead of three nth_elements and their neighbours' min_elements, which
// took a third of the README's compare (bench/README.md, its profile).
std::vector<float> values_at_ranks(std::vector<float>& values, const std::vector<size_t>& ranks) {
    constexpr size_t kBuckets = 1024;
    std::vector<float> out(ranks.size());
    const Range range = range_of(values);
    if (values.size() < 4 * kBuckets || !range.finite || range.low == range.high) {
        // Few values, or NaN and infinities, which the buckets cannot place:
        // sorting orders them as nth_element did.
        std::sort(values.begin(), values.end());
        for (size_t i = 0; i < ranks.size(); ++i)
            out[i] = values[ranks[i]];
        return out;
    }
    // Each value's bucket, in float (monotone too) in a pass the compiler
    // vectorises; the two passes after it read these.
    const float low = range.low, scale = static_cast<float>(kBuckets) / (range.high - range.low);
    std::vector<uint16_t> bucket(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        const float x = (values[i] - low) * scale;
        bucket[i] = static_cast<uint16_t>(x < static_cast<float>(kBuckets) ? static_cast<int>(x)
                                                                           : kBuckets - 1);
    }
    std::vector<int64_t> count(kBuckets, 0);
    tally(bucket.data(), bucket.size(), count);
    std::vector<size_t> before(kBuckets + 1, 0);  // before[b]: values in buckets below b
    for (size_t b = 0; b < kBuckets; ++b)
        before[b + 1] = before[b] + static_cast<size_t>(count[b]);
    // The bucket of each rank: the last b with before[b] <= rank.
    std::vector<size_t> bucket_of_rank(ranks.size());
    for (size_t i = 0; i < ranks.size(); ++i)
        bucket_of_rank[i] = static_cast<size_t>(
            std::upper_bound(before.begin(), before.end(), ranks[i]) - before.begin() - 1);
    std::vector<size_t> wanted = bucket_of_rank;
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    std::vector<std::vector<float>> members(wanted.size());
    std::vector<int> member_of(kBuckets, -1);  // bucket -> its index in wanted, or -1
    for (size_t w = 0; w < wanted.size(); ++w)
        member_of[wanted[w]] = static_cast<int>(w);
    for (size_t i = 0; i < values.size(); ++i)
        if (const int w = member_of[bucket[i]]; w >= 0)
            members[static_cast<size_t>(w)].push_back(values[i]);
    for (size_t i = 0; i < ranks.size(); ++i) {
        const size_t w = static_cast<size_t>(
            std::lower_bound(wanted.begin(), wanted.end(), bucket_of_rank[i]) - wanted.begin());
        std::vector<float>& m = members[w];
        const auto k = static_cast<std::ptrdiff_t>(ranks[i] - before[bucket_of_rank[i]]);
        std::nth_element(m.begin(), m.begin() + k, m.end());
        out[i] = m[static_cast<size_t>(k)];
    }
    return out;
}

}  // namespace

std::vector<double> percentiles(std::vector<float>& values, const std::vector<double>& qs) {
    std::vector<double> out(qs.size(), 0.0);
    if (values.empty())
        return out;
    // Rank q/100 * (n - 1), between its two neighbours.
    const size_t last = values.size() - 1;
    std::vector<double> rank(qs.size());
    std::vector<size_t> ranks;
    for (size_t i = 0; i < qs.size(); ++i) {
        rank[i] = std::clamp(qs[i], 0.0, 100.0) / 100.0 * static_cast<double>(last);
        const auto below = static_cast<size_t>(std::floor(rank[i]));
        ranks.push_back(below);
        ranks.push_back(std::min(below + 1, last));
    }
    const std::vector<float> at = values_at_ranks(values, ranks);
    for (size_t i = 0; i < qs.size(); ++i) {
        const double low = at[2 * i], high = at[2 * i + 1];
        out[i] = low + (rank[i] - std::floor(rank[i])) * (high - low);
    }
    return out;
}

double percentile(std::vector<float>& values, double q) {
    return percentiles(values, {q})[0];
}

Histogram histogram_of(const std::vector<float>& values, int bins) {
    Histogram h;
    h.counts.assign(static_cast<size_t>(std::max(bins, 1)), 0);
    if (values.empty())
        return h;
    const Range range = range_of(values);
    h.low = range.low;
    h.high = range.high;
    if (!(range.high > range.low)) {  // one value: all in the first bin
        h.counts[0] = static_cast<int64_t>(values.size());
        return h;
    }
    // torch.histc's bin, in float as it computes it: (v - min) / (max - min)
    // * bins, the maximum in the last bin. The bins are computed in one
    // vectorised pass, then counted: a division per value in the counting
    // loop was an eighth of the README's compare (bench/README.md).
    const float low = range.low, span = range.high - range.low,
                count = static_cast<float>(h.counts.size());
    const int last = static_cast<int>(h.counts.size()) - 1;
    constexpr size_t kChunk = 1024;
    int bin_of[kChunk];
    for (size_t start = 0; start < values.size(); start += kChunk) {
        const size_t n = std::min(kChunk, values.size() - start);
        const float* v = values.data() + start;
        for (size_t i = 0; i < n; ++i) {
            const float x = (v[i] - low) / span * count;
            // Compared before the conversion, which NaN would make undefined.
            bin_of[i] = x < count ? (x > 0.0f ? static_cast<int>(x) : 0) : last;
        }
        tally(bin_of, n, h.counts);
    }
    return h;
}

Diagnostics::Diagnostics(Probe probe) : probe_(std::move(probe)) {
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
        before_step_[i] = weights_[i].second.matrix();  // same size each step: no allocation
    }
    ++batches_;
}

void Diagnostics::on_batch_end(TrainState&) {
    for (size_t i = 0; i < weights_.size(); ++i) {
        const Matrix& before = before_step_[i];
        const double size = before.cast<double>().norm();
        if (size > 0)
            update_ratio_sums_[i] +=
                (weights_[i].second.matrix() - before).cast<double>().norm() / size;
    }
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

    std::vector<ProbeValues> values(watched_.size());
    std::vector<Tensor> inputs;  // the hidden modules' inputs that gradients reach
    std::vector<size_t> input_of;
    for (const Seen& s : seen_) {
        Watched& w = watched_[s.watched];
        if (w.is_output || s.output.impl() == output.impl())
            continue;
        ProbeValues& v = values[s.watched];
        const Matrix& in = s.input.matrix();  // [rows, units]
        append(v.outputs, s.output.matrix());
        if (in.cols() > 0)
            append(v.unit0_inputs, in.col(0));
        if (v.positive.empty())
            v.positive.assign(static_cast<size_t>(in.cols()), 0);
        if (static_cast<int64_t>(v.positive.size()) == in.cols())
            for (Eigen::Index u = 0; u < in.cols(); ++u)
                v.positive[static_cast<size_t>(u)] += (in.col(u).array() > 0).count();
        v.rows += in.rows();
        if (s.input.requires_grad()) {
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
    for (size_t i = 0; i < watched_.size(); ++i)
        if (!values[i].outputs.empty())
            watched_[i].probe = probe_stats(values[i]);
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
