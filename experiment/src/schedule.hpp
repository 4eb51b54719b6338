#pragma once

// The runs of one compare as run_compare hands them out (runs.hpp): which
// starts next, and each ended run passed on in run order. Shared by the
// worker threads of this process and, on rank 0, by the thread serving the
// other ranks (compare_ranks.hpp).

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "tinynn/experiment/runs.hpp"

namespace tinynn::experiment {

class RunSchedule {
  public:
    // `window`: how many ended runs may wait for an earlier one before no
    // further run starts (kWaitingRunsPerJob per worker).
    RunSchedule(size_t runs, const CompareOptions& options, size_t window);

    struct Next {
        enum class Kind { run, later, none } kind = Kind::none;
        size_t index = 0;  // with run
    };
    // The next run to start. `later` (only when not `wait`): the window is
    // full for now. `none`: every run has started, or a run failed or a stop
    // was requested. With `wait`, waits for the window instead.
    Next next(bool wait);
    // Passes an ended run to on_run_done, and every run now next in order to
    // on_run_in_order.
    void ended(RunOutcome outcome);
    // Run `index` threw `error`: no further run starts.
    void failed(size_t index, std::exception_ptr error);
    // Whether runs should stop: a run failed, or the caller asked.
    bool stopping() const;
    // The error of the earliest run that failed, if any.
    void rethrow_first_error() const;

  private:
    const size_t runs_, window_;
    const CompareOptions& options_;
    mutable std::mutex mutex_;  // guards everything below, and the callbacks
    std::condition_variable turn_;
    size_t next_start_ = 0;                 // the next run to start
    size_t next_ordered_ = 0;               // the next run for on_run_in_order
    std::map<size_t, RunOutcome> waiting_;  // ended, not yet taken in order
    size_t done_ = 0;
    bool failed_ = false;
    std::exception_ptr first_error_;
    size_t first_error_index_;
};

}  // namespace tinynn::experiment
