#include "threads/team.hpp"

#ifdef __linux__
#include <sched.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "tinynn/threads.hpp"

namespace tinynn::detail {
namespace {

// How long a worker that just ran a part waits for the next job before it
// sleeps. A training step hands out a job every few tens of microseconds;
// waking a sleeping thread through the kernel costs about as much again on
// a virtual machine.
constexpr auto kSpin = std::chrono::microseconds(300);

// One turn of a wait loop. After the first few thousand turns (tens of
// microseconds) it also gives the core away: the thread waited for may have
// been put on this same core, where a plain spin keeps it from running until
// the scheduler's next tick (seen here: steps 2x slower for ~100 ms).
class Backoff {
  public:
    void pause() {
        if (turns_ < kSpinTurns) {
            ++turns_;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        } else {
            std::this_thread::yield();
        }
    }

  private:
    static constexpr int kSpinTurns = 2000;
    int turns_ = 0;
};

// The core the calling thread runs on, or -1 where that cannot be told.
int current_cpu() {
#ifdef __linux__
    return sched_getcpu();
#else
    return -1;
#endif
}

// Moves the calling thread off `cpu` to another core it may run on, and
// leaves it free to move again later. A worker that starts while another
// thread of the process spins (OpenBLAS's own, for its first ~0.1 s) is put
// on the caller's core, and the scheduler took ~100 ms to move one of them
// (steps 1.5x slower meanwhile); there the two parts of every job take
// turns on one core.
void move_off(int cpu) {
#ifdef __linux__
    cpu_set_t allowed;
    if (cpu < 0 || sched_getaffinity(0, sizeof allowed, &allowed) != 0 ||
        !CPU_ISSET(cpu, &allowed) || CPU_COUNT(&allowed) < 2)
        return;
    cpu_set_t others = allowed;
    CPU_CLR(cpu, &others);
    if (sched_setaffinity(0, sizeof others, &others) == 0)
        sched_setaffinity(0, sizeof allowed, &allowed);
#else
    (void)cpu;
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
        done_.store(0, std::memory_order_relaxed);
        caller_cpu_.store(current_cpu(), std::memory_order_relaxed);
        // Sequentially consistent, against the worker's store to sleepers_:
        // either it sees the new job before sleeping or this sees it asleep.
        const uint64_t job = epoch_.fetch_add(1) + 1;
        if (sleepers_.load() > 0) {
            const std::lock_guard lock(mutex_);
            wake_.notify_all();
        }
        run_part(0);
        // A part its worker has not started by now is run here: that thread
        // is asleep, or the machine has taken its core away for a while
        // (seen here: 35 ms), and waiting for it would stall the caller.
        for (int i = 1; i < parts; ++i) {
            if (claim(i, job))
                run_part(i);
        }
        for (Backoff wait; done_.load(std::memory_order_acquire) < parts;)
            wait.pause();
        // Taken before the team is free: the next job resets it.
        const std::exception_ptr error = std::exchange(error_, nullptr);
        busy_.store(false, std::memory_order_release);
        if (error)
            std::rethrow_exception(error);
        return true;
    }

  private:
    // Part `index` of job `job` for the caller; false when already taken.
    bool claim(int index, uint64_t job) {
        std::atomic<uint64_t>& c = claimed_[static_cast<size_t>(index)];
        uint64_t last = c.load();
        return last < job && c.compare_exchange_strong(last, job);
    }

    void run_part(int index) {
        try {
            (*part_)(index);
        } catch (...) {
            const std::lock_guard lock(mutex_);
            if (!error_)
                error_ = std::current_exception();
        }
        done_.fetch_add(1, std::memory_order_release);
    }

    // Worker i tries part i of every job, so the count follows the thread
    // count (rarely changed) by starting the team afresh.
    void resize(int workers) {
        if (static_cast<int>(workers_.size()) == workers)
            return;
        stop_workers();
        claimed_ = std::vector<std::atomic<uint64_t>>(static_cast<size_t>(workers) + 1);
        const uint64_t seen = epoch_.load();
        for (int index = 1; index <= workers; ++index)
            workers_.emplace_back([this, index, seen] { work(index, seen); });
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
            // A worker that saw a job late finds its part taken (or the job
            // over, and its part taken for it).
            if (claim(index, seen)) {
                const int caller = caller_cpu_.load(std::memory_order_relaxed);
                if (caller >= 0 && current_cpu() == caller)
                    move_off(caller);
                run_part(index);
            }
        }
    }

    // Returns the new job's epoch once it differs from `seen`.
    uint64_t wait_for_job(uint64_t seen, bool spin) {
        if (spin) {
            const auto until = std::chrono::steady_clock::now() + kSpin;
            Backoff wait;
            for (int i = 0;; ++i) {
                const uint64_t now = epoch_.load(std::memory_order_acquire);
                if (now != seen)
                    return now;
                wait.pause();
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

    std::vector<std::thread> workers_;            // worker i - 1 tries part i
    std::vector<std::atomic<uint64_t>> claimed_;  // per part: the last job it was taken in
    std::atomic<bool> busy_{false};
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> epoch_{0};  // one more per job
    std::atomic<int> done_{0};        // the job's parts finished
    std::atomic<int> sleepers_{0};
    std::atomic<int> caller_cpu_{-1};  // the core the job's caller was on
    // The job: written before epoch_ moves on, read by whoever claims a part.
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
