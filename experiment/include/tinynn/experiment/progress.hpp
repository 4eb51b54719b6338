#pragma once

#include <chrono>
#include <cstdint>

#include "tinynn/experiment/callback.hpp"

namespace tinynn::experiment {

// What a person sees while a run trains, as a training callback: on a
// terminal, one live line on stderr (epoch, loss, samples/s, ETA);
// elsewhere one log line on stdout every `log_every` epochs (and the last).
// Quiet shows nothing.
class Progress : public Callback {
  public:
    Progress(int64_t epochs, int64_t log_every, bool quiet);
    void on_epoch_end(EpochMetrics& metrics, TrainState& state) override;
    void on_train_end(nn::Module& model, const TrainResult& result) override;  // ends the live line

  private:
    int64_t epochs_;
    int64_t log_every_;
    bool quiet_;
    bool live_;
    bool line_open_ = false;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace tinynn::experiment
