#pragma once

// The compare runs reduced over seeds: per-activation statistics for the
// summary table, per-epoch bands for the pictures, and the plain-language
// findings that say what the numbers mean.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "apps/compare/runs.hpp"

namespace tinynn::app {

// Over the seeds of one activation; std is the sample standard deviation
// (0 for one seed).
struct Stat {
    double mean = 0, std = 0, min = 0, max = 0;
    size_t n = 0;
};
std::optional<Stat> stat_of(const std::vector<double>& values);

// "End" is each run's last completed epoch.
struct ActivationSummary {
    std::string activation;
    size_t runs = 0, diverged = 0, reached_target = 0;
    std::optional<Stat> train_loss, test_loss, test_accuracy;
    std::optional<Stat> train_loss_start;  // at epoch 1
    std::optional<Stat> epochs_to_target;  // over the runs that reached it
    // Weight-gradient L2 norms of the first and the last Linear.
    std::optional<Stat> first_grad_start, first_grad_end, last_grad_start, last_grad_end;
    std::optional<Stat> dead_end, saturated_end;
    // Mean output of the first and the last hidden activation layer.
    std::optional<Stat> first_mean_end, last_mean_end;
};

// One summary per activation, in the order the activations first appear.
std::vector<ActivationSummary> summarize(const std::vector<RunOutcome>& runs);

// A metric of one activation per epoch over its seeds: the mean and the
// min-max band, over the seeds that reached that epoch.
struct Curve {
    std::vector<double> epoch, mean, low, high;
};
using MetricOf = std::function<std::optional<double>(const EpochMetrics&)>;
Curve curve(const std::vector<RunOutcome>& runs, const std::string& activation,
            const MetricOf& metric);

// Sentences on what the runs show: which activation trained fastest, where
// gradients vanish, which units died or saturated, which outputs are not
// centred on zero, which runs diverged.
std::vector<std::string> findings(const std::vector<ActivationSummary>& summaries,
                                  std::optional<double> target_loss, int64_t epochs);

// A number with `digits` significant digits, "n/a" for nullopt.
std::string format_number(std::optional<double> value, int digits = 3);
// "mean ± std", or just the mean for one seed; "n/a" for nullopt.
std::string format_stat(const std::optional<Stat>& stat, int digits = 3);
// A fraction as a percentage, "37 %".
std::string format_percent(const std::optional<Stat>& stat);

}  // namespace tinynn::app
