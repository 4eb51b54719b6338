#include "summary.hpp"

#include "tinynn/experiment/run_files.hpp"
#include "welch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tinynn::experiment {

namespace {

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

// Each hidden layer's probe histograms over `curve`'s epochs.
std::vector<LayerHistograms> histograms_of(const std::vector<EpochMetrics>& curve) {
    std::vector<LayerHistograms> out;
    // At most kHistogramEpochs of the curve's epochs, spread evenly.
    const size_t n = curve.size();
    const size_t kept = std::min(n, kHistogramEpochs);
    for (size_t k = 0; k < kept; ++k) {
        const EpochMetrics& m = curve[kept == 1 ? 0 : k * (n - 1) / (kept - 1)];
        if (!m.diagnostics)
            continue;
        const std::vector<ActivationStats>& layers = m.diagnostics->activations;
        for (size_t l = 0; l < layers.size(); ++l) {
            if (!layers[l].probe)
                continue;
            const ProbeStats& p = *layers[l].probe;
            if (out.size() <= l)
                out.resize(l + 1);
            LayerHistograms& h = out[l];
            h.layer = layers[l].layer;
            h.epochs.push_back(m.epoch);
            h.outputs.push_back(p.outputs);
            h.gradients.push_back(p.gradients.value_or(Histogram{}));
            // On [0, 1] whatever the units did, so that the epochs line up.
            Histogram f{.low = 0, .high = 1, .counts = std::vector<int64_t>(kFiringBins, 0)};
            for (const double share : p.firing)
                ++f.counts[std::min(static_cast<size_t>(share * kFiringBins),
                                    static_cast<size_t>(kFiringBins - 1))];
            h.firing.push_back(std::move(f));
        }
    }
    return out;
}

std::string times(double ratio) {
    return format_number(ratio, 2) + "×";
}

// A share as a whole percentage, "5 %"; kNoValue when not finite.
std::string percent(double share) {
    if (!std::isfinite(share))
        return kNoValue;
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0f %%", 100 * share);
    return buffer;
}

// The rows' places by the mean of `stat`, lowest first (the earlier row of
// equal means first), each tested against the first by its `values`.
std::vector<Place> places(const std::vector<ActivationSummary>& rows,
                          std::optional<Stat> ActivationSummary::*stat,
                          std::vector<double> ActivationSummary::*values) {
    std::vector<size_t> order;
    for (size_t i = 0; i < rows.size(); ++i)
        if (rows[i].*stat)
            order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return (rows[a].*stat)->mean < (rows[b].*stat)->mean;
    });
    std::vector<Place> out(rows.size());
    for (size_t k = 0; k < order.size(); ++k) {
        Place& place = out[order[k]];
        place.rank = k + 1;
        if (k == 0) {
            place.tied_with_first = true;
            continue;
        }
        place.p = welch_p(rows[order.front()].*values, rows[order[k]].*values);
        if (place.p)
            place.tied_with_first = *place.p >= kAlpha;
    }
    return out;
}

std::string seeds_of(size_t a, size_t b) {
    return "over " +
           (a == b ? std::to_string(a) : std::to_string(a) + " and " + std::to_string(b)) +
           (a == 1 && b == 1 ? " seed" : " seeds");
}

// The ranking by one loss, then what the seeds can and cannot tell apart.
// `by` names the loss ("final test loss").
std::vector<std::string> ranking_sentences(const std::vector<ActivationSummary>& rows,
                                           std::optional<Stat> ActivationSummary::*stat,
                                           std::vector<double> ActivationSummary::*values,
                                           Place ActivationSummary::*place, const std::string& by) {
    std::vector<const ActivationSummary*> order;
    for (const ActivationSummary& r : rows)
        if ((r.*place).rank)
            order.push_back(&r);
    std::sort(order.begin(), order.end(),
              [&](const auto* a, const auto* b) { return (a->*place).rank < (b->*place).rank; });
    std::string ranking = "By " + by + ", mean over the seeds (lower is better): ";
    for (size_t k = 0; k < order.size(); ++k)
        ranking += (k ? ", " : "") + order[k]->activation + " " + format_stat(order[k]->*stat);
    std::vector<std::string> out{ranking + "."};
    if (order.size() < 2)
        return out;
    const ActivationSummary& first = *order.front();
    std::vector<std::string> tied, apart, untested;
    for (size_t k = 1; k < order.size(); ++k) {
        const ActivationSummary& r = *order[k];
        const Place& at = r.*place;
        const std::string p = "p = " + format_number(at.p, 2);
        if (!at.tied_with_first)
            untested.push_back(r.activation);
        else if (*at.tied_with_first)
            tied.push_back(first.activation + " and " + r.activation + " cannot be told apart " +
                           seeds_of((first.*values).size(), (r.*values).size()) +
                           " (Welch's t-test, " + p + ")");
        else
            apart.push_back(r.activation + " (" + p + ")");
    }
    std::string join_apart;
    for (size_t k = 0; k < apart.size(); ++k)
        join_apart += (k == 0 ? "" : k + 1 == apart.size() ? " and " : ", ") + apart[k];
    if (!apart.empty() && tied.empty() && untested.empty())
        out.push_back(first.activation +
                      " is first beyond the spread over seeds: Welch's t-test at " +
                      percent(kAlpha) + " tells it apart from " + join_apart + ".");
    else {
        if (!tied.empty()) {
            std::string line;
            for (size_t k = 0; k < tied.size(); ++k)
                line += (k ? "; " : "") + tied[k];
            out.push_back(line + ".");
        }
        if (!apart.empty())
            out.push_back(first.activation + " is ahead of " + join_apart +
                          " beyond the spread over seeds (Welch's t-test at " + percent(kAlpha) +
                          ").");
    }
    if (!untested.empty()) {
        std::string names;
        for (size_t k = 0; k < untested.size(); ++k)
            names += (k ? ", " : "") + untested[k];
        out.push_back(
            "With one seed on a side there is no spread to test against (Welch's "
            "t-test needs two seeds or more), so whether " +
            first.activation + " is ahead of " + names + " may not hold for other seeds.");
    }
    return out;
}

// The rows of each grid point, as indices into `rows`, points in order.
std::vector<std::vector<size_t>> by_point(const std::vector<ActivationSummary>& rows) {
    std::map<size_t, std::vector<size_t>> groups;
    for (size_t i = 0; i < rows.size(); ++i)
        groups[rows[i].point].push_back(i);
    std::vector<std::vector<size_t>> out;
    for (auto& [point, indices] : groups)
        out.push_back(std::move(indices));
    return out;
}

// The verdict: the ranking at the end and at the best epoch, and who overfitted.
std::vector<std::string> verdict(const std::vector<ActivationSummary>& rows, bool held_out,
                                 int64_t epochs) {
    if (std::none_of(rows.begin(), rows.end(), [](const auto& r) { return r.final_loss; }))
        return {"No run ended without diverging, so there is no final loss to rank."};
    std::vector<std::string> out;
    const std::string loss = held_out ? "test loss" : "train loss";
    if (!held_out)
        out.push_back(
            "There is no test split (data.test_split: 0), so this ranks by train loss: how "
            "well each activation fits the training data, not how well it generalises.");
    for (std::string& line :
         ranking_sentences(rows, &ActivationSummary::final_loss, &ActivationSummary::final_losses,
                           &ActivationSummary::final_place, "final " + loss))
        out.push_back(std::move(line));
    for (std::string& line : ranking_sentences(
             rows, &ActivationSummary::best_loss, &ActivationSummary::best_losses,
             &ActivationSummary::best_place, "the " + loss + " at each run's best epoch"))
        out.push_back(std::move(line));
    for (const ActivationSummary& r : rows) {
        if (!r.overfitted || !r.final_loss || !r.best_loss || !r.best_epoch)
            continue;
        out.push_back(
            r.activation + " overfits in " + std::to_string(r.overfitted) + " of " +
            std::to_string(r.final_losses.size()) + " seeds: its test loss was lowest at epoch " +
            format_number(r.best_epoch->mean) + " of " + std::to_string(epochs) +
            " on average, and ended " + percent(r.final_loss->mean / r.best_loss->mean - 1) +
            " above that best (a run overfits when its best epoch comes before " +
            percent(kOverfitEpochShare) + " of its epochs and it ends more than " +
            percent(kOverfitRise) + " above its best).");
    }
    return out;
}

}  // namespace

bool overfitted(const BestEpoch& best, int64_t last_epoch, double final_loss) {
    return static_cast<double>(best.epoch) < kOverfitEpochShare * static_cast<double>(last_epoch) &&
           final_loss > (1 + kOverfitRise) * best.loss;
}

void rank(std::vector<ActivationSummary>& rows) {
    const std::vector<Place> final_places =
        places(rows, &ActivationSummary::final_loss, &ActivationSummary::final_losses);
    const std::vector<Place> best_places =
        places(rows, &ActivationSummary::best_loss, &ActivationSummary::best_losses);
    for (size_t i = 0; i < rows.size(); ++i) {
        rows[i].final_place = final_places[i];
        rows[i].best_place = best_places[i];
    }
}

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

std::string CompareSummary::name(nn::Activation activation, size_t point) const {
    std::string out(nn::activation_name(activation));
    if (point < points_.size())
        out += " (" + points_[point] + ")";
    return out;
}

void CompareSummary::add(const RunOutcome& run) {
    const std::string name = this->name(run.spec.activation, run.spec.point);
    auto a = std::find_if(activations_.begin(), activations_.end(),
                          [&](const PerActivation& p) { return p.name == name; });
    if (a == activations_.end()) {
        PerActivation added;
        added.name = name;
        added.kind = run.spec.activation;
        added.point = run.spec.point;
        activations_.push_back(std::move(added));
        a = activations_.end() - 1;
    }
    ++a->runs;
    ++runs_;
    if (run.first_epoch) {
        has_test_ = has_test_ || run.first_epoch->test_loss.has_value();
        classification_ = classification_ || run.first_epoch->test_accuracy.has_value();
        if (run.first_epoch->diagnostics && !shapes_.contains(run.spec.point))
            shapes_.emplace(run.spec.point, *run.first_epoch->diagnostics);
    }
    if (a->runs == 1)
        a->histograms = histograms_of(run.curve);
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
    if (run.late_grad_ratio) {
        ++a->late_ratio_runs;
        a->vanishing_late += *run.late_grad_ratio >= kVanishingRatio;
    }
    if (!run.result.history.empty()) {
        const EpochMetrics& last = run.result.history.back();
        const double final_loss = ranked_loss(last);
        a->final_loss.add(final_loss);
        a->final_losses.push_back(final_loss);
        if (run.best) {
            a->best_loss.add(run.best->loss);
            a->best_losses.push_back(run.best->loss);
            a->best_epoch.add(static_cast<double>(run.best->epoch));
            // A train loss that rises again is not overfitting.
            a->overfitted += last.test_loss && overfitted(*run.best, last.epoch, final_loss);
        }
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
                       .point = a.point,
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
                       .last_mean_end = a.last_mean_end.stat(),
                       .final_loss = a.final_loss.stat(),
                       .best_loss = a.best_loss.stat(),
                       .best_epoch = a.best_epoch.stat(),
                       .final_losses = a.final_losses,
                       .best_losses = a.best_losses,
                       .overfitted = a.overfitted,
                       .late_ratio_runs = a.late_ratio_runs,
                       .vanishing_late = a.vanishing_late,
                       .final_place = {},  // by rank() below
                       .best_place = {}});
    // Across grid points the configs differ: rows are ranked within theirs.
    for (const std::vector<size_t>& group : by_point(out)) {
        std::vector<ActivationSummary> rows;
        for (size_t i : group)
            rows.push_back(std::move(out[i]));
        rank(rows);
        for (size_t k = 0; k < group.size(); ++k)
            out[group[k]] = std::move(rows[k]);
    }
    return out;
}

std::vector<std::string> CompareSummary::activations() const {
    std::vector<std::string> names;
    for (const PerActivation& a : activations_)
        names.push_back(a.name);
    return names;
}

const CompareSummary::PerActivation* CompareSummary::find(const std::string& activation) const {
    const auto a = std::find_if(activations_.begin(), activations_.end(),
                                [&](const PerActivation& p) { return p.name == activation; });
    return a == activations_.end() ? nullptr : &*a;
}

const EpochDiagnostics* CompareSummary::diagnostics_shape() const {
    return shapes_.empty() ? nullptr : &shapes_.begin()->second;
}

const EpochDiagnostics* CompareSummary::diagnostics_shape(const std::string& activation) const {
    const PerActivation* a = find(activation);
    if (!a)
        return nullptr;
    const auto shape = shapes_.find(a->point);
    return shape == shapes_.end() ? nullptr : &shape->second;
}

const std::vector<LayerHistograms>& CompareSummary::histograms(
    const std::string& activation) const {
    static const std::vector<LayerHistograms> none;
    const PerActivation* a = find(activation);
    return a ? a->histograms : none;
}

Curve CompareSummary::curve(const std::string& activation, const std::string& column) const {
    Curve c;
    const PerActivation* a = find(activation);
    if (!a)
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

std::vector<std::string> findings(const std::vector<ActivationSummary>& summaries, bool held_out,
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
    }
    for (const std::vector<size_t>& group : by_point(summaries)) {
        std::vector<ActivationSummary> rows;
        for (size_t i : group)
            rows.push_back(summaries[i]);
        for (std::string& line : verdict(rows, held_out, epochs))
            out.push_back(std::move(line));
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
    // A ratio at epoch 1 alone is no verdict: the first layers may catch up.
    std::string vanishing, passing;
    const auto runs_of = [](const ActivationSummary& s) {
        return " (persisting in " + std::to_string(s.vanishing_late) + " of " +
               std::to_string(s.late_ratio_runs) + " seeds)";
    };
    for (size_t i = 0; i < summaries.size(); ++i) {
        const ActivationSummary& s = summaries[i];
        const auto start = ratio(s.last_grad_start, s.first_grad_start);
        const auto end = ratio(s.last_grad_end, s.first_grad_end);
        flow += (i ? ", " : "") + s.activation + " " + shown(start, s.last_grad_start) + " (" +
                shown(end, s.last_grad_end) + ")";
        if (s.late_ratio_runs && 2 * s.vanishing_late > s.late_ratio_runs)
            vanishing += (vanishing.empty() ? "" : ", ") + s.activation + runs_of(s);
        else if (start.value_or(0) >= kVanishingRatio)
            passing += (passing.empty() ? "" : ", ") + s.activation + runs_of(s);
    }
    flow += vanishing.empty() ? ". No activation shows vanishing gradients here."
                              : ". Vanishing gradients for " + vanishing +
                                    ": the ratio stayed at least " + times(kVanishingRatio) +
                                    " through the last quarter of training, so the first layers "
                                    "get a small fraction of the last layer's gradient and learn "
                                    "slowly.";
    if (!passing.empty())
        flow += " The ratio was at least " + times(kVanishingRatio) + " at epoch 1 for " + passing +
                " but did not stay there through the last quarter of training in most seeds: "
                "the first layers caught up, so that is not called vanishing.";
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
