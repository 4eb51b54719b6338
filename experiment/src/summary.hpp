#pragma once

// The compare runs reduced over seeds: per-activation statistics for the
// summary table and summary.csv, per-epoch bands for the pictures, and the
// plain-language findings that say what the numbers mean, the verdict among
// them. The runs are folded in one at a time, in run_specs order (so the
// numbers do not depend on --jobs), and what is kept is bounded by the
// activations, the columns and the curve points (kCurvePoints) however many
// epochs there are, plus two numbers per run for the verdict's t-test.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tinynn/experiment/chart.hpp"
#include "tinynn/experiment/runs.hpp"

namespace tinynn::experiment {

// Over the seeds of one activation; std is the sample standard deviation
// (0 for one seed).
struct Stat {
    double mean = 0, std = 0, min = 0, max = 0;
    size_t n = 0;
};

// A Stat of values given one at a time (Welford's update for the spread).
class Accumulator {
  public:
    void add(double value);
    std::optional<Stat> stat() const;  // nullopt when nothing was added

  private:
    size_t n_ = 0;
    double sum_ = 0, mean_ = 0, m2_ = 0, min_ = 0, max_ = 0;
};

// The rules of the verdict (docs/compare.md). Two results are told apart
// when Welch's two-sided t-test over their seeds gives p < kAlpha.
inline constexpr double kAlpha = 0.05;
// A run overfitted when its best epoch (RunOutcome::best) came before this
// share of its epochs and its final loss ended more than kOverfitRise above
// that best, relatively.
inline constexpr double kOverfitEpochShare = 0.8;
inline constexpr double kOverfitRise = 0.1;
bool overfitted(const BestEpoch& best, int64_t last_epoch, double final_loss);
// Gradients differing by this factor between the first and the last layer
// are called vanishing, when the ratio held through the last quarter of
// training (RunOutcome::late_grad_ratio) in more than half the runs.
inline constexpr double kVanishingRatio = 10;

// A row's place in a ranking by a mean loss, lowest first.
struct Place {
    size_t rank = 0;  // 1 = best; 0 for a row with no value (every run diverged)
    // Welch's two-sided p against the row ranked first; none for that row
    // itself and when either has fewer than two seeds.
    std::optional<double> p;
    // Whether the seeds cannot tell the row from the first (p >= kAlpha; the
    // first row itself: true); none when untested.
    std::optional<bool> tied_with_first;
};

// "End" is each run's last completed epoch. A diverged run is counted in
// `diverged` and left out of every statistic: its last finite epoch is not
// where the others ended, and its numbers before the blow-up would swamp
// the mean.
struct ActivationSummary {
    std::string activation;  // its name, and its grid point's label if any
    nn::Activation kind = nn::Activation::tanh;
    size_t point = 0;  // its grid point: rows are ranked within one
    size_t runs = 0, diverged = 0, reached_target = 0;
    std::optional<Stat> train_loss, test_loss, test_accuracy;
    std::optional<Stat> train_loss_start;  // at epoch 1
    std::optional<Stat> epochs_to_target;  // over the runs that reached it
    // Weight-gradient L2 norms of the first and the last Linear.
    std::optional<Stat> first_grad_start, first_grad_end, last_grad_start, last_grad_end;
    std::optional<Stat> dead_end, saturated_end;
    // Mean output of the first and the last hidden activation layer.
    std::optional<Stat> first_mean_end, last_mean_end;
    // ranked_loss at each run's last epoch and at its best epoch, and that
    // epoch; the per-seed values, in run order, are the t-test's.
    std::optional<Stat> final_loss, best_loss, best_epoch;
    std::vector<double> final_losses, best_losses;
    size_t overfitted = 0;  // runs, by overfitted()
    // Runs with a late_grad_ratio, and those whose ratio stayed >= kVanishingRatio.
    size_t late_ratio_runs = 0, vanishing_late = 0;
    // By final_loss and by best_loss, among the rows ranked together (rank()).
    Place final_place, best_place;
};

// Ranks `rows` by their final and by their best loss. They are one group:
// every row is compared with the group's first.
void rank(std::vector<ActivationSummary>& rows);

// A metric of one activation per epoch over its seeds: the mean and the
// min-max band, over the seeds that reached that epoch.
struct Curve {
    std::vector<double> epoch, mean, low, high;
};

// One hidden layer's probe histograms (ProbeStats) over one run's curve
// epochs; `gradients` has an empty Histogram where there were none.
struct LayerHistograms {
    std::string layer;
    std::vector<int64_t> epochs;
    std::vector<Histogram> outputs, gradients;
    std::vector<Histogram> firing;  // of the units' firing frequencies, in [0, 1]
};

// The bins of a firing-frequency histogram.
inline constexpr int kFiringBins = 10;
// The heat maps show at most this many epochs of a run (of its curve's).
inline constexpr size_t kHistogramEpochs = 60;

class CompareSummary {
  public:
    // `points`: each grid point's label ("model.init=normal, model.hidden=[4]"),
    // which joins the activation's name in its row; none without a grid.
    explicit CompareSummary(std::vector<std::string> points = {}) : points_(std::move(points)) {}

    // Folds in one run; the runs come in run_specs order.
    void add(const RunOutcome& run);

    // The name of the row of `activation` at grid point `point`:
    // "relu (model.init=normal)", or "relu" without a grid.
    std::string name(nn::Activation activation, size_t point) const;

    // One summary per (grid point, activation), in the order they first
    // came, ranked within each grid point.
    std::vector<ActivationSummary> summaries() const;
    std::vector<std::string> activations() const;
    // One column of compare.csv ("train_loss", "grad_norm.0.weight",
    // "dead_fraction", ...) for `activation` at each curve epoch (on_curve)
    // where some run has it; diverged runs are left out.
    Curve curve(const std::string& activation, const std::string& column) const;
    // The diagnostics of some recorded epoch, for the layers' names and
    // count; null when no run recorded an epoch. With an activation: of a
    // run of its grid point (whose layers may differ from another point's).
    const EpochDiagnostics* diagnostics_shape() const;
    const EpochDiagnostics* diagnostics_shape(const std::string& activation) const;
    // The first run's histograms of each hidden layer of `activation`, in
    // layer order; none without a probe.
    const std::vector<LayerHistograms>& histograms(const std::string& activation) const;
    bool has_test() const { return has_test_; }
    bool classification() const { return classification_; }
    // Each activation's first seed's decision boundary, titled with both.
    const std::vector<chart::ClassMap>& boundaries() const { return boundaries_; }
    int classes() const { return classes_; }
    size_t runs() const { return runs_; }
    size_t diverged() const { return diverged_; }

  private:
    struct Band {
        double sum = 0, low = 0, high = 0;
        size_t n = 0;
    };
    struct PerActivation {
        std::string name;
        nn::Activation kind = nn::Activation::tanh;
        size_t point = 0;
        size_t runs = 0, diverged = 0, reached_target = 0;
        Accumulator train_loss, test_loss, test_accuracy, train_loss_start, epochs_to_target;
        Accumulator first_grad_start, first_grad_end, last_grad_start, last_grad_end;
        Accumulator dead_end, saturated_end, first_mean_end, last_mean_end;
        Accumulator final_loss, best_loss, best_epoch;
        std::vector<double> final_losses, best_losses;
        size_t overfitted = 0, late_ratio_runs = 0, vanishing_late = 0;
        std::map<std::string, std::map<int64_t, Band>> curves;  // column -> epoch -> band
        std::vector<LayerHistograms> histograms;                // of its first run
    };
    const PerActivation* find(const std::string& activation) const;

    std::vector<std::string> points_;
    std::vector<PerActivation> activations_;
    std::map<size_t, EpochDiagnostics> shapes_;  // per grid point
    bool has_test_ = false, classification_ = false;
    std::vector<chart::ClassMap> boundaries_;
    int classes_ = 0;
    size_t runs_ = 0, diverged_ = 0;
};

// Sentences on what the runs show: which activation trained fastest, the
// verdict (the ranking by held-out loss at the end and at the best epoch,
// what the seeds cannot tell apart, who overfitted), where gradients
// vanish, which units died or saturated, which outputs are not centred on
// zero, which runs diverged. `held_out`: whether there was a test split
// (else the ranking is by train loss, and says so).
std::vector<std::string> findings(const std::vector<ActivationSummary>& summaries, bool held_out,
                                  std::optional<double> target_loss, int64_t epochs);

// Shown where a table or sentence has no number: a statistic over no value.
inline constexpr const char* kNoValue = "—";
// A number with `digits` significant digits; kNoValue for nullopt or a
// value that is not finite.
std::string format_number(std::optional<double> value, int digits = 3);
// "mean ± std", or just the mean for one seed; kNoValue for nullopt.
std::string format_stat(const std::optional<Stat>& stat, int digits = 3);
// A fraction as a percentage, "37 %"; kNoValue for nullopt.
std::string format_percent(const std::optional<Stat>& stat);

}  // namespace tinynn::experiment
