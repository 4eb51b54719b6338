// How the thread count reaches the matrix products: small products stay on
// one thread whatever the setting, a setting made on one thread holds on the
// others (tinynn compare sets 1 once and trains on worker threads), and the
// calling thread's OpenMP setting is left as it was. No timings.

#include <thread>

#include <catch2/catch.hpp>
#include <tinynn/autograd.hpp>
#include <tinynn/nn/functional.hpp>
#include <tinynn/ops.hpp>
#include <tinynn/random.hpp>
#include <tinynn/threads.hpp>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace {

using tinynn::Matrix;
using tinynn::Tensor;

// Puts the thread count back however the test ends.
class ThreadCountGuard {
  public:
    ThreadCountGuard() : before_(tinynn::get_num_threads()) {}
    ~ThreadCountGuard() { tinynn::set_num_threads(before_); }
    ThreadCountGuard(const ThreadCountGuard&) = delete;
    ThreadCountGuard& operator=(const ThreadCountGuard&) = delete;

  private:
    int before_;
};

struct LinearStep {
    Matrix y, dx, dw, db;
};

// W2's layer: a batch of 32 through 64 -> 64, forward and backward.
LinearStep small_linear_step() {
    tinynn::manual_seed(7);
    Tensor x = tinynn::randn({32, 64}).requires_grad_();
    Tensor w = tinynn::randn({64, 64}).requires_grad_();
    Tensor b = tinynn::randn({64}).requires_grad_();
    Tensor y = tinynn::nn::functional::linear(x, w, b);
    tinynn::sum(tinynn::matmul(y, w)).backward();
    return {y.matrix(), x.grad().matrix(), w.grad().matrix(), b.grad().matrix()};
}

bool same_bits(const Matrix& a, const Matrix& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() && (a.array() == b.array()).all();
}

}  // namespace

TEST_CASE("Small products give the same bits at one and at two threads", "[threads]") {
    const ThreadCountGuard guard;
    tinynn::set_num_threads(1);
    const LinearStep one = small_linear_step();
    tinynn::set_num_threads(2);
    const LinearStep two = small_linear_step();
    CHECK(same_bits(one.y, two.y));
    CHECK(same_bits(one.dx, two.dx));
    CHECK(same_bits(one.dw, two.dw));
    CHECK(same_bits(one.db, two.db));
}

TEST_CASE("A thread count set on one thread holds on threads started later", "[threads]") {
    const ThreadCountGuard guard;
    tinynn::set_num_threads(1);
    int seen = 0;
    std::thread([&seen] { seen = tinynn::get_num_threads(); }).join();
    CHECK(seen == 1);
    tinynn::set_num_threads(3);
    std::thread([&seen] { seen = tinynn::get_num_threads(); }).join();
    CHECK(seen == 3);
}

#ifdef _OPENMP
TEST_CASE("Products leave the calling thread's OpenMP thread count as it was", "[threads]") {
    const ThreadCountGuard guard;
    tinynn::set_num_threads(2);
    REQUIRE(omp_get_max_threads() == 2);
    (void)small_linear_step();  // below the threshold
    (void)tinynn::matmul(tinynn::randn({256, 256}), tinynn::randn({256, 256}));  // above it
    CHECK(omp_get_max_threads() == 2);
}
#endif
