#pragma once

// The memory a run will need, estimated from its config and the shape of its
// data, and the check that refuses a run over limits.memory_mb before its data
// or model is allocated (rather than failing halfway with "out of memory" or
// being killed by the kernel).

#include <cstdint>
#include <optional>

#include "tinynn/experiment/config.hpp"
#include "tinynn/experiment/data_shape.hpp"
#include "tinynn/nn/module.hpp"

namespace tinynn::experiment {

// Bytes, in double so that no config, however absurd, can overflow them.
// Each part is an upper bound on what the run holds at its peak; their sum
// bounds both preparing the data and training (see memory.cpp for what each
// counts).
struct MemoryEstimate {
    double data = 0;               // the dataset, its split, encoded and normalised copies
    double parameters = 0;         // values, gradients, the divergence snapshot, momentum
    double activations = 0;        // the largest single pass through the model
    int64_t pass_samples = 0;      // the samples of that pass
    bool pass_is_training = true;  // a training batch (forward and backward), else an evaluation

    double total() const { return data + parameters + activations; }
};

// `model_parameters` is for a model from the registry, whose layers the config
// does not give: its parameter count once built (its activations are then
// not counted beyond the input batch and the loss). Without it such a model
// counts nothing.
MemoryEstimate estimate_memory(const Config& config, const DataShape& data,
                               std::optional<double> model_parameters = std::nullopt);

// limits.memory_mb in bytes, or the default when unset: 75% of the physical
// memory, 4096 MiB when that cannot be read.
double memory_limit_bytes(const LimitsConfig& limits);

// Throws tinynn::Error (a config error, exit 2) naming limits.memory_mb, the
// estimate and its parts, the limit, and what to change, when the estimate is
// over the limit.
void check_memory(const Config& config, const DataShape& data,
                  std::optional<double> model_parameters = std::nullopt);

// The parameter count estimate_memory needs for a model it cannot size from
// the config (one from the registry), or nullopt for the mlp shorthand and
// layer lists, which it sizes itself.
std::optional<double> registry_parameters(const models::ModelSpec& model_spec,
                                          const nn::Module& model);

// What `tinynn compare` holds for `runs` runs at once (--jobs). Its rows of
// compare.csv go to disk as the epochs end and the summary is folded from
// the runs in order, so none of it grows with the seeds or the epochs.
struct CompareMemory {
    // One run: estimate_memory's total, plus what compare keeps of its
    // results while it trains and while it waits for its turn (at most
    // kWaitingRunsPerJob more per job): its epochs on the curve grid, its
    // first and last, its compare.csv rows in memory (kRowBufferBytes) and
    // where on disk the others are, the decision-boundary map and the pass
    // that makes it.
    double per_run = 0;
    // The curves and statistics over all runs, per activation and column,
    // and each activation's decision-boundary map.
    double summary = 0;
    int64_t runs = 1;

    double total() const { return per_run * static_cast<double>(runs) + summary; }
};
// `config` is a run's (a grid point's, with a grid), and `points` how many
// grid points share the summary.
CompareMemory estimate_compare_memory(const Config& config, const DataShape& data, int64_t runs,
                                      std::optional<double> model_parameters = std::nullopt,
                                      size_t points = 1);

// Throws tinynn::Error (a config error, exit 2) naming limits.memory_mb,
// the estimate and the limit, and the --jobs that would fit, when
// estimate_compare_memory is over the limit.
void check_parallel_memory(const Config& config, const DataShape& data, int64_t runs,
                           std::optional<double> model_parameters = std::nullopt,
                           size_t points = 1);

// What `tinynn compare` checks before it trains `config` with `jobs` runs at
// once: each grid point's first run is set up (its data, model and weights,
// so a bad config is an input error before any training) and
// check_parallel_memory'd. Throws tinynn::Error as those do.
void check_compare(const Config& config, size_t jobs);

// check_memory for the data as the config describes it, before it is
// generated or read. A CSV file is sized from its byte count first and its
// lines are counted only when that bound is over the limit.
void check_memory_before_loading(const Config& config);

}  // namespace tinynn::experiment
