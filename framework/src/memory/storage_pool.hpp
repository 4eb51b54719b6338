#pragma once

// Large tensor storage is recycled instead of going back to malloc
// (tinynn/memory.hpp). glibc returns freed blocks of a few MiB to the
// OS, so a training loop that frees its activations and gradients at the end
// of every step page-faults the same memory back in, zeroed by the kernel, on
// the next one: the 1024-wide MLP of bench/README.md (W4) spent a third of its
// time there.

#include "tinynn/tensor.hpp"

namespace tinynn::detail {

// Smaller blocks come from glibc's own free lists, which never reach the OS.
inline constexpr Eigen::Index kPooledMinFloats = 16 * 1024;  // 64 KiB
// Several times the working set of a step of the models tinynn is for (W4's
// is ~30 MiB); past either limit the oldest block is freed. One pool for the
// process, behind a mutex: blocks this large take far longer to fill than
// the lock, and storage freed on another thread than the one that took it
// (compare's workers, a tensor handed between threads) comes back to the
// same place.
inline constexpr size_t kPooledMaxBytes = size_t{256} << 20;
inline constexpr size_t kPooledMaxBlocks = 64;

// A rows x cols matrix with unspecified contents, in recycled storage of the
// same number of floats when the pool holds some.
Matrix take_matrix(Eigen::Index rows, Eigen::Index cols);

// A coefficient-wise expression evaluated into take_matrix storage (a
// product would go through a temporary: assign it with noalias() instead).
template <class Expr>
Matrix evaluate_pooled(const Eigen::MatrixBase<Expr>& expr) {
    Matrix m = take_matrix(expr.rows(), expr.cols());
    m = expr;
    return m;
}

// Keeps m's storage for a later take_matrix, or frees it when it is small or
// too large for the pool; m is left empty.
void recycle_storage(Matrix& m) noexcept;
// As recycle_storage; inline, because a step's engine hands back as many
// empty matrices (gradients it moved on) as full ones.
inline void recycle(Matrix& m) noexcept {
    if (m.size() != 0)
        recycle_storage(m);
}

// What the pool holds now.
struct PoolContents {
    size_t blocks = 0;
    size_t bytes = 0;
};
PoolContents pool_contents();

// While alive, take_matrix on this thread fills what it returns with NaN, so
// a test can show that no op reads storage it has not written.
class PoisonTakenStorage {
  public:
    PoisonTakenStorage();
    ~PoisonTakenStorage();
    PoisonTakenStorage(const PoisonTakenStorage&) = delete;
    PoisonTakenStorage& operator=(const PoisonTakenStorage&) = delete;

  private:
    bool previous_;
};

}  // namespace tinynn::detail
