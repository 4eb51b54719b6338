#pragma once

#include <optional>

namespace tinynn {

// The number of threads tinynn's matrix products, linear layers and optimiser
// steps are cut over (the caller and n - 1 threads tinynn keeps). n must be
// from 1 to 1024 (more would only exhaust the process limit of a shared
// machine); otherwise a tinynn::Error is thrown. The setting is process-wide:
// work on any thread follows it, except work too small to gain from threads,
// which always runs on the calling thread alone, as does work started while
// the threads are busy with another thread's. OpenBLAS's own threads are not
// used (each product is cut by tinynn).
void set_num_threads(int n);

// The current setting. The first call of set_num_threads or get_num_threads
// applies TINYNN_NUM_THREADS when it is set (see below); without it the count
// is the number of cores (std::thread::hardware_concurrency).
int get_num_threads();

// TINYNN_NUM_THREADS as read now: empty when unset; when set, a whole number
// from 1 to 1024, as set_num_threads takes. Anything else (empty, 0, a word,
// 99999999) throws a tinynn::Error naming the variable and its value. A
// program can call it first thing, to refuse a bad value before any work.
std::optional<int> num_threads_from_environment();

}  // namespace tinynn
