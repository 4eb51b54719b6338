#pragma once

#include "tinynn/experiment/metrics.hpp"
#include "tinynn/nn/module.hpp"

namespace tinynn::experiment {

// Hooks into fit(), each a no-op unless overridden. Called in the order the
// callbacks were given.
class Callback {
  public:
    virtual ~Callback() = default;
    virtual void on_train_begin(nn::Module& /*model*/) {}
    virtual void on_batch_begin(TrainState& /*state*/) {}
    // After backward, before the optimiser step: the gradients are in.
    virtual void on_after_backward(nn::Module& /*model*/, TrainState& /*state*/) {}
    virtual void on_batch_end(TrainState& /*state*/) {}
    // A finite epoch, test metrics in; a callback may add to `metrics`.
    virtual void on_epoch_end(EpochMetrics& /*metrics*/, TrainState& /*state*/) {}
    // After the epoch is recorded and the schedule has stepped: everything is
    // as the next epoch starts from, which is what a checkpoint saves.
    virtual void on_epoch_complete(const EpochMetrics& /*metrics*/, const TrainState& /*state*/) {}
    virtual void on_train_end(nn::Module& /*model*/, const TrainResult& /*result*/) {}
};

}  // namespace tinynn::experiment
