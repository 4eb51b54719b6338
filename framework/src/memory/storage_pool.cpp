#include "memory/storage_pool.hpp"

#include "memory/small_blocks.hpp"

#include "tinynn/memory.hpp"

#include <cstdint>
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

    // Moves a kept block of rows * cols floats into the empty m; false when
    // there is none.
    bool take(Matrix& m, Eigen::Index rows, Eigen::Index cols) {
        // Newest first: the block freed last is the likeliest still in cache.
        for (size_t i = blocks_.size(); i-- > 0;) {
            if (blocks_[i].size() != rows * cols)
                continue;
            m.swap(blocks_[i]);
            blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
            bytes_ -= bytes_of(m);
            return true;
        }
        return false;
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

// Small storage stays with the thread that freed it, for the next
// take_matrix of the same size there. A toy model's training step frees and
// takes the same dozen or so small matrices every step (W1: 13 a step), and
// from glibc each pair cost ~110 instructions (bench/README.md, the per-step
// profile). Sizes hash to buckets of a few slots each, so a take or a put
// looks at a handful of slots (a ring of 32 searched in turn cost more than
// malloc). No lock: each thread has its own.
class SmallCache {
  public:
    static constexpr Eigen::Index kMaxFloats = 4096;  // 16 KiB; larger goes to malloc or the pool
    static constexpr size_t kBuckets = 64;
    static constexpr size_t kDepth = 8;
    static constexpr Eigen::Index kMaxKeptFloats = 256 * 1024;  // 1 MiB a thread

    // As StoragePool::take.
    bool take(Matrix& m, Eigen::Index size) {
        Bucket& bucket = buckets_[bucket_of(size)];
        for (size_t k = 0; k < kDepth; ++k) {
            if (bucket.sizes[k] != size)
                continue;
            m.swap(bucket.slots[k]);
            bucket.sizes[k] = 0;
            kept_ -= size;
            return true;
        }
        return false;
    }

    // Keeps m's storage when its bucket has a free slot and the thread keeps
    // under kMaxKeptFloats; frees it otherwise.
    void put(Matrix& m) noexcept {
        const Eigen::Index size = m.size();
        Bucket& bucket = buckets_[bucket_of(size)];
        for (size_t k = 0; k < kDepth && kept_ + size <= kMaxKeptFloats; ++k) {
            if (bucket.sizes[k] != 0)
                continue;
            bucket.sizes[k] = size;
            bucket.slots[k].swap(m);
            kept_ += size;
            return;
        }
        m.resize(0, 0);
    }

    void clear() noexcept {
        for (Bucket& bucket : buckets_)
            for (size_t k = 0; k < kDepth; ++k) {
                bucket.slots[k].resize(0, 0);
                bucket.sizes[k] = 0;
            }
        kept_ = 0;
    }

    ~SmallCache() { destroyed = true; }

    // Set once the thread's cache is gone (storage freed later at thread
    // exit goes to malloc). Trivially destructible, so it outlives the cache.
    static thread_local bool destroyed;

  private:
    struct Bucket {
        Eigen::Index sizes[kDepth] = {};  // 0: the slot is empty
        Matrix slots[kDepth];
    };

    // Fibonacci hashing: sizes that are multiples of 64 (common) spread out.
    static size_t bucket_of(Eigen::Index size) {
        return static_cast<size_t>((static_cast<uint64_t>(size) * 0x9E3779B97F4A7C15ull) >> 58);
    }

    Bucket buckets_[kBuckets];
    Eigen::Index kept_ = 0;  // floats in the slots
};

thread_local bool SmallCache::destroyed = false;
thread_local SmallCache small_cache;

bool is_small(Eigen::Index size) {
    return kKeepFreedMemory && size > 0 && size <= SmallCache::kMaxFloats && !SmallCache::destroyed;
}

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
    // One Matrix, returned in place, and storage swapped into it: a toy
    // model's step takes a dozen (W1: 11), so each move or free(nullptr)
    // showed in the profile.
    Matrix m;
    const Eigen::Index size = rows * cols;
    if (is_small(size)) {
        small_cache.take(m, size);
    } else if (GuardedPool* p = size >= kPooledMinFloats ? the_pool() : nullptr) {
        const std::lock_guard lock(p->mutex);
        p->pool.take(m, rows, cols);
    }
    // A kept block usually comes back in the shape it left; resizing it to
    // another of the same size keeps its storage.
    if (m.rows() != rows || m.cols() != cols)
        m.resize(rows, cols);
    if (poison_taken) [[unlikely]]
        m.setConstant(std::numeric_limits<float>::quiet_NaN());
    return m;
}

void recycle_storage(Matrix& m) noexcept {
    if (is_small(m.size()))
        small_cache.put(m);
    else if (GuardedPool* p = m.size() >= kPooledMinFloats ? the_pool() : nullptr) {
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
    if (!detail::SmallCache::destroyed)
        detail::small_cache.clear();
    if (detail::GuardedPool* p = detail::the_pool()) {
        const std::lock_guard lock(p->mutex);
        p->pool.clear();
    }
}

}  // namespace tinynn
