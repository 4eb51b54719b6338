#pragma once

// What `--resume` continues from (SPEC §2, §4): the state of a run after its
// last completed epoch. Restored into a new run of the same config, it makes
// the remaining epochs exactly those of one uninterrupted run: the weights,
// the optimiser's buffers and step counts, the schedule, the shuffling's and
// the default generator's states, and early stopping's record.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tinynn/experiment/early_stopping.hpp"
#include "tinynn/experiment/experiment.hpp"
#include "tinynn/nn/module.hpp"
#include "tinynn/optim/optimizer.hpp"

namespace tinynn::experiment {

struct Checkpoint {
    int64_t epoch = 0;    // the last completed epoch; the next one is epoch + 1
    nn::StateDict model;  // the weights at its end (not early stopping's best)
    optim::State optimizer;
    std::optional<optim::State> scheduler;
    std::string shuffling;  // the loader's generator (Generator::state)
    std::string random;     // the default generator, which dropout draws from
    std::optional<EarlyStoppingState> early_stopping;
    // What the run must match to continue it: its resolved config (as the
    // caller renders it) and data_fingerprint() of its data.
    std::string config;
    std::string data;
};

// checkpoint.safetensors: the weights under "model.<name>", the optimiser's
// tensors under "optimizer.<name>", early stopping's best weights under
// "early_stopping.<i>", and every count, value and text in the metadata. The
// file is replaced atomically but not synced: it is written after every
// epoch, and survives the process being killed (a run's final files are
// synced when they are swapped in).
void save_checkpoint(const Checkpoint& checkpoint, const std::filesystem::path& path);
// Throws tinynn::Error naming the file and what is wrong when it is not a
// checkpoint this version wrote.
Checkpoint load_checkpoint(const std::filesystem::path& path);

// A hash of the experiment's data as training sees it (both splits, encoded
// and normalised), in hex: a data file edited since the checkpoint shows.
std::string data_fingerprint(const Experiment& experiment);

// Throws tinynn::Error naming what changed when a run of `config` on data
// with fingerprint `data` cannot continue `checkpoint`: a config key other
// than those that do not change the training (training.epochs,
// training.log_every, name, limits) or the data. `config` is rendered as
// checkpoint.config was.
void check_resumable(const Checkpoint& checkpoint, const std::string& config,
                     const std::string& data);

}  // namespace tinynn::experiment
