#pragma once

// Per-epoch measurements that show why an activation trains well or badly:
// gradient flow through the layers, dead ReLU units, saturated sigmoid/tanh
// units and whether hidden outputs are centred on zero. They are read from
// the training passes themselves, so they cost a few reductions per batch
// and nothing when off.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tinynn/nn/sequential.hpp"

namespace tinynn::app {

// A sigmoid or tanh output counts as saturated within this fraction of its
// range from an asymptote: sigmoid below 0.02 or above 0.98, tanh beyond
// ±0.96. There the derivative is under 8 % of its peak, so such units pass
// little gradient back.
inline constexpr double kSaturationMargin = 0.02;

struct GradNorm {
    std::string name;  // the weight, "0.weight"
    double norm = 0;   // mean over the epoch's batches of the L2 norm of its gradient
};

// One hidden activation layer (one followed by a Linear) over one epoch.
struct ActivationStats {
    size_t layer = 0;  // index in the Sequential
    std::string kind;  // relu | leaky_relu | sigmoid | tanh
    int64_t units = 0;
    // relu: units whose output was 0 for every sample of the epoch;
    // leaky_relu: units whose input was negative for every sample.
    std::optional<double> dead_fraction;
    // sigmoid, tanh: the fraction of the epoch's outputs (samples × units)
    // within kSaturationMargin of an asymptote.
    std::optional<double> saturated_fraction;
    double mean = 0;  // of every output of the epoch
};

struct EpochDiagnostics {
    std::vector<GradNorm> grad_norms;  // one per Linear, in layer order
    std::vector<ActivationStats> activations;
    // Over all hidden layers of the kinds they apply to, weighted by units
    // (dead) or by outputs (saturated).
    std::optional<double> dead_fraction;
    std::optional<double> saturated_fraction;
};

// Watches one Sequential model during training: run each batch's forward
// through it, call after_backward() once the gradients are in, and collect
// the epoch with finish_epoch().
class DiagnosticsRecorder {
  public:
    explicit DiagnosticsRecorder(nn::Sequential& model);

    Tensor forward(const Tensor& input);  // the model's output, as model(input)
    void after_backward();
    EpochDiagnostics finish_epoch();  // and starts the next

  private:
    struct Watched {
        ActivationStats stats;
        Eigen::Array<bool, 1, Eigen::Dynamic> alive;  // [units], relu and leaky_relu
        double sum = 0;
        int64_t saturated = 0;
        int64_t outputs = 0;
    };
    void observe(Watched& w, const Matrix& input, const Matrix& output);

    nn::Sequential& model_;
    std::vector<std::pair<std::string, Tensor>> weights_;  // every Linear's
    std::vector<double> grad_norm_sums_;
    int64_t batches_ = 0;
    std::vector<Watched> watched_;
    std::vector<int> watch_index_;  // per layer: its entry in watched_, or -1
};

}  // namespace tinynn::app
