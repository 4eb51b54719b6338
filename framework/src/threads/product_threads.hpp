#pragma once

// Thread counts for one matrix product. Eigen splits any product over ~50,000
// multiply-adds over all its OpenMP threads, so even a batch-32 layer pays an
// OpenMP fork and join per product; on a busy 2-core machine that made a
// 2-64-64-3 MLP 500x slower at 2 threads than at 1 (bench/README.md). Small
// products therefore run on the calling thread alone.

#include <cstdint>

namespace tinynn::detail {

// Multiply-adds (rows * cols * depth) below which a product stays on one
// thread. Measured with Eigen 3.4 on 2 idle AVX-512 cores (bench/README.md):
// a second thread still loses at 4.2 million (63 us alone, 75 us on two) and
// first wins at 8.4 million (123 us, 108 us).
inline constexpr double kSerialProductWork = 8.0e6;

// While alive, the calling thread's Eigen products use one thread when the
// product of rows x depth times depth x cols is small, and tinynn's thread
// count otherwise. Per thread: Eigen asks OpenMP's per-thread
// omp_get_max_threads(), which this sets and restores, so concurrent callers
// (tinynn compare's parallel runs) do not race on a global. With
// EIGEN_USE_BLAS it does nothing: Eigen then never threads, and OpenBLAS keeps
// products of up to 262,144 multiply-adds on one thread by itself.
class ProductThreads {
  public:
    ProductThreads(int64_t rows, int64_t cols, int64_t depth);
    ~ProductThreads();
    ProductThreads(const ProductThreads&) = delete;
    ProductThreads& operator=(const ProductThreads&) = delete;

  private:
    int restore_ = 0;  // the OpenMP count to put back; 0 when unchanged
};

}  // namespace tinynn::detail
