#include "tinynn/experiment/memory.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "summary.hpp"
#include "tinynn/error.hpp"
#include "tinynn/experiment/diagnostics.hpp"
#include "tinynn/experiment/experiment.hpp"
#include "tinynn/experiment/runs.hpp"
#include "tinynn/experiment/write_outputs.hpp"

namespace tinynn::experiment {
namespace {

constexpr double kFloat = 4;  // bytes of a float32 value
constexpr double kIndex = 8;  // bytes of an int64 sample index
constexpr double kMiB = 1024.0 * 1024.0;
// The rest is left for the system and other programs: a run that takes all
// of the memory gets killed, or makes the machine swap, long before it ends.
constexpr double kDefaultShare = 0.75;
constexpr double kFallbackMiB = 4096;

// What the estimate needs of the model: the output width of every module in
// order (a Linear's is its `out`, an activation's that of its input).
struct ModelWidths {
    std::vector<double> layers;  // empty for a registry model: the config does not say
    double outputs = 0;
    double parameters = 0;
};

// As prepare_experiment builds the model: the shorthand's first input and
// last output come from the data (0 in its layers until then), a layer list
// gives its own.
ModelWidths model_widths(const Config& c, const DataShape& d) {
    const models::ModelSpec& m = c.model;
    ModelWidths w;
    w.outputs = static_cast<double>(d.classes > 0 ? d.classes : d.target_columns);
    if (m.kind != "mlp")
        return w;
    double width = static_cast<double>(d.features);
    for (const models::LayerSpec& l : models::layers_of(m)) {
        if (l.type == models::LayerType::linear) {
            const double in = l.in ? static_cast<double>(l.in) : static_cast<double>(d.features);
            const double out = l.out ? static_cast<double>(l.out) : w.outputs;
            w.parameters += in * out + (l.bias ? out : 0);
            width = out;
        }
        w.layers.push_back(width);
    }
    w.outputs = width;
    return w;
}

std::string bytes_text(double bytes) {
    static constexpr std::array<const char*, 7> kUnits{"bytes", "KiB", "MiB", "GiB",
                                                       "TiB",   "PiB", "EiB"};
    size_t unit = 0;
    while (bytes >= 1024 && unit + 1 < kUnits.size()) {
        bytes /= 1024;
        ++unit;
    }
    std::ostringstream out;
    out.setf(std::ios::fixed);
    out.precision(unit == 0 ? 0 : 1);
    out << bytes << " " << kUnits[unit];
    return out.str();
}

// 8000000 as "8,000,000": sample counts are read at a glance.
std::string count_text(int64_t n) {
    const std::string digits = std::to_string(n);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        const size_t left = digits.size() - i;  // digits from here to the end
        if (i > 0 && digits[i - 1] != '-' && left % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

// The change that helps most: against the largest part of the estimate.
std::string advice(const Config& c, const MemoryEstimate& e) {
    const std::string model_key = c.model.layers_given    ? "model.layers"
                                  : c.model.kind == "mlp" ? "model.hidden"
                                                          : "model.kind";
    const std::string fewer_samples =
        c.data.kind == "csv" ? "use a data file with fewer rows" : "lower data.samples";
    const std::string narrower = "narrow the widest layer (" + model_key + ")";
    std::string change;
    if (e.data >= std::max(e.parameters, e.activations)) {
        change = fewer_samples;
    } else if (e.parameters >= e.activations) {
        change = "use narrower or fewer layers (" + model_key + ")";
    } else if (e.pass_is_training) {
        change =
            (c.training.batch_size == 0
                 ? "set training.batch_size (0 passes the whole training set at once)"
                 : "lower training.batch_size (now " + count_text(c.training.batch_size) + ")") +
            " or " + narrower;
    } else {
        // The batch size cannot help here, which the message must say.
        change = "evaluation passes a whole split through the model at once, so " + fewer_samples +
                 " or " + narrower;
    }
    return change + ", or raise limits.memory_mb";
}

double physical_memory_bytes() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page_size > 0 ? static_cast<double>(pages) * static_cast<double>(page_size)
                                      : 0;
}

}  // namespace

// What each part counts, following prepare_experiment, the trainer and the
// library's ops:
//   data: the dataset as loaded (features and stored targets) and its
//     train/test split (subset() copies rows) are both alive until preparing
//     ends; the normalised copy of the features, the one-hot (or [n, 1])
//     targets MSE takes on a classification task; the int64 shuffle orders
//     (the split's and its two index lists; the loader's later). Loading
//     itself peaks at three copies of the dataset (a CSV reader's growing
//     vectors and the tensor made from them; the generator's unshuffled
//     points and their shuffled copy), before the split exists.
//   parameters: value, gradient (zero_grad frees it, backward makes it anew),
//     the trainer's snapshot for divergence, the optimiser's state (SGD's
//     momentum buffer when momentum is not 0; Adam's two moments, and the
//     largest second moment with amsgrad) and early stopping's best weights;
//     and while a checkpoint is taken after an epoch (train), a copy of the
//     weights, that state and the best weights, and the file's bytes of them.
//     The weight-decay term is a lazy expression.
//   activations, the larger of
//     a training batch, forward and backward: the batch's gathered features
//     and encoded targets; every module's output, kept by the graph for the
//     backward (the saved inputs of a Linear or an activation are these same
//     outputs, not copies), and a gradient of each (the engine frees them as
//     it goes, so this is generous); the loss's temporaries, saved softmax
//     probabilities and its own gradient, three output-wide rows;
//     an evaluation, forward only without a graph, of the whole training or
//     test split at once: each module's output is freed once the next one
//     exists, so two of the widest at a time, and the loss's three.
// The dataset is freed before training starts, so data + parameters +
// activations bounds the peak of both phases.
MemoryEstimate estimate_memory(const Config& c, const DataShape& d,
                               std::optional<double> model_parameters) {
    const ModelWidths w = model_widths(c, d);
    const double n = static_cast<double>(d.samples);
    const double n_test = std::round(c.data.test_split * n);  // as train_test_split rounds
    const double n_train = n - n_test;
    const double features = static_cast<double>(d.features);
    const bool one_hot = d.classes > 0 && c.loss == Loss::mse;
    const double encoded_targets = one_hot ? w.outputs : static_cast<double>(d.target_columns);

    MemoryEstimate e;
    const double dataset = n * (features + static_cast<double>(d.target_columns)) * kFloat;
    const double normalised = c.data.normalize ? n * features * kFloat : 0;
    const double encoded = one_hot ? n * w.outputs * kFloat : 0;
    e.data = std::max(3 * dataset, 2 * dataset + normalised + encoded) + 2 * n * kIndex;

    double optimizer_state = 0;
    if (c.optimizer.kind == OptimizerKind::sgd)
        optimizer_state = c.optimizer.momentum != 0 ? 1 : 0;
    else
        optimizer_state = c.optimizer.amsgrad ? 3 : 2;
    const double best_weights = c.training.early_stopping ? 1 : 0;
    const double kept = 1 + optimizer_state + best_weights;  // what a checkpoint holds
    const double copies = 2 + kept + 2 * kept;
    e.parameters = model_parameters.value_or(w.parameters) * copies * kFloat;

    double outputs_sum = 0;
    double widest = 0;
    for (const double width : w.layers) {
        outputs_sum += width;
        widest = std::max(widest, width);
    }
    const double batch_size = static_cast<double>(c.training.batch_size);
    const double batch = batch_size == 0 || batch_size > n_train ? n_train : batch_size;
    const double training =
        batch * (features + encoded_targets + 2 * outputs_sum + 3 * w.outputs) * kFloat;
    const double evaluated = std::max(n_train, n_test);
    const double evaluation = evaluated * (2 * widest + 3 * w.outputs) * kFloat;
    e.pass_is_training = training >= evaluation;
    e.activations = e.pass_is_training ? training : evaluation;
    e.pass_samples = static_cast<int64_t>(e.pass_is_training ? batch : evaluated);
    return e;
}

double memory_limit_bytes(const LimitsConfig& limits) {
    if (limits.memory_mb)
        return *limits.memory_mb * kMiB;
    const double physical = physical_memory_bytes();
    return physical > 0 ? kDefaultShare * physical : kFallbackMiB * kMiB;
}

void check_memory(const Config& c, const DataShape& d, std::optional<double> model_parameters) {
    const MemoryEstimate e = estimate_memory(c, d, model_parameters);
    const double limit = memory_limit_bytes(c.limits);
    if (e.total() <= limit)
        return;
    std::string limit_text = bytes_text(limit);
    if (!c.limits.memory_mb) {
        const double physical = physical_memory_bytes();
        limit_text += physical > 0
                          ? " (the default: 75% of this machine's " + bytes_text(physical) + ")"
                          : " (the default when the machine's memory is unknown)";
    }
    const std::string pass =
        e.pass_is_training ? " for a training batch of " + count_text(e.pass_samples) + " samples"
                           : " evaluating " + count_text(e.pass_samples) + " samples at once";
    throw Error("limits.memory_mb: this run needs about " + bytes_text(e.total()) + " (data " +
                bytes_text(e.data) + " for " + count_text(d.samples) + " samples, parameters " +
                bytes_text(e.parameters) + ", activations " + bytes_text(e.activations) + pass +
                "), above the limit of " + limit_text + "; " + advice(c, e));
}

std::optional<double> registry_parameters(const models::ModelSpec& m, const nn::Module& model) {
    if (m.kind == "mlp")
        return std::nullopt;
    double parameters = 0;
    for (const Tensor& p : model.parameters())
        parameters += static_cast<double>(p.numel());
    return parameters;
}

namespace {

// An allocation's bookkeeping in the allocator, and a name too long to sit
// inside its std::string (layer names are indices, so most do).
constexpr double kHeapBlock = 16;
constexpr double kLongName = 32;

// A Histogram of `bins` bins on the heap.
double histogram_bytes(double bins) {
    return sizeof(Histogram) + bins * sizeof(int64_t) + kHeapBlock;
}

// One epoch's record (EpochMetrics) with the diagnostics of `linears`
// weight gradients and `hidden` activation layers of at most `units` units,
// each with its probe's statistics (two histograms and a firing frequency
// per unit).
double epoch_record_bytes(double linears, double hidden, double units) {
    const double probe = sizeof(ProbeStats) + 2 * histogram_bytes(kHistogramBins) +
                         units * sizeof(double) + kHeapBlock;
    return sizeof(EpochMetrics) + 2 * kHeapBlock +
           linears * (sizeof(GradNorm) + kLongName + kHeapBlock) +
           hidden * (sizeof(ActivationStats) + kLongName + kHeapBlock + probe);
}

}  // namespace

CompareMemory estimate_compare_memory(const Config& c, const DataShape& d, int64_t runs,
                                      std::optional<double> model_parameters, size_t points) {
    const ModelWidths w = model_widths(c, d);
    double linears = 0, hidden = 0;
    if (c.model.kind == "mlp")
        for (const models::LayerSpec& l : models::layers_of(c.model)) {
            linears += l.type == models::LayerType::linear;
            hidden += l.type == models::LayerType::activation;
        }
    const double widest =
        w.layers.empty() ? w.outputs : *std::max_element(w.layers.begin(), w.layers.end());
    const double epochs = static_cast<double>(c.training.epochs);
    const double record = epoch_record_bytes(linears, hidden, widest);
    // compare.csv's columns: activation, seed, epoch, the three metrics and
    // the diagnostics (a gradient norm and an update ratio per Linear, eleven
    // per hidden layer, two totals); a number takes at most 24 characters.
    const double columns = 6 + 2 * linears + 11 * hidden + 2;
    const double row = columns * 25;
    // The rows in memory (a std::string grows to twice what it holds), and
    // where the others are on disk: an offset and a length per chunk of
    // kRowBufferBytes, in a std::vector that also grows to twice that.
    const double rows = 2 * std::min(static_cast<double>(kRowBufferBytes) + row, epochs * row) +
                        2 * 16 * std::ceil(epochs * row / static_cast<double>(kRowBufferBytes));
    const double cells = double{kBoundaryCells} * kBoundaryCells;
    const double boundary = cells * (sizeof(int) + sizeof(float)) +
                            static_cast<double>(kBoundaryPoints) * sizeof(chart::Point);
    // The map's pass: the grid and two of the widest outputs, and the softmax.
    const double boundary_pass = cells * (2 + 2 * widest + 3 * w.outputs) * kFloat;
    const double kept =
        (std::min(epochs, static_cast<double>(kCurvePoints)) + 2) * record + rows + boundary;

    // The diagnostics' probe pass at each epoch's end: its rows through
    // every layer with the graph's saved values and gradients, and each
    // hidden layer's outputs, inputs and gradients copied out to be sorted.
    double width_sum = 0;
    for (const double width : w.layers)
        width_sum += width;
    const double probe_rows =
        std::min(static_cast<double>(d.samples), static_cast<double>(Diagnostics::kProbeRows));
    const double probe_pass = probe_rows * (width_sum + w.outputs) * 6 * kFloat;

    CompareMemory m;
    m.runs = runs;
    m.per_run = estimate_memory(c, d, model_parameters).total() + boundary_pass + probe_pass +
                (1 + static_cast<double>(kWaitingRunsPerJob)) * kept;
    // Per activation and column a band (its map node) at each curve epoch,
    // and a map per activation.
    const double activations = static_cast<double>(c.compare.activations.size() * points);
    // A std::map node: its links and colour, the epoch, the band (a sum, a
    // low, a high and a count).
    const double band_node = 4 * 8 + 8 + 4 * 8 + kHeapBlock;
    // And the buffers of compare.csv's files: the rows in order, the chunks
    // of the others, the file itself as it is written; and each run's final
    // and best loss for the verdict's t-test (in std::vectors that grow to
    // twice what they hold).
    // And the first run's three histograms per hidden layer at up to
    // kHistogramEpochs epochs.
    const double histograms =
        hidden * std::min(epochs, static_cast<double>(kHistogramEpochs)) *
        (sizeof(int64_t) + 2 * histogram_bytes(kHistogramBins) + histogram_bytes(kFiringBins));
    m.summary =
        activations * (columns * (std::min(epochs, static_cast<double>(kCurvePoints)) * band_node +
                                  kLongName + 4 * kHeapBlock) +
                       boundary + histograms) +
        3 * static_cast<double>(kRowBufferBytes) + 2 * 2 * static_cast<double>(runs) * 8;
    return m;
}

void check_parallel_memory(const Config& c, const DataShape& d, int64_t runs,
                           std::optional<double> model_parameters, size_t points) {
    const CompareMemory m = estimate_compare_memory(c, d, runs, model_parameters, points);
    const double limit = memory_limit_bytes(c.limits);
    if (m.total() <= limit)
        return;
    const std::string at_once = runs == 1
                                    ? "one run at a time needs about " + bytes_text(m.per_run)
                                    : std::to_string(runs) + " runs at once (--jobs) need about " +
                                          std::to_string(runs) + " x " + bytes_text(m.per_run) +
                                          " = " + bytes_text(m.per_run * static_cast<double>(runs));
    const auto fitting = static_cast<int64_t>((limit - m.summary) / m.per_run);
    throw Error("limits.memory_mb: " + at_once +
                " (each run's data, model and training, and what compare keeps of its results)"
                ", and the summary over all runs " +
                bytes_text(m.summary) + ": " + bytes_text(m.total()) +
                " in all, above the limit of " + bytes_text(limit) + "; " +
                (fitting >= 1
                     ? "lower --jobs to " + std::to_string(fitting) + " or raise limits.memory_mb"
                     : std::string("raise limits.memory_mb")));
}

void check_memory_before_loading(const Config& c) {
    if (c.data.kind != "csv") {
        check_memory(c, synthetic_shape(c.data));
        return;
    }
    // Most files fit even at two bytes a cell; only those that might not are
    // read through once to count their rows.
    const std::optional<DataShape> bound = csv_shape_bound(c.data);
    if (!bound || estimate_memory(c, *bound).total() <= memory_limit_bytes(c.limits))
        return;
    if (const std::optional<DataShape> counted = csv_shape_counted(c.data))
        check_memory(c, *counted);
}

void check_compare(const Config& config, size_t jobs) {
    const size_t runs_at_once = std::min(jobs, run_specs(config).size());
    // Each grid point's, as its model and data may differ.
    for (size_t point = 0; point < grid_size(config); ++point) {
        const Config first_run =
            run_config(config, {.activation = config.compare.activations.front(),
                                .seed = config.compare.seeds.front(),
                                .point = point});
        const Experiment first = prepare_experiment(first_run);
        check_parallel_memory(first_run, shape_of(first.split), static_cast<int64_t>(runs_at_once),
                              registry_parameters(first_run.model, *first.model),
                              grid_size(config));
    }
}

}  // namespace tinynn::experiment
