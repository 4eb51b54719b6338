#pragma once

// Everything a config sets up before training starts: the data split, the
// model and how targets are encoded for the loss. Building it touches no
// output file, so a bad config or data file never harms a previous run.

#include <memory>
#include <optional>

#include "tinynn/data.hpp"
#include "tinynn/experiment/config.hpp"
#include "tinynn/nn/module.hpp"

namespace tinynn::experiment {

struct Experiment {
    Config config;      // config.model resolved: inputs, outputs and layers from the data
    data::Split split;  // normalised when the config asks for it
    // normalize: standard: the statistics of the training split that were
    // applied to both splits, and that new data must be given too.
    std::optional<data::Standardizer> standardizer;
    bool classification = false;
    int64_t classes = 0;  // classification only
    std::shared_ptr<nn::Module> model;
    // The targets as the loss takes them: class indices for cross-entropy,
    // one-hot rows (or [n, 1] for a single sigmoid output) for MSE.
    data::Dataset train_encoded;
    data::Dataset test_encoded;
};

// Throws tinynn::Error (a usage or config error: exit 2) for anything wrong
// with the config, the data or the initial weights. The data and its split
// are drawn from config.seed; the initial weights from config.run_seed
// when set (compare's runs), else config.seed.
Experiment prepare_experiment(const Config& config);

// How many outputs the model of `config` gives on data of this task:
// `classes` for classification (or 1, when a binary task's layer list ends
// in one output for MSE), else the regression targets' width.
int64_t output_width(const Config& config, bool classification, int64_t classes,
                     int64_t regression_outputs);

// The targets of `set` as the experiment's loss takes them (see
// Experiment::train_encoded), for a model with `outputs` outputs.
data::Dataset encode_targets(const data::Dataset& set, const Experiment& experiment,
                             int64_t outputs);

// The loss of the config on a model output and encoded targets.
Tensor compute_loss(Loss loss, const Tensor& output, const Tensor& targets);

}  // namespace tinynn::experiment
