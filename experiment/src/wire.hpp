#pragma once

// A compare run's epochs and outcome as bytes, to travel from the rank that
// trained it to rank 0 (distributed.hpp). Numbers keep their exact bits, so
// rank 0 writes the same files as one process would. Bytes that do not read
// back (a truncated or foreign message) throw tinynn::Error.

#include <string>
#include <string_view>

#include "tinynn/experiment/runs.hpp"

namespace tinynn::experiment::wire {

std::string to_bytes(const EpochMetrics& epoch);
EpochMetrics epoch_from(std::string_view bytes);

std::string to_bytes(const RunOutcome& run);
RunOutcome run_from(std::string_view bytes);

}  // namespace tinynn::experiment::wire
