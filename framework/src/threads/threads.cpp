#include "tinynn/threads.hpp"

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <mutex>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "threads/product_threads.hpp"
#include "tinynn/error.hpp"

#ifdef TINYNN_OPENBLAS
extern "C" void openblas_set_num_threads(int n);
#endif

namespace tinynn {

namespace {

constexpr const char* kEnvName = "TINYNN_NUM_THREADS";

// tinynn's own copy of the count, rather than Eigen::setNbThreads: Eigen's
// setting is a plain global that overrides OpenMP's per-thread one, so a
// product could not be held to one thread without racing other threads.
std::atomic<int> num_threads{0};

void check_count(int n, const std::string& what) {
    if (n < 1)
        throw Error(what + " must be a positive number of threads, got " + std::to_string(n));
}

void apply(int n) {
    num_threads.store(n);
#ifdef _OPENMP
    // The calling thread's own OpenMP regions follow the setting too.
    omp_set_num_threads(n);
#endif
#ifdef TINYNN_OPENBLAS
    // With EIGEN_USE_BLAS the products are OpenBLAS's, which threads itself
    // (and keeps products too small to gain from it on one thread).
    openblas_set_num_threads(n);
#endif
}

int default_count() {
#ifdef _OPENMP
    return omp_get_max_threads();  // OMP_NUM_THREADS, or the number of cores
#else
    return 1;
#endif
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

ProductThreads::ProductThreads([[maybe_unused]] int64_t rows, [[maybe_unused]] int64_t cols,
                               [[maybe_unused]] int64_t depth) {
#if defined(_OPENMP) && !defined(EIGEN_USE_BLAS)
    const double work =
        static_cast<double>(rows) * static_cast<double>(cols) * static_cast<double>(depth);
    const int wanted = work < kSerialProductWork ? 1 : get_num_threads();
    const int current = omp_get_max_threads();
    if (wanted != current) {
        omp_set_num_threads(wanted);
        restore_ = current;
    }
#endif
}

ProductThreads::~ProductThreads() {
#ifdef _OPENMP
    if (restore_ > 0)
        omp_set_num_threads(restore_);
#endif
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
