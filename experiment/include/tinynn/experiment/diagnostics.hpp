#pragma once

// Per-epoch measurements that show why an activation trains well or badly
// (metrics.hpp: gradient flow through the layers, dead ReLU units, saturated
// sigmoid/tanh units and whether hidden outputs are centred on zero), as a
// training callback that watches any module through forward hooks: every
// Linear's weight gradient, and every activation module (nn::activation_of)
// whose output is not the model's own output. It reads the training passes
// themselves, so it costs a few reductions per batch and nothing when off.
//
// Given a Probe, it also measures at each epoch's end, in eval mode and on
// the probe's fixed rows, each hidden activation's distribution (ProbeStats:
// percentiles, histograms of outputs and of back-propagated gradients, each
// unit's firing frequency). That costs one forward and backward pass over
// the probe rows per epoch, and leaves the training untouched: no parameter's
// grad, no running statistic and no random number is used.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tinynn/experiment/callback.hpp"

namespace tinynn::experiment {

class Diagnostics : public Callback {
  public:
    struct Probe {
        Tensor features;  // [rows, inputs], as the model takes them
        Tensor targets;   // as `loss` takes them
        std::function<Tensor(const Tensor& output, const Tensor& targets)> loss{};
        // ProbeStats' histograms and firing frequencies too. Without them the
        // probe takes no backward pass: compare draws them for one run of
        // each activation, and measures the rest without.
        bool histograms = true;
    };
    // At most this many rows make a probe (Glorot & Bengio used 300).
    static constexpr int64_t kProbeRows = 256;

    Diagnostics();
    // With a probe: ActivationStats::probe is filled at every epoch's end.
    explicit Diagnostics(Probe probe);
    ~Diagnostics() override;

    void on_train_begin(nn::Module& model) override;
    void on_batch_begin(TrainState& state) override;
    void on_after_backward(nn::Module& model, TrainState& state) override;
    void on_batch_end(TrainState& state) override;
    void on_epoch_end(EpochMetrics& metrics, TrainState& state) override;
    void on_train_end(nn::Module& model, const TrainResult& result) override;

    // The epoch so far, and starts the next (on_epoch_end uses it).
    EpochDiagnostics finish_epoch();

  private:
    struct Watched {
        ActivationStats stats;
        nn::UnitHealth health = nn::UnitHealth::none;
        float low = 0, high = 0;  // output range, for saturation
        bool is_output = false;   // its output is the model's: a prediction, not a unit
        // [units], dead_* kinds: 1 once a unit was alive (bytes, not bool,
        // which the compiler cannot vectorise)
        Eigen::Array<uint8_t, 1, Eigen::Dynamic> alive;
        double sum = 0;
        int64_t saturated = 0;
        int64_t outputs = 0;
        std::optional<ProbeStats> probe;  // this epoch's, when there is a probe
    };
    struct Seen {
        size_t watched;
        Tensor input, output;
    };
    // Buffers kept from one batch or epoch to the next (diagnostics.cpp).
    struct Scratch;
    // Counts the training forward's activation calls (seen_) into watched_.
    void observe_forward(const Tensor& model_output);
    // Fills each hidden layer's Watched::probe from one pass over the probe.
    void measure_probe();

    Probe probe_;
    nn::Module* model_ = nullptr;
    std::vector<std::pair<std::string, Tensor>> weights_;  // every Linear's
    std::vector<double> grad_norm_sums_;
    std::vector<Matrix> before_step_;   // each weight before this batch's step
    std::vector<double> before_norms_;  // and its norm
    std::vector<double> update_ratio_sums_;
    int64_t batches_ = 0, steps_ = 0;
    std::vector<Watched> watched_;
    std::vector<Seen> seen_;  // this forward's activation calls, judged when it returns
    bool armed_ = false;      // only the training forward passes count
    bool probing_ = false;    // the probe's forward pass: seen_ is kept for measure_probe
    std::vector<nn::HookHandle> hooks_;
    std::unique_ptr<Scratch> scratch_;
};

}  // namespace tinynn::experiment
