#include "tinynn/threads.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "tinynn/error.hpp"

#ifdef TINYNN_OPENBLAS
extern "C" void openblas_set_num_threads(int n);
// Ends OpenBLAS's worker threads; OpenBLAS starts them again if a later call
// asks for more than one thread. Weak: OpenBLAS's serial build has no pool.
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));
#endif

namespace tinynn {

namespace {

constexpr const char* kEnvName = "TINYNN_NUM_THREADS";
// As the command's --threads: enough for any machine tinynn's products gain
// on, and far below the process limits a mistyped count would exhaust.
constexpr int kMaxThreads = 1024;
// The variable's value as a message quotes it.
constexpr size_t kValueLength = 40;

std::atomic<int> num_threads{0};

void check_count(int n, const std::string& what) {
    if (n < 1 || n > kMaxThreads)
        throw Error(what + " must be a number of threads from 1 to " + std::to_string(kMaxThreads) +
                    ", got " + std::to_string(n));
}

void apply(int n) {
    num_threads.store(n);
#ifdef TINYNN_OPENBLAS
    // tinynn cuts the products over its own threads (threads/team.hpp), so
    // each OpenBLAS call stays on the thread that makes it. OpenBLAS started
    // its pool when it was loaded, one thread per core, and an idle worker
    // polls with sched_yield for its first ~0.1 s: in a W1 benchmark process
    // it took 44 % of the process's samples and a core of a two-core machine
    // (bench/README.md). With one thread asked for, the pool has no use.
    // Once: openblas_set_num_threads starts an ended pool again.
    static std::once_flag one_thread;
    std::call_once(one_thread, [] {
        openblas_set_num_threads(1);
        if (blas_thread_shutdown_)
            blas_thread_shutdown_();
    });
#endif
}

int default_count() {
    return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, kMaxThreads);
}

// Applies the environment (or the default) once, on the first use of either
// entry point, so a program that never asks still gets the variable's count.
void apply_env_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        const auto n = num_threads_from_environment();
        apply(n ? *n : default_count());
    });
}

}  // namespace

std::optional<int> num_threads_from_environment() {
    const char* value = std::getenv(kEnvName);
    if (value == nullptr)
        return std::nullopt;
    // Digits only: from_chars alone would take a sign, and strtol spaces too.
    const std::string_view text(value);
    int n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos ||
        ec != std::errc() || end != text.data() + text.size() || n < 1 || n > kMaxThreads)
        throw Error(std::string(kEnvName) + " must be a whole number of threads from 1 to " +
                    std::to_string(kMaxThreads) + ", got '" + escape_text(text, kValueLength) +
                    "'");
    return n;
}

void set_num_threads(int n) {
    check_count(n, "set_num_threads");
    // The environment first, so an explicit call always wins over it.
    apply_env_once();
    apply(n);
}

int get_num_threads() {
    apply_env_once();
    return num_threads.load();
}

}  // namespace tinynn
