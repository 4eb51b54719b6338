#include "apps/train/memory.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "tinynn/error.hpp"

namespace tinynn::app {
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

// As prepare_experiment builds the model: the shorthand's inputs and outputs
// come from the data, a layer list gives its own.
ModelWidths model_widths(const Config& c, const DataShape& d) {
    const ModelConfig& m = c.model;
    ModelWidths w;
    if (!m.layers.empty()) {
        double width = static_cast<double>(d.features);
        for (const LayerConfig& l : m.layers) {
            if (l.type == "linear") {
                const double out = static_cast<double>(l.out);
                w.parameters += static_cast<double>(l.in) * out + (l.bias ? out : 0);
                width = out;
            }
            w.layers.push_back(width);
        }
        w.outputs = width;
        return w;
    }
    w.outputs = static_cast<double>(d.classes > 0 ? d.classes : d.target_columns);
    if (m.kind != "mlp")
        return w;
    double previous = static_cast<double>(d.features);
    const auto linear = [&](double out) {
        w.parameters += previous * out + out;
        w.layers.push_back(out);
        previous = out;
    };
    for (const int64_t h : m.hidden) {
        linear(static_cast<double>(h));
        w.layers.push_back(static_cast<double>(h));  // its activation
    }
    linear(w.outputs);
    if (m.output != "none")
        w.layers.push_back(w.outputs);
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
    const std::string model_key = !c.model.layers.empty() ? "model.layers"
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
//     the trainer's snapshot for divergence, and SGD's momentum buffer when
//     momentum is not 0. The weight-decay term is a lazy expression.
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
    const bool one_hot = d.classes > 0 && c.loss == "mse";
    const double encoded_targets = one_hot ? w.outputs : static_cast<double>(d.target_columns);

    MemoryEstimate e;
    const double dataset = n * (features + static_cast<double>(d.target_columns)) * kFloat;
    const double normalised = c.data.normalize == "standard" ? n * features * kFloat : 0;
    const double encoded = one_hot ? n * w.outputs * kFloat : 0;
    e.data = std::max(3 * dataset, 2 * dataset + normalised + encoded) + 2 * n * kIndex;

    const double copies = c.optimizer.sgd.momentum != 0 ? 4 : 3;
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

std::optional<double> registry_parameters(const ModelConfig& m, const nn::Module& model) {
    if (!m.layers.empty() || m.kind == "mlp")
        return std::nullopt;
    double parameters = 0;
    for (const Tensor& p : model.parameters())
        parameters += static_cast<double>(p.numel());
    return parameters;
}

void check_parallel_memory(const Config& c, const DataShape& d, int64_t runs,
                           std::optional<double> model_parameters) {
    const double one = estimate_memory(c, d, model_parameters).total();
    const double limit = memory_limit_bytes(c.limits);
    if (runs <= 1 || one * static_cast<double>(runs) <= limit)
        return;
    throw Error("limits.memory_mb: " + std::to_string(runs) + " runs at once (--jobs) need about " +
                std::to_string(runs) + " x " + bytes_text(one) + " = " +
                bytes_text(one * static_cast<double>(runs)) + ", above the limit of " +
                bytes_text(limit) + "; lower --jobs to " +
                std::to_string(std::max<int64_t>(1, static_cast<int64_t>(limit / one))) +
                " or raise limits.memory_mb");
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

}  // namespace tinynn::app
