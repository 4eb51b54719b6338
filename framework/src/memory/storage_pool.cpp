#include "memory/storage_pool.hpp"

#include "tinynn/memory.hpp"

#include <limits>
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
        return Matrix(rows, cols);
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

// Tensors can die after this thread's pool (a static Tensor outlives the main
// thread's thread_locals); the flag, trivially destructible, outlives both.
thread_local bool pool_destroyed = false;
thread_local bool poison_taken = false;

struct ThreadPool {
    StoragePool pool;
    ~ThreadPool() { pool_destroyed = true; }
};

StoragePool* this_thread_pool() noexcept {
    if (pool_destroyed)
        return nullptr;
    thread_local ThreadPool holder;
    return &holder.pool;
}

}  // namespace

PoisonTakenStorage::PoisonTakenStorage() : previous_(poison_taken) {
    poison_taken = true;
}
PoisonTakenStorage::~PoisonTakenStorage() {
    poison_taken = previous_;
}

Matrix take_matrix(Eigen::Index rows, Eigen::Index cols) {
    StoragePool* pool = rows * cols >= kPooledMinFloats ? this_thread_pool() : nullptr;
    Matrix m = pool ? pool->take(rows, cols) : Matrix(rows, cols);
    if (poison_taken) [[unlikely]]
        m.setConstant(std::numeric_limits<float>::quiet_NaN());
    return m;
}

void recycle(Matrix& m) noexcept {
    StoragePool* pool = m.size() >= kPooledMinFloats ? this_thread_pool() : nullptr;
    if (pool)
        pool->put(m);
    else
        m.resize(0, 0);
}

PoolContents pool_contents() {
    StoragePool* pool = this_thread_pool();
    return pool ? pool->contents() : PoolContents{};
}

}  // namespace tinynn::detail

namespace tinynn {

std::size_t cached_bytes() {
    return detail::pool_contents().bytes;
}

void release_cached_memory() {
    if (detail::StoragePool* pool = detail::this_thread_pool())
        pool->clear();
}

}  // namespace tinynn
