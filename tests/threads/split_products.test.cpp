// How the thread count reaches the matrix products and the optimiser: small
// ones stay on one thread (same bits at any count), large ones are cut over
// the team and agree with one thread to round-off, element-wise updates to
// the bit, and a setting made on one thread holds on the others (tinynn
// compare sets 1 once and trains on worker threads). No timings.

#include <thread>

#include <catch2/catch.hpp>
#include <tinynn/autograd.hpp>
#include <tinynn/nn/functional.hpp>
#include <tinynn/ops.hpp>
#include <tinynn/optim/sgd.hpp>
#include <tinynn/random.hpp>
#include <tinynn/threads.hpp>

#include "support/approx.hpp"
#include "threads/team.hpp"

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
    Tensor y, dx, dw, db;
};

// A layer x [batch, in] -> [batch, out], forward and backward through a
// matmul by a vector, so both ops' splits are exercised.
LinearStep linear_step(int64_t batch, int64_t in, int64_t out) {
    tinynn::manual_seed(7);
    Tensor x = tinynn::randn({batch, in}).requires_grad_();
    Tensor w = tinynn::randn({out, in}).requires_grad_();
    Tensor b = tinynn::randn({out}).requires_grad_();
    Tensor v = tinynn::randn({out});
    Tensor y = tinynn::nn::functional::linear(x, w, b);
    tinynn::sum(tinynn::matmul(y, v)).backward();
    return {y.detach(), x.grad(), w.grad(), b.grad()};
}

bool same_bits(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() && a.to_vector() == b.to_vector();
}

void check_same_bits(const LinearStep& a, const LinearStep& b) {
    CHECK(same_bits(a.y, b.y));
    CHECK(same_bits(a.dx, b.dx));
    CHECK(same_bits(a.dw, b.dw));
    CHECK(same_bits(a.db, b.db));
}

}  // namespace

TEST_CASE("Small products give the same bits at one and at two threads", "[threads]") {
    const ThreadCountGuard guard;
    tinynn::set_num_threads(1);
    const LinearStep one = linear_step(32, 64, 64);  // W2's layer
    tinynn::set_num_threads(2);
    const LinearStep two = linear_step(32, 64, 64);
    check_same_bits(one, two);
}

TEST_CASE("Products cut over threads agree with one thread", "[threads]") {
    const ThreadCountGuard guard;
    // 128 x 300 x 260: above the split threshold, and 260 and 300 are not
    // multiples of the 16-float cuts.
    tinynn::set_num_threads(1);
    const LinearStep one = linear_step(128, 300, 260);
    for (int threads : {2, 3}) {
        INFO(threads << " threads");
        tinynn::set_num_threads(threads);
        const LinearStep many = linear_step(128, 300, 260);
        // Every value here is a sum of 128 to 300 terms of size ~1 and
        // reaches ~10-20: float round-off in another order is ~1e-5 of that,
        // whatever the value it cancels down to.
        const double atol = 2e-4;
        tinynn::test::check_close(many.y, one.y, 1e-5, atol);
        tinynn::test::check_close(many.dx, one.dx, 1e-5, atol);
        tinynn::test::check_close(many.dw, one.dw, 1e-5, atol);
        tinynn::test::check_close(many.db, one.db, 1e-5, atol);
    }
}

TEST_CASE("A product cut on the team and on the calling thread alone gives the same bits",
          "[threads]") {
    const ThreadCountGuard guard;
    tinynn::set_num_threads(2);
    const LinearStep on_team = linear_step(128, 300, 260);
    // Inside a part the team is busy, so the inner products' parts run one
    // after another on this thread, cut the same way.
    LinearStep alone;
    tinynn::detail::run_parts(2, [&](int part) {
        if (part == 0)
            alone = linear_step(128, 300, 260);
    });
    check_same_bits(on_team, alone);
}

TEST_CASE("An SGD step cut over threads gives the same bits as one thread", "[threads][sgd]") {
    const ThreadCountGuard guard;
    const auto train = [](int threads) {
        tinynn::set_num_threads(threads);
        tinynn::manual_seed(3);
        Tensor w = tinynn::randn({300, 333}).requires_grad_();  // above the split threshold
        Tensor b = tinynn::randn({300}).requires_grad_();
        const Tensor x = tinynn::randn({333, 4});
        tinynn::optim::SGD opt({w, b}, {.lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.01f});
        for (int step = 0; step < 3; ++step) {
            opt.zero_grad();
            tinynn::sum(tinynn::matmul(w, x) * tinynn::reshape(b, {300, 1})).backward();
            opt.step();
        }
        return std::make_pair(w.detach(), b.detach());
    };
    const auto one = train(1);
    const auto two = train(2);
    CHECK(same_bits(one.first, two.first));
    CHECK(same_bits(one.second, two.second));
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
