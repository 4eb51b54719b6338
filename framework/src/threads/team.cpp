#include "threads/team.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "tinynn/threads.hpp"

namespace tinynn::detail {
namespace {

// How long a worker that just ran a part waits for the next job before it
// sleeps. A training step hands out a job every few tens of microseconds;
// waking a sleeping thread through the kernel costs about as much again on
// a virtual machine.
constexpr auto kSpin = std::chrono::microseconds(300);

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

class Team {
  public:
    Team() = default;
    Team(const Team&) = delete;
    Team& operator=(const Team&) = delete;

    ~Team() { stop_workers(); }

    // False, having run nothing, when another job holds the team.
    bool try_run(int parts, PartFn part) {
        if (busy_.exchange(true, std::memory_order_acquire))
            return false;
        try {
            resize(parts - 1);
        } catch (...) {  // a thread that could not start: the next job tries again
            busy_.store(false, std::memory_order_release);
            throw;
        }
        part_ = &part;
        error_ = nullptr;
        pending_.store(parts - 1, std::memory_order_relaxed);
        // Sequentially consistent, against the worker's store to sleepers_:
        // either it sees the new job before sleeping or this sees it asleep.
        epoch_.fetch_add(1);
        if (sleepers_.load() > 0) {
            const std::lock_guard lock(mutex_);
            wake_.notify_all();
        }
        run_part(0);
        while (pending_.load(std::memory_order_acquire) > 0)
            cpu_relax();
        busy_.store(false, std::memory_order_release);
        if (error_)
            std::rethrow_exception(error_);
        return true;
    }

  private:
    void run_part(int index) {
        try {
            (*part_)(index);
        } catch (...) {
            const std::lock_guard lock(mutex_);
            if (!error_)
                error_ = std::current_exception();
        }
    }

    // Every worker runs a part of every job, so the count follows the
    // thread count (rarely changed) by starting the team afresh.
    void resize(int workers) {
        if (static_cast<int>(workers_.size()) > workers)
            stop_workers();
        while (static_cast<int>(workers_.size()) < workers) {
            const int index = static_cast<int>(workers_.size()) + 1;
            const uint64_t seen = epoch_.load();
            workers_.emplace_back([this, index, seen] { work(index, seen); });
        }
    }

    void stop_workers() {
        {
            const std::lock_guard lock(mutex_);
            stop_.store(true);
            epoch_.fetch_add(1);
        }
        wake_.notify_all();
        for (std::thread& w : workers_)
            w.join();
        workers_.clear();
        stop_.store(false);
    }

    void work(int index, uint64_t seen) {
        for (bool spin = false;; spin = true) {
            seen = wait_for_job(seen, spin);
            if (stop_.load())
                return;
            run_part(index);
            pending_.fetch_sub(1, std::memory_order_release);
        }
    }

    // Returns the new job's epoch once it differs from `seen`.
    uint64_t wait_for_job(uint64_t seen, bool spin) {
        if (spin) {
            const auto until = std::chrono::steady_clock::now() + kSpin;
            for (int i = 0;; ++i) {
                const uint64_t now = epoch_.load(std::memory_order_acquire);
                if (now != seen)
                    return now;
                cpu_relax();
                if (i % 64 == 63 && std::chrono::steady_clock::now() > until)
                    break;
            }
        }
        std::unique_lock lock(mutex_);
        sleepers_.fetch_add(1);
        wake_.wait(lock, [&] { return epoch_.load() != seen; });
        sleepers_.fetch_sub(1);
        return epoch_.load();
    }

    std::vector<std::thread> workers_;  // worker i - 1 runs part i
    std::atomic<bool> busy_{false};
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> epoch_{0};  // one more per job
    std::atomic<int> pending_{0};     // the workers' parts still running
    std::atomic<int> sleepers_{0};
    // The job: written before epoch_ moves on, read after a worker sees it.
    const PartFn* part_ = nullptr;
    std::exception_ptr error_;
    std::mutex mutex_;
    std::condition_variable wake_;
};

Team& team() {
    static Team t;
    return t;
}

}  // namespace

void run_parts(int parts, PartFn part) {
    if (parts > 1 && team().try_run(parts, part))
        return;
    for (int i = 0; i < parts; ++i)
        part(i);
}

int parts_for(double work, double serial_below) {
    // Read first in any case: the first read also puts OpenBLAS on one thread.
    const int threads = get_num_threads();
    return work < serial_below ? 1 : threads;
}

std::pair<int64_t, int64_t> part_range(int64_t n, int part, int parts, int64_t align) {
    const auto cut = [&](int i) {
        if (i >= parts)
            return n;
        const int64_t at = n * i / parts;
        return std::min(n, (at + align / 2) / align * align);
    };
    return {cut(part), cut(part + 1)};
}

}  // namespace tinynn::detail
