#pragma once

// What training measures: per epoch the losses and, with a Diagnostics
// callback, why an activation trains well or badly (diagnostics.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tinynn/nn/activation_table.hpp"

namespace tinynn::experiment {

// A sigmoid or tanh output counts as saturated within this fraction of its
// range from an asymptote: sigmoid below 0.02 or above 0.98, tanh beyond
// ±0.96. There the derivative is under 8 % of its peak, so such units pass
// little gradient back.
inline constexpr double kSaturationMargin = 0.02;

struct GradNorm {
    std::string name;  // the weight, "0.weight" or "block.weight"
    double norm = 0;   // mean over the epoch's batches of the L2 norm of its gradient
};

// One hidden activation module over one epoch.
struct ActivationStats {
    std::string layer;  // the module's name in the model: "1", "act"
    nn::Activation kind = nn::Activation::tanh;
    int64_t units = 0;
    // dead_output (ReLU): units whose output was 0 for every sample of the
    // epoch; dead_input (LeakyReLU): units whose input was negative for every
    // sample.
    std::optional<double> dead_fraction;
    // saturated (sigmoid, tanh): the fraction of the epoch's outputs
    // (samples × units) within kSaturationMargin of an asymptote.
    std::optional<double> saturated_fraction;
    double mean = 0;  // of every output of the epoch
};

struct EpochDiagnostics {
    std::vector<GradNorm> grad_norms;  // one per Linear, in module order
    std::vector<ActivationStats> activations;
    // Over all hidden layers of the kinds they apply to, weighted by units
    // (dead) or by outputs (saturated).
    std::optional<double> dead_fraction;
    std::optional<double> saturated_fraction;
};

struct EpochMetrics {
    int64_t epoch = 0;  // from 1
    // Sample-weighted mean of the epoch's minibatch losses, each computed
    // before its own update (SPEC §4).
    double train_loss = 0;
    double lr = 0;  // the optimiser's learning rate during the epoch
    std::optional<double> test_loss;
    std::optional<double> test_accuracy;          // classification with a test split
    std::optional<EpochDiagnostics> diagnostics;  // filled by a Diagnostics callback
};

struct TrainResult {
    // Finite, completed epochs only (with History::last_epoch the latest alone).
    std::vector<EpochMetrics> history;
    std::optional<int64_t> diverged_at;  // the epoch that left a number NaN or inf
    bool interrupted = false;            // stopped early on request
    // With training.early_stopping: the best epoch, whether the model now
    // holds its weights, and the epoch after which patience ran out.
    std::optional<int64_t> best_epoch;
    bool best_restored = false;
    std::optional<int64_t> stopped_early_after;
};

struct Evaluation {
    double loss = 0;
    std::optional<double> accuracy;  // classification only
};

// Where the loop is; callbacks read it and may ask it to stop.
struct TrainState {
    int64_t epoch = 0;  // from 1
    int64_t batch = 0;  // within the epoch, from 0
    // This epoch's samples and seconds so far (its rate at on_epoch_end).
    int64_t epoch_samples = 0;
    double epoch_seconds = 0;
    // Set by a callback: the loop stops after the current batch, and the
    // epoch in progress is not recorded (as an interrupt).
    bool stop = false;
};

}  // namespace tinynn::experiment
