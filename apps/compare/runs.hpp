#pragma once

// The runs of `tinynn compare`: one training per (activation, seed) of the
// config's compare section, spread over worker threads. Each run owns its
// data, model and random generator and products use one thread, so a run's
// numbers are the same whatever --jobs is.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "apps/compare/chart.hpp"
#include "apps/config/config.hpp"
#include "apps/train/trainer.hpp"

namespace tinynn::app {

struct RunSpec {
    std::string activation;
    uint64_t seed = 0;
};

struct RunOutcome {
    RunSpec spec;
    TrainResult result;
    std::optional<int64_t> epochs_to_target;  // first epoch with train_loss <= compare.target_loss
    std::optional<chart::ClassMap> boundary;  // 2-D classification data only
    int64_t classes = 0;                      // classification only
    double seconds = 0;
};

// Every (activation, seed) pair, activations outermost, in config order.
std::vector<RunSpec> run_specs(const Config& base);

// The config of one run: the base config with `spec.seed` as its seed,
// `spec.activation` for every hidden activation (the mlp shorthand's, or in
// a layer list each sigmoid/tanh/relu/leaky_relu layer a Linear follows),
// and diagnostics on.
Config run_config(const Config& base, const RunSpec& spec);

struct CompareOptions {
    int jobs = 1;
    // Called from the worker thread that finished the run, one call at a time.
    std::function<void(const RunOutcome&, size_t done, size_t total)> on_run_done{};
    StopRequested stop_requested{};  // polled after every batch of every run
};

// Trains every run of `base`; the outcomes are in run_specs order. An error
// in any run stops the others and is rethrown.
std::vector<RunOutcome> run_compare(const Config& base, const CompareOptions& options);

}  // namespace tinynn::app
