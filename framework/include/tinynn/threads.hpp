#pragma once

#include <optional>

namespace tinynn {

// The number of threads tinynn's matrix products, linear layers and optimiser
// steps are cut over (the caller and n - 1 threads tinynn keeps). n must be
// >= 1; otherwise a tinynn::Error is thrown. The setting is process-wide:
// work on any thread follows it, except work too small to gain from threads,
// which always runs on the calling thread alone, as does work started while
// the threads are busy with another thread's. OpenBLAS's own threads are not
// used (each product is cut by tinynn).
void set_num_threads(int n);

// The current setting. The first call of set_num_threads or get_num_threads
// applies TINYNN_NUM_THREADS when it is set (a positive integer; anything else
// throws a tinynn::Error naming the variable); without it the count is the
// number of cores (std::thread::hardware_concurrency).
int get_num_threads();

namespace detail {
// TINYNN_NUM_THREADS as read now: empty when unset, a tinynn::Error when it is
// not a positive integer. Exposed so tests can check the parsing without
// depending on which call came first in the process.
std::optional<int> num_threads_from_env();
}  // namespace detail

}  // namespace tinynn
