#include "tinynn/threads.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "tinynn/error.hpp"

#ifdef TINYNN_OPENBLAS
extern "C" void openblas_set_num_threads(int n);
#endif

namespace tinynn {

namespace {

constexpr const char* kEnvName = "TINYNN_NUM_THREADS";

std::atomic<int> num_threads{0};

void check_count(int n, const std::string& what) {
    if (n < 1)
        throw Error(what + " must be a positive number of threads, got " + std::to_string(n));
}

void apply(int n) {
    num_threads.store(n);
#ifdef TINYNN_OPENBLAS
    // tinynn cuts the products over its own threads (threads/team.hpp), so
    // each OpenBLAS call stays on the thread that makes it.
    openblas_set_num_threads(1);
#endif
}

int default_count() {
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Applies the environment (or the default) once, on the first use of either
// entry point, so a program that never asks still gets the variable's count.
void apply_env_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        const auto n = detail::num_threads_from_env();
        apply(n ? *n : default_count());
    });
}

}  // namespace

namespace detail {

std::optional<int> num_threads_from_env() {
    const char* value = std::getenv(kEnvName);
    if (value == nullptr || *value == '\0')
        return std::nullopt;
    errno = 0;
    char* end = nullptr;
    const long n = std::strtol(value, &end, 10);
    if (*end != '\0' || errno == ERANGE || n < 1 || n > INT_MAX)
        throw Error(std::string(kEnvName) + " must be a positive integer, got '" + value + "'");
    return static_cast<int>(n);
}

}  // namespace detail

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
