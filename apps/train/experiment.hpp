#pragma once

// Everything a config sets up before training starts: the data split, the
// model and how targets are encoded for the loss. Building it touches no
// output file, so a bad config or data file never harms a previous run.

#include <memory>

#include "apps/config/config.hpp"
#include "tinynn/data.hpp"
#include "tinynn/nn/module.hpp"

namespace tinynn::app {

struct Experiment {
    Config config;
    data::Split split;  // normalised when the config asks for it
    bool classification = false;
    int64_t classes = 0;  // classification only
    std::shared_ptr<nn::Module> model;
    // The targets as the loss takes them: class indices for cross-entropy,
    // one-hot rows (or [n, 1] for a single sigmoid output) for MSE.
    data::Dataset train_encoded;
    data::Dataset test_encoded;
};

// Throws tinynn::Error (a usage or config error: exit 2) for anything wrong
// with the config, the data or the initial weights.
Experiment prepare_experiment(const Config& config);

// The loss of the config on a model output and encoded targets.
Tensor compute_loss(const Experiment& experiment, const Tensor& output, const Tensor& targets);

}  // namespace tinynn::app
