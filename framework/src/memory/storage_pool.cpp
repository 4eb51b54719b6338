#include "memory/storage_pool.hpp"

#include "tinynn/memory.hpp"

#include <limits>
#include <mutex>
#include <vector>

namespace tinynn::detail {
namespace {

size_t bytes_of(const Matrix& m) {
    return static_cast<size_t>(m.size()) * sizeof(float);
}

class StoragePool {
  public:
    // Reserved up front so that recycle, called from destructors, never
    // allocates.
    StoragePool() { blocks_.reserve(kPooledMaxBlocks); }

    // A kept block of rows * cols floats, reshaped; empty when there is none.
    Matrix take(Eigen::Index rows, Eigen::Index cols) {
        // Newest first: the block freed last is the likeliest still in cache.
        for (size_t i = blocks_.size(); i-- > 0;) {
            if (blocks_[i].size() != rows * cols)
                continue;
            Matrix m = std::move(blocks_[i]);
            blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
            bytes_ -= bytes_of(m);
            m.resize(rows, cols);  // same size: keeps the storage
            return m;
        }
        return Matrix();
    }

    void put(Matrix& m) noexcept {
        const size_t bytes = bytes_of(m);
        if (bytes > kPooledMaxBytes) {
            m.resize(0, 0);
            return;
        }
        while (blocks_.size() == kPooledMaxBlocks || bytes_ + bytes > kPooledMaxBytes)
            drop_oldest();
        bytes_ += bytes;
        blocks_.push_back(std::move(m));
    }

    PoolContents contents() const { return {blocks_.size(), bytes_}; }

    void clear() noexcept {
        blocks_.clear();
        bytes_ = 0;
    }

  private:
    void drop_oldest() noexcept {
        bytes_ -= bytes_of(blocks_.front());
        blocks_.erase(blocks_.begin());
    }

    std::vector<Matrix> blocks_;
    size_t bytes_ = 0;
};

// Tensors can die after the pool (a static Tensor outlives it at exit); the
// flag, trivially destructible, outlives both.
bool pool_destroyed = false;
thread_local bool poison_taken = false;

struct GuardedPool {
    std::mutex mutex;
    StoragePool pool;
    ~GuardedPool() { pool_destroyed = true; }
};

GuardedPool* the_pool() noexcept {
    if (pool_destroyed)
        return nullptr;
    static GuardedPool pool;
    return &pool;
}

}  // namespace

PoisonTakenStorage::PoisonTakenStorage() : previous_(poison_taken) {
    poison_taken = true;
}
PoisonTakenStorage::~PoisonTakenStorage() {
    poison_taken = previous_;
}

Matrix take_matrix(Eigen::Index rows, Eigen::Index cols) {
    Matrix m;
    if (GuardedPool* p = rows * cols >= kPooledMinFloats ? the_pool() : nullptr) {
        const std::lock_guard lock(p->mutex);
        m = p->pool.take(rows, cols);
    }
    if (m.rows() != rows || m.cols() != cols)
        m.resize(rows, cols);
    if (poison_taken) [[unlikely]]
        m.setConstant(std::numeric_limits<float>::quiet_NaN());
    return m;
}

void recycle(Matrix& m) noexcept {
    if (GuardedPool* p = m.size() >= kPooledMinFloats ? the_pool() : nullptr) {
        const std::lock_guard lock(p->mutex);
        p->pool.put(m);
    } else {
        m.resize(0, 0);
    }
}

PoolContents pool_contents() {
    GuardedPool* p = the_pool();
    if (!p)
        return {};
    const std::lock_guard lock(p->mutex);
    return p->pool.contents();
}

}  // namespace tinynn::detail

namespace tinynn {

std::size_t cached_bytes() {
    return detail::pool_contents().bytes;
}

void release_cached_memory() {
    if (detail::GuardedPool* p = detail::the_pool()) {
        const std::lock_guard lock(p->mutex);
        p->pool.clear();
    }
}

}  // namespace tinynn
