#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "apps/train/diagnostics.hpp"
#include "apps/train/experiment.hpp"

namespace tinynn::app {

struct EpochMetrics {
    int64_t epoch = 0;  // from 1
    // Sample-weighted mean of the epoch's minibatch losses, each computed
    // before its own update (SPEC §4).
    double train_loss = 0;
    std::optional<double> test_loss;
    std::optional<double> test_accuracy;          // classification with a test split
    std::optional<EpochDiagnostics> diagnostics;  // with training.diagnostics
};

struct TrainResult {
    std::vector<EpochMetrics> history;   // finite, completed epochs only
    std::optional<int64_t> diverged_at;  // the epoch whose loss was NaN or inf
    bool interrupted = false;            // stopped early on request
};

struct Evaluation {
    double loss = 0;
    std::optional<double> accuracy;  // classification only
};

// Called after every finite epoch; samples_per_second is this epoch's rate.
using EpochCallback = std::function<void(const EpochMetrics&, double samples_per_second)>;

// Polled after every batch: true stops training there (the epoch in
// progress is not recorded; the weights are those after the last batch).
using StopRequested = std::function<bool()>;

// Throws tinynn::Error (a config error) when training.diagnostics is on and
// the model is not a Sequential (the mlp shorthand and layer lists are),
// whose layers the diagnostics watch.
void check_diagnostics(const Experiment& experiment);

// Trains the experiment's model in place for config.training.epochs epochs.
// On divergence it stops and leaves the model with the weights of the last
// finite epoch.
TrainResult train(Experiment& experiment, const EpochCallback& on_epoch = {},
                  const StopRequested& stop_requested = {});

// Loss (and accuracy) of the model on one encoded set, without a graph.
Evaluation evaluate(const Experiment& experiment, const data::Dataset& encoded,
                    const data::Dataset& labels);

}  // namespace tinynn::app
