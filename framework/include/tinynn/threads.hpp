#pragma once

#include <optional>

namespace tinynn {

// The number of threads tinynn's matrix products (Eigen's, or OpenBLAS's with
// TINYNN_BLAS) may use. n must be >= 1; otherwise a tinynn::Error is thrown.
// The setting is process-wide: products on any thread follow it, except those
// too small to gain from threads, which always run on the calling thread
// alone. The calling thread's own OpenMP regions follow it too (OpenMP keeps
// that setting per thread).
void set_num_threads(int n);

// The current setting. The first call of set_num_threads or get_num_threads
// applies TINYNN_NUM_THREADS when it is set (a positive integer; anything else
// throws a tinynn::Error naming the variable); without it the count is
// OpenMP's default, which follows OMP_NUM_THREADS (1 without OpenMP).
int get_num_threads();

namespace detail {
// TINYNN_NUM_THREADS as read now: empty when unset, a tinynn::Error when it is
// not a positive integer. Exposed so tests can check the parsing without
// depending on which call came first in the process.
std::optional<int> num_threads_from_env();
}  // namespace detail

}  // namespace tinynn
