#pragma once

// Compare over MPI ranks (SPEC §8, distributed.hpp): rank 0 hands the runs
// out one at a time to whichever worker thread of another rank asks next
// (runs differ in length), takes their epochs and outcomes back as they end,
// and folds them in with its own (RunSchedule), so it writes the same files
// as one process. The other ranks write nothing.

#include <functional>

#include "schedule.hpp"

namespace tinynn::experiment {

// Trains run `index` with `options` (its on_epoch and stop_requested).
using RunOne = std::function<RunOutcome(size_t index, const CompareOptions& options)>;

// On rank 0, beside its own workers: serves the other ranks' `jobs` worker
// threads each until every one of them has been told there is no more work
// and every run handed out has come back.
void hand_out_runs(RunSchedule& schedule, const CompareOptions& options, int jobs);

// On any other rank: `jobs` threads each ask rank 0 for a run, train it
// with `run`, and send its epochs as they end and its outcome (or its error)
// when it ends, until rank 0 says there is no more.
void serve_runs(const RunOne& run, const CompareOptions& options, int jobs);

}  // namespace tinynn::experiment
