#include "tinynn/threads.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <mutex>
#include <string>

#include <Eigen/Core>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "tinynn/error.hpp"

namespace tinynn {

namespace {

constexpr const char* kEnvName = "TINYNN_NUM_THREADS";

void check_count(int n, const std::string& what) {
    if (n < 1)
        throw Error(what + " must be a positive number of threads, got " + std::to_string(n));
}

void apply(int n) {
    // Eigen's products read their own setting; the library's OpenMP loops
    // (if any) read OpenMP's, so both are set to keep them in agreement.
    Eigen::setNbThreads(n);
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
}

// Applies the environment once, on the first use of either entry point, so a
// program that never asks still gets the variable's count on its first call.
void apply_env_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (const auto n = detail::num_threads_from_env())
            apply(*n);
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
    return Eigen::nbThreads();
}

}  // namespace tinynn
