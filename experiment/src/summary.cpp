#include "summary.hpp"

#include "tinynn/experiment/run_files.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tinynn::experiment {

namespace {

// Gradients differing by this factor between the first and the last layer
// are called vanishing (or exploding, the other way round).
constexpr double kVanishingRatio = 10;
constexpr double kNotableFraction = 0.1;  // of dead units or saturated outputs
constexpr double kCentredMean = 0.1;      // |mean| below this counts as zero-centred

std::optional<double> grad_norm(const EpochMetrics& m, bool first_layer) {
    if (!m.diagnostics || m.diagnostics->grad_norms.empty())
        return std::nullopt;
    const auto& norms = m.diagnostics->grad_norms;
    return first_layer ? norms.front().norm : norms.back().norm;
}

std::optional<double> hidden_mean(const EpochMetrics& m, bool first_layer) {
    if (!m.diagnostics || m.diagnostics->activations.empty())
        return std::nullopt;
    const auto& layers = m.diagnostics->activations;
    return first_layer ? layers.front().mean : layers.back().mean;
}

void add_value(Accumulator& to, std::optional<double> value) {
    if (value)
        to.add(*value);
}

// An epoch as compare.csv's columns after activation, seed and epoch.
CsvColumns columns_of(const EpochMetrics& m) {
    CsvColumns columns{{"train_loss", m.train_loss},
                       {"test_loss", m.test_loss},
                       {"test_accuracy", m.test_accuracy}};
    if (m.diagnostics)
        for (auto& column : diagnostic_columns(*m.diagnostics))
            columns.push_back(std::move(column));
    return columns;
}

std::string times(double ratio) {
    return format_number(ratio, 2) + "×";
}

}  // namespace

void Accumulator::add(double value) {
    ++n_;
    sum_ += value;
    const double delta = value - mean_;
    mean_ += delta / static_cast<double>(n_);
    m2_ += delta * (value - mean_);
    min_ = n_ == 1 ? value : std::min(min_, value);
    max_ = n_ == 1 ? value : std::max(max_, value);
}

std::optional<Stat> Accumulator::stat() const {
    if (n_ == 0)
        return std::nullopt;
    return Stat{.mean = sum_ / static_cast<double>(n_),
                .std = n_ > 1 ? std::sqrt(std::max(0.0, m2_) / static_cast<double>(n_ - 1)) : 0,
                .min = min_,
                .max = max_,
                .n = n_};
}

void CompareSummary::add(const RunOutcome& run) {
    std::string name(nn::activation_name(run.spec.activation));
    if (run.spec.point < points_.size())
        name += " (" + points_[run.spec.point] + ")";
    auto a = std::find_if(activations_.begin(), activations_.end(),
                          [&](const PerActivation& p) { return p.name == name; });
    if (a == activations_.end()) {
        PerActivation added;
        added.name = name;
        added.kind = run.spec.activation;
        activations_.push_back(std::move(added));
        a = activations_.end() - 1;
    }
    ++a->runs;
    ++runs_;
    if (run.first_epoch) {
        has_test_ = has_test_ || run.first_epoch->test_loss.has_value();
        classification_ = classification_ || run.first_epoch->test_accuracy.has_value();
        if (!shape_ && run.first_epoch->diagnostics)
            shape_ = run.first_epoch->diagnostics;
    }
    if (run.boundary) {
        chart::ClassMap map = *run.boundary;
        map.title = name + " (seed " + std::to_string(run.spec.seed) + ")";
        boundaries_.push_back(std::move(map));
        classes_ = std::max(classes_, static_cast<int>(run.classes));
    }
    if (run.result.diverged_at) {
        ++a->diverged;
        ++diverged_;
        return;
    }
    if (run.epochs_to_target) {
        ++a->reached_target;
        a->epochs_to_target.add(static_cast<double>(*run.epochs_to_target));
    }
    if (run.first_epoch) {
        const EpochMetrics& first = *run.first_epoch;
        a->train_loss_start.add(first.train_loss);
        add_value(a->first_grad_start, grad_norm(first, true));
        add_value(a->last_grad_start, grad_norm(first, false));
    }
    if (!run.result.history.empty()) {
        const EpochMetrics& last = run.result.history.back();
        a->train_loss.add(last.train_loss);
        add_value(a->test_loss, last.test_loss);
        add_value(a->test_accuracy, last.test_accuracy);
        add_value(a->first_grad_end, grad_norm(last, true));
        add_value(a->last_grad_end, grad_norm(last, false));
        if (last.diagnostics) {
            add_value(a->dead_end, last.diagnostics->dead_fraction);
            add_value(a->saturated_end, last.diagnostics->saturated_fraction);
        }
        add_value(a->first_mean_end, hidden_mean(last, true));
        add_value(a->last_mean_end, hidden_mean(last, false));
    }
    for (const EpochMetrics& m : run.curve)
        for (const auto& [column, value] : columns_of(m)) {
            if (!value)
                continue;
            Band& band = a->curves[column][m.epoch];
            band.low = band.n ? std::min(band.low, *value) : *value;
            band.high = band.n ? std::max(band.high, *value) : *value;
            band.sum += *value;
            ++band.n;
        }
}

std::vector<ActivationSummary> CompareSummary::summaries() const {
    std::vector<ActivationSummary> out;
    for (const PerActivation& a : activations_)
        out.push_back({.activation = a.name,
                       .kind = a.kind,
                       .runs = a.runs,
                       .diverged = a.diverged,
                       .reached_target = a.reached_target,
                       .train_loss = a.train_loss.stat(),
                       .test_loss = a.test_loss.stat(),
                       .test_accuracy = a.test_accuracy.stat(),
                       .train_loss_start = a.train_loss_start.stat(),
                       .epochs_to_target = a.epochs_to_target.stat(),
                       .first_grad_start = a.first_grad_start.stat(),
                       .first_grad_end = a.first_grad_end.stat(),
                       .last_grad_start = a.last_grad_start.stat(),
                       .last_grad_end = a.last_grad_end.stat(),
                       .dead_end = a.dead_end.stat(),
                       .saturated_end = a.saturated_end.stat(),
                       .first_mean_end = a.first_mean_end.stat(),
                       .last_mean_end = a.last_mean_end.stat()});
    return out;
}

std::vector<std::string> CompareSummary::activations() const {
    std::vector<std::string> names;
    for (const PerActivation& a : activations_)
        names.push_back(a.name);
    return names;
}

Curve CompareSummary::curve(const std::string& activation, const std::string& column) const {
    Curve c;
    const auto a = std::find_if(activations_.begin(), activations_.end(),
                                [&](const PerActivation& p) { return p.name == activation; });
    if (a == activations_.end())
        return c;
    const auto bands = a->curves.find(column);
    if (bands == a->curves.end())
        return c;
    for (const auto& [epoch, band] : bands->second) {
        c.epoch.push_back(static_cast<double>(epoch));
        c.mean.push_back(band.sum / static_cast<double>(band.n));
        c.low.push_back(band.low);
        c.high.push_back(band.high);
    }
    return c;
}

std::vector<std::string> findings(const std::vector<ActivationSummary>& summaries,
                                  std::optional<double> target_loss, int64_t epochs) {
    std::vector<std::string> out;
    if (summaries.empty())
        return out;

    // Which trained fastest, or lowest.
    if (target_loss) {
        std::string line = "Epochs to reach train loss " + format_number(*target_loss) + ": ";
        std::vector<std::pair<double, std::string>> reached;
        for (size_t i = 0; i < summaries.size(); ++i) {
            const ActivationSummary& s = summaries[i];
            line += (i ? "; " : "") + s.activation + " ";
            if (s.epochs_to_target) {
                line += format_number(s.epochs_to_target->mean);
                reached.emplace_back(s.epochs_to_target->mean, s.activation);
            } else {
                line += "never in " + std::to_string(epochs);
            }
            if (s.reached_target && s.reached_target < s.runs)
                line += " (" + std::to_string(s.reached_target) + " of " + std::to_string(s.runs) +
                        " seeds)";
        }
        if (!reached.empty()) {
            const double best = std::min_element(reached.begin(), reached.end())->first;
            std::string fastest;
            for (const auto& [epochs_needed, name] : reached)
                if (epochs_needed == best)
                    fastest += (fastest.empty() ? "" : " and ") + name;
            line += ". Fastest: " + fastest + ".";
        } else
            line += ". No activation reached it.";
        out.push_back(line);
    } else {
        const ActivationSummary* best = nullptr;
        for (const ActivationSummary& s : summaries)
            if (s.train_loss && (!best || s.train_loss->mean < best->train_loss->mean))
                best = &s;
        if (best)
            out.push_back("Lowest final train loss: " + best->activation + " (" +
                          format_stat(best->train_loss) +
                          "). Set compare.target_loss to compare epochs to a target.");
        else
            out.push_back(
                "No run ended without diverging, so there is no final train loss to "
                "compare.");
    }

    // Gradient flow: the last layer's gradient over the first's.
    const auto ratio = [](const std::optional<Stat>& last, const std::optional<Stat>& first) {
        return last && first && first->mean > 0 ? std::optional(last->mean / first->mean)
                                                : std::nullopt;
    };
    // A dead network has no gradient anywhere, which is not a ratio; with
    // every run diverged there is nothing to divide.
    const auto shown = [](std::optional<double> r, const std::optional<Stat>& last) {
        if (r)
            return times(*r);
        if (!last)
            return std::string(kNoValue);
        return last->mean > 0 ? std::string("∞") : std::string("no gradient");
    };
    std::string flow =
        "Last-layer over first-layer weight-gradient norm at epoch 1 (and at the end): ";
    std::string vanishing;
    for (size_t i = 0; i < summaries.size(); ++i) {
        const ActivationSummary& s = summaries[i];
        const auto start = ratio(s.last_grad_start, s.first_grad_start);
        const auto end = ratio(s.last_grad_end, s.first_grad_end);
        flow += (i ? ", " : "") + s.activation + " " + shown(start, s.last_grad_start) + " (" +
                shown(end, s.last_grad_end) + ")";
        if (start.value_or(0) >= kVanishingRatio || end.value_or(0) >= kVanishingRatio)
            vanishing += (vanishing.empty() ? "" : ", ") + s.activation;
    }
    flow += vanishing.empty() ? ". No activation shows vanishing gradients here."
                              : ". Vanishing gradients for " + vanishing +
                                    ": the first layers get a small fraction of the last "
                                    "layer's gradient, so they learn slowly.";
    out.push_back(flow);

    for (const ActivationSummary& s : summaries) {
        if (s.dead_end && s.dead_end->mean >= kNotableFraction) {
            if (nn::activation_info(s.kind).health == nn::UnitHealth::dead_output)
                out.push_back(s.activation + ": " + format_percent(s.dead_end) +
                              " of hidden units are dead at the end (output 0 for every sample of "
                              "the epoch): they pass no gradient and never recover. Train loss " +
                              format_stat(s.train_loss_start) + " at epoch 1, " +
                              format_stat(s.train_loss) + " at the end.");
            else
                out.push_back(
                    s.activation + ": " + format_percent(s.dead_end) +
                    " of hidden units had a negative input for every sample, but the "
                    "negative slope still passes them gradient, so they can recover. Train loss " +
                    format_stat(s.train_loss_start) + " at epoch 1, " + format_stat(s.train_loss) +
                    " at the end.");
        }
        if (s.saturated_end && s.saturated_end->mean >= kNotableFraction)
            out.push_back(s.activation + ": " + format_percent(s.saturated_end) +
                          " of hidden outputs are saturated at the end (within 2 % of the "
                          "output range from an asymptote), where the derivative is under 8 % of "
                          "its peak.");
        if (s.first_mean_end) {
            const double mean = s.first_mean_end->mean;
            if (s.kind == nn::Activation::sigmoid && std::abs(mean) >= kCentredMean)
                out.push_back(s.activation + ": the first hidden layer's outputs average " +
                              format_number(mean) +
                              " — always positive, not zero-centred, so each unit's incoming "
                              "weight gradients share one sign and move in zig-zags.");
            else if (s.kind == nn::Activation::tanh && std::abs(mean) < kCentredMean)
                out.push_back(s.activation + ": the first hidden layer's outputs average " +
                              format_number(mean) + " — zero-centred.");
        }
        if (s.diverged)
            out.push_back(s.activation + ": " + std::to_string(s.diverged) + " of " +
                          std::to_string(s.runs) +
                          " runs diverged (a loss or a weight stopped being a finite number); "
                          "they are left out of the numbers and curves.");
    }
    return out;
}

std::string format_number(std::optional<double> value, int digits) {
    if (!value || !std::isfinite(*value))
        return kNoValue;
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, *value);
    return buffer;
}

std::string format_stat(const std::optional<Stat>& stat, int digits) {
    if (!stat)
        return kNoValue;
    if (stat->n < 2)
        return format_number(stat->mean, digits);
    return format_number(stat->mean, digits) + " ± " + format_number(stat->std, 2);
}

std::string format_percent(const std::optional<Stat>& stat) {
    if (!stat || !std::isfinite(stat->mean))
        return kNoValue;
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0f %%", 100 * stat->mean);
    return buffer;
}

}  // namespace tinynn::experiment
