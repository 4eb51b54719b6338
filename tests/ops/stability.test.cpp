// Large inputs must give finite values and gradients, never NaN: exp(100)
// overflows float32, so these ops only work if written to avoid it.

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/autograd.hpp>
#include <tinynn/ops.hpp>

#include "support/approx.hpp"

using namespace tinynn;
using test::check_close;

namespace {
void check_finite(const Tensor& t) {
    REQUIRE(t.defined());
    for (float v : t.to_vector()) {
        INFO("value " << v);
        CHECK(std::isfinite(v));
    }
}

// An odd length and a matrix: vectorised kernels handle the tail elements
// separately, so extremes must sit in both parts.
const Tensor extremes{-1000, -100, -50, 0, 50, 100, 1000};
const Tensor extremes_matrix({-1000, 1000, -100, 100, 100, -100, 1000, -1000, 0}, {3, 3});
}  // namespace

TEST_CASE("sigmoid saturates without NaN", "[ops][stability][sigmoid]") {
    for (const Tensor& x0 : {extremes, extremes_matrix}) {
        const Tensor x = x0.detach().requires_grad_();
        const Tensor y = sigmoid(x);
        check_finite(y);
        check_finite(grad(sum(y), {x})[0]);
    }
    // PyTorch's float32 gives exactly 0 and 1 here, and so must we.
    CHECK(sigmoid(full({}, -100.0f)).item() == 0.0f);
    CHECK(sigmoid(full({}, -1000.0f)).item() == 0.0f);
    CHECK(sigmoid(full({}, 100.0f)).item() == 1.0f);
    CHECK(sigmoid(full({}, 1000.0f)).item() == 1.0f);
    const std::vector<float> y = sigmoid(extremes).to_vector();
    CHECK(y[0] == 0.0f);
    CHECK(y[1] == 0.0f);
    CHECK(y[2] == Approx(1.9287498e-22).epsilon(1e-5));
    CHECK(y[3] == 0.5f);
    CHECK(y[5] == 1.0f);
    CHECK(y[6] == 1.0f);
    const Tensor x = Tensor{-100, 100}.requires_grad_();
    CHECK(grad(sum(sigmoid(x)), {x})[0].to_vector() == std::vector<float>{0, 0});
}

TEST_CASE("tanh saturates without NaN", "[ops][stability][tanh]") {
    for (const Tensor& x0 : {extremes, extremes_matrix}) {
        const Tensor x = x0.detach().requires_grad_();
        const Tensor y = tanh(x);
        check_finite(y);
        check_finite(grad(sum(y), {x})[0]);
    }
    const std::vector<float> y = tanh(extremes).to_vector();
    CHECK(y[0] == -1.0f);
    CHECK(y[1] == -1.0f);
    CHECK(y[6] == 1.0f);
    CHECK(y[3] == 0.0f);
}

TEST_CASE("softmax and log_softmax of huge logits are finite", "[ops][stability][softmax]") {
    for (float big : {100.0f, 1000.0f}) {
        INFO("magnitude " << big);
        const Tensor v = Tensor{-big, 0, big, big - 1}.requires_grad_();
        const Tensor p = softmax(v, 0);
        check_finite(p);
        check_close(p, Tensor{0, 0, 1 / (1 + std::exp(-1.0f)), 1 / (1 + std::exp(1.0f))});
        check_finite(grad(p, {v}, Tensor{1, -2, 0.5f, 3})[0]);
        const Tensor lp = log_softmax(v, 0);
        check_finite(lp);
        // The largest entry's log-probability is -log(1 + e^-1); the smallest
        // lies 2 * big below it, exactly as PyTorch computes it.
        CHECK(lp.to_vector()[0] == Approx(-2 * big - std::log1p(std::exp(-1.0f))));
        check_finite(grad(lp, {v}, Tensor{1, -2, 0.5f, 3})[0]);

        for (int64_t dim : {0, 1}) {
            INFO("dim " << dim);
            const Tensor m = Tensor({-big, big, 0, big, -big, 0}, {2, 3}).requires_grad_();
            const Tensor s = softmax(m, dim);
            check_finite(s);
            check_close(sum(s, dim), ones({dim == 0 ? 3 : 2}));
            check_finite(grad(sum(s * m), {m})[0]);
            const Tensor ls = log_softmax(m, dim);
            check_finite(ls);
            check_finite(grad(sum(ls * Tensor({1, 2, 3, 4, 5, 6}, {2, 3})), {m})[0]);
        }
    }
    // The oracle README's case: log_softmax of {-100, 100} gives exactly -200.
    CHECK(log_softmax(Tensor{-100, 100}, 0).to_vector()[0] == -200.0f);
}
