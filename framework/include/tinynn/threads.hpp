#pragma once

#include <optional>

namespace tinynn {

// The number of threads tinynn's matrix products (Eigen's) and OpenMP regions
// may use. n must be >= 1; otherwise a tinynn::Error is thrown. The setting is
// process-wide for Eigen, and for OpenMP it applies to the calling thread's
// later parallel regions (OpenMP keeps it per thread), so call it from the
// thread that trains.
void set_num_threads(int n);

// The current setting. The first call of set_num_threads or get_num_threads
// applies TINYNN_NUM_THREADS when it is set (a positive integer; anything else
// throws a tinynn::Error naming the variable); without it the count is
// Eigen's default, which follows OMP_NUM_THREADS.
int get_num_threads();

namespace detail {
// TINYNN_NUM_THREADS as read now: empty when unset, a tinynn::Error when it is
// not a positive integer. Exposed so tests can check the parsing without
// depending on which call came first in the process.
std::optional<int> num_threads_from_env();
}  // namespace detail

}  // namespace tinynn
