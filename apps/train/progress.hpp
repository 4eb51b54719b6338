#pragma once

#include <chrono>
#include <cstdint>

#include "apps/train/trainer.hpp"

namespace tinynn::app {

// What a person sees while a run trains: on a terminal, one live line on
// stderr (epoch, loss, samples/s, ETA); elsewhere one log line on stdout
// every `log_every` epochs (and the last). Quiet shows nothing.
class Progress {
  public:
    Progress(int64_t epochs, int64_t log_every, bool quiet);
    void update(const EpochMetrics& metrics, double samples_per_second);
    void finish();  // ends the live line

  private:
    int64_t epochs_;
    int64_t log_every_;
    bool quiet_;
    bool live_;
    bool line_open_ = false;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace tinynn::app
