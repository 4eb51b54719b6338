#include "apps/compare/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>

namespace tinynn::app {

namespace {

// Gradients differing by this factor between the first and the last layer
// are called vanishing (or exploding, the other way round).
constexpr double kVanishingRatio = 10;
constexpr double kNotableFraction = 0.1;  // of dead units or saturated outputs
constexpr double kCentredMean = 0.1;      // |mean| below this counts as zero-centred

std::optional<Stat> stat_over(const std::vector<const RunOutcome*>& runs,
                              const std::function<std::optional<double>(const RunOutcome&)>& of) {
    std::vector<double> values;
    for (const RunOutcome* r : runs)
        if (const auto v = of(*r))
            values.push_back(*v);
    return stat_of(values);
}

const EpochMetrics* first_epoch(const RunOutcome& r) {
    return r.result.history.empty() ? nullptr : &r.result.history.front();
}

const EpochMetrics* last_epoch(const RunOutcome& r) {
    return r.result.history.empty() ? nullptr : &r.result.history.back();
}

std::optional<double> grad_norm(const EpochMetrics* m, bool first_layer) {
    if (!m || !m->diagnostics || m->diagnostics->grad_norms.empty())
        return std::nullopt;
    const auto& norms = m->diagnostics->grad_norms;
    return first_layer ? norms.front().norm : norms.back().norm;
}

std::optional<double> hidden_mean(const EpochMetrics* m, bool first_layer) {
    if (!m || !m->diagnostics || m->diagnostics->activations.empty())
        return std::nullopt;
    const auto& layers = m->diagnostics->activations;
    return first_layer ? layers.front().mean : layers.back().mean;
}

std::string times(double ratio) {
    return format_number(ratio, 2) + "×";
}

}  // namespace

std::optional<Stat> stat_of(const std::vector<double>& values) {
    if (values.empty())
        return std::nullopt;
    Stat s;
    s.n = values.size();
    s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(s.n);
    s.min = *std::min_element(values.begin(), values.end());
    s.max = *std::max_element(values.begin(), values.end());
    if (s.n > 1) {
        double squares = 0;
        for (double v : values)
            squares += (v - s.mean) * (v - s.mean);
        s.std = std::sqrt(squares / static_cast<double>(s.n - 1));
    }
    return s;
}

std::vector<ActivationSummary> summarize(const std::vector<RunOutcome>& runs) {
    std::vector<std::string> order;
    std::map<std::string, std::vector<const RunOutcome*>> by_activation;
    for (const RunOutcome& r : runs) {
        auto& group = by_activation[r.spec.activation];
        if (group.empty())
            order.push_back(r.spec.activation);
        group.push_back(&r);
    }
    std::vector<ActivationSummary> summaries;
    for (const std::string& activation : order) {
        const auto& group = by_activation[activation];
        ActivationSummary s;
        s.activation = activation;
        s.runs = group.size();
        for (const RunOutcome* r : group) {
            s.diverged += r->result.diverged_at.has_value();
            s.reached_target += r->epochs_to_target.has_value();
        }
        const auto at_end = [](auto field) {
            return [field](const RunOutcome& r) -> std::optional<double> {
                const EpochMetrics* m = last_epoch(r);
                return m ? field(*m) : std::nullopt;
            };
        };
        s.train_loss = stat_over(group, at_end([](const EpochMetrics& m) -> std::optional<double> {
                                     return m.train_loss;
                                 }));
        s.train_loss_start = stat_over(group, [](const RunOutcome& r) -> std::optional<double> {
            const EpochMetrics* m = first_epoch(r);
            return m ? std::optional(m->train_loss) : std::nullopt;
        });
        s.test_loss = stat_over(group, at_end([](const EpochMetrics& m) { return m.test_loss; }));
        s.test_accuracy =
            stat_over(group, at_end([](const EpochMetrics& m) { return m.test_accuracy; }));
        s.epochs_to_target = stat_over(group, [](const RunOutcome& r) -> std::optional<double> {
            if (!r.epochs_to_target)
                return std::nullopt;
            return static_cast<double>(*r.epochs_to_target);
        });
        s.first_grad_start =
            stat_over(group, [](auto& r) { return grad_norm(first_epoch(r), true); });
        s.first_grad_end = stat_over(group, [](auto& r) { return grad_norm(last_epoch(r), true); });
        s.last_grad_start =
            stat_over(group, [](auto& r) { return grad_norm(first_epoch(r), false); });
        s.last_grad_end = stat_over(group, [](auto& r) { return grad_norm(last_epoch(r), false); });
        s.dead_end =
            stat_over(group, at_end([](const EpochMetrics& m) -> std::optional<double> {
                          return m.diagnostics ? m.diagnostics->dead_fraction : std::nullopt;
                      }));
        s.saturated_end =
            stat_over(group, at_end([](const EpochMetrics& m) -> std::optional<double> {
                          return m.diagnostics ? m.diagnostics->saturated_fraction : std::nullopt;
                      }));
        s.first_mean_end =
            stat_over(group, [](auto& r) { return hidden_mean(last_epoch(r), true); });
        s.last_mean_end =
            stat_over(group, [](auto& r) { return hidden_mean(last_epoch(r), false); });
        summaries.push_back(std::move(s));
    }
    return summaries;
}

Curve curve(const std::vector<RunOutcome>& runs, const std::string& activation,
            const MetricOf& metric) {
    std::map<int64_t, std::vector<double>> by_epoch;
    for (const RunOutcome& r : runs)
        if (r.spec.activation == activation)
            for (const EpochMetrics& m : r.result.history)
                if (const auto v = metric(m))
                    by_epoch[m.epoch].push_back(*v);
    Curve c;
    for (const auto& [epoch, values] : by_epoch) {
        const Stat s = *stat_of(values);
        c.epoch.push_back(static_cast<double>(epoch));
        c.mean.push_back(s.mean);
        c.low.push_back(s.min);
        c.high.push_back(s.max);
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
        const auto best =
            std::min_element(summaries.begin(), summaries.end(), [](const auto& a, const auto& b) {
                return a.train_loss.value_or(Stat{.mean = INFINITY}).mean <
                       b.train_loss.value_or(Stat{.mean = INFINITY}).mean;
            });
        out.push_back("Lowest final train loss: " + best->activation + " (" +
                      format_stat(best->train_loss) +
                      "). Set compare.target_loss to compare epochs to a target.");
    }

    // Gradient flow: the last layer's gradient over the first's.
    const auto ratio = [](const std::optional<Stat>& last, const std::optional<Stat>& first) {
        return last && first && first->mean > 0 ? std::optional(last->mean / first->mean)
                                                : std::nullopt;
    };
    // A dead network has no gradient anywhere, which is not a ratio.
    const auto shown = [](std::optional<double> r, const std::optional<Stat>& last) {
        if (r)
            return times(*r);
        return last && last->mean > 0 ? std::string("∞") : std::string("no gradient");
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
            if (s.activation == "relu")
                out.push_back("relu: " + format_percent(s.dead_end) +
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
            if (s.activation == "sigmoid" && std::abs(mean) >= kCentredMean)
                out.push_back("sigmoid: the first hidden layer's outputs average " +
                              format_number(mean) +
                              " — always positive, not zero-centred, so each unit's incoming "
                              "weight gradients share one sign and move in zig-zags.");
            else if (s.activation == "tanh" && std::abs(mean) < kCentredMean)
                out.push_back("tanh: the first hidden layer's outputs average " +
                              format_number(mean) + " — zero-centred.");
        }
        if (s.diverged)
            out.push_back(s.activation + ": " + std::to_string(s.diverged) + " of " +
                          std::to_string(s.runs) +
                          " runs diverged (the loss became NaN or infinite); their curves stop "
                          "there.");
    }
    return out;
}

std::string format_number(std::optional<double> value, int digits) {
    if (!value)
        return "n/a";
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, *value);
    return buffer;
}

std::string format_stat(const std::optional<Stat>& stat, int digits) {
    if (!stat)
        return "n/a";
    if (stat->n < 2)
        return format_number(stat->mean, digits);
    return format_number(stat->mean, digits) + " ± " + format_number(stat->std, 2);
}

std::string format_percent(const std::optional<Stat>& stat) {
    if (!stat)
        return "n/a";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0f %%", 100 * stat->mean);
    return buffer;
}

}  // namespace tinynn::app
