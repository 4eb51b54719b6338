#pragma once

// What the page is told of a compare as it trains, as JSON text: the runs
// when it starts, each run's epochs and decision boundaries, and how it
// ended.

#include <cstddef>
#include <cstdint>
#include <string>

#include "tinynn/experiment/chart.hpp"
#include "tinynn/experiment/config.hpp"
#include "tinynn/experiment/metrics.hpp"

namespace tinynn::cli::serve {

// {"type":"start", "epochs", "points": [grid labels], "runs": [{"activation",
// "seed", "point"}] in run_specs order, "dir", "yaml"}.
std::string start_event(const experiment::Config& config, const std::string& dir,
                        const std::string& yaml);

// {"type":"epoch", "run", "epoch", "train_loss", "test_loss", "test_accuracy",
// "grad_norms": [{"name", "norm"}], "dead", "saturated", "layers": [{"layer",
// "activation", "dead", "saturated", "mean", "std", "p2", "p50", "p98"}]}: the
// diagnostics compare records, the layers' from the probe (the percentiles
// of the activation lab). Absent values are null.
std::string epoch_event(size_t run, const experiment::EpochMetrics& metrics);

// {"type":"boundary", "run", "epoch", "x_min", "x_max", "y_min", "y_max", "nx",
// "ny", "predicted": [...], "confidence": [...], "points": [[x, y, class]]}.
std::string boundary_event(size_t run, int64_t epoch, const experiment::chart::ClassMap& map);

// {"type":"end", "state", "message"}.
std::string end_event(const std::string& state, const std::string& message);

}  // namespace tinynn::cli::serve
