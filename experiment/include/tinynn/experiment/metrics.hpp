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
    // Mean over the epoch's steps of |W_after - W_before| / |W_before|
    // (Frobenius norms): how far each step moves the weight, relative to its
    // size. Around 1e-3 is the usual healthy figure; far below, the layer
    // barely learns; far above, the steps are too large for it.
    double update_ratio = 0;
};

// Counts of values in equal-width bins from `low` to `high` (the last bin
// includes `high`; when low == high, every value is in the first).
struct Histogram {
    double low = 0, high = 0;
    std::vector<int64_t> counts;
};

// The bins of a probe's histograms of outputs and gradients.
inline constexpr int kHistogramBins = 24;

// Percentile `q` (0..100) of `values`, as numpy and torch.quantile take it by
// default (linear between the two nearest ranks); 0 for none. Reorders
// `values`.
double percentile(std::vector<float>& values, double q);
// percentile for each of `qs`, from one pass of selection.
std::vector<double> percentiles(std::vector<float>& values, const std::vector<double>& qs);
// `values` in kHistogramBins bins from their minimum to their maximum.
Histogram histogram_of(const std::vector<float>& values, int bins = kHistogramBins);

// One hidden activation module at an epoch's end, in eval mode, on the fixed
// probe rows (Glorot & Bengio 2010 watch 300 fixed examples the same way),
// so that every epoch and every seed is measured on the same inputs.
struct ProbeStats {
    // Of its outputs, every row and unit: Glorot & Bengio's fig. 3.
    double mean = 0, std = 0, p2 = 0, p50 = 0, p98 = 0;
    // Of its first unit's input: Ioffe & Szegedy's fig. 1 (b, c).
    double unit0_input_p15 = 0, unit0_input_p50 = 0, unit0_input_p85 = 0;
    Histogram outputs;
    // Of the probe loss's gradient with respect to the module's input (the
    // back-propagated gradient at that layer: Glorot & Bengio's fig. 7).
    // None where the input does not depend on a parameter (nothing flows
    // back to it).
    std::optional<Histogram> gradients;
    // Per unit, the share of the probe rows whose input to the activation is
    // positive: how often it fires (Maas et al. 2013). For ReLU that is how
    // often its output is nonzero.
    std::vector<double> firing;
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
    // With a probe (Diagnostics::Probe): its distribution at the epoch's end.
    std::optional<ProbeStats> probe;
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
