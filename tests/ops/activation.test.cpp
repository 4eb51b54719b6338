// sigmoid, tanh, relu, leaky_relu, softmax and log_softmax: values by hand,
// PyTorch's conventions at 0, and gradchecks.

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/autograd.hpp>
#include <tinynn/ops.hpp>

#include "ops/values.hpp"
#include "support/approx.hpp"
#include "support/gradcheck.hpp"

using namespace tinynn;
using test::check_close;
using test::check_equal;
using test::gradcheck;

namespace {
const std::vector<Shape> unary_shapes = {{}, {5}, {2, 3}};

float sigmoid_ref(float x) {
    return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x))));
}
}  // namespace

TEST_CASE("sigmoid", "[ops][activation][sigmoid]") {
    const Tensor x({-2, 0, 1, 3}, {2, 2});
    check_close(sigmoid(x),
                Tensor({sigmoid_ref(-2), 0.5f, sigmoid_ref(1), sigmoid_ref(3)}, {2, 2}));
    check_close(x.sigmoid(), sigmoid(x));
    const Tensor a = Tensor{-2, 0, 1}.requires_grad_();
    std::vector<float> want;
    for (float v : {-2.0f, 0.0f, 1.0f})
        want.push_back(sigmoid_ref(v) * (1 - sigmoid_ref(v)));
    check_close(grad(sum(sigmoid(a)), {a})[0], Tensor(want));
    for (const Shape& s : unary_shapes)
        CHECK(gradcheck([](const auto& in) { return sigmoid(in[0]); },
                        {test::uniform(s, -4, 4, 71)}));
}

TEST_CASE("tanh", "[ops][activation][tanh]") {
    const Tensor x({-2, 0, 0.5f, 3}, {2, 2});
    check_close(tanh(x), Tensor({std::tanh(-2.0f), 0, std::tanh(0.5f), std::tanh(3.0f)}, {2, 2}));
    check_close(x.tanh(), tanh(x));
    const Tensor a = Tensor{-2, 0, 0.5f}.requires_grad_();
    std::vector<float> want;
    for (float v : {-2.0f, 0.0f, 0.5f})
        want.push_back(1 - std::tanh(v) * std::tanh(v));
    check_close(grad(sum(tanh(a)), {a})[0], Tensor(want));
    for (const Shape& s : unary_shapes)
        CHECK(gradcheck([](const auto& in) { return tanh(in[0]); }, {test::uniform(s, -3, 3, 72)}));
}

TEST_CASE("relu", "[ops][activation][relu]") {
    check_equal(relu(Tensor({-2, -0.0f, 0, 1.5f}, {2, 2})), {0, 0, 0, 1.5f}, {2, 2});
    check_equal(Tensor{-1, 2}.relu(), {0, 2}, {2});
    // PyTorch: the gradient at exactly 0 (and -0) is 0.
    const Tensor a = Tensor{-2, -0.0f, 0, 1.5f}.requires_grad_();
    check_equal(grad(sum(relu(a) * Tensor{1, 2, 3, 4}), {a})[0], {0, 0, 0, 4}, {4});
    for (const Shape& s : unary_shapes)
        CHECK(gradcheck([](const auto& in) { return relu(in[0]); },
                        {test::signed_away_from_zero(s, 0.1f, 2, 73)}));
}

TEST_CASE("leaky_relu", "[ops][activation][leaky_relu]") {
    check_close(leaky_relu(Tensor({-2, 0, 1.5f, -100}, {2, 2})),
                Tensor({-0.02f, 0, 1.5f, -1}, {2, 2}));
    check_close(leaky_relu(Tensor{-2, 3}, 0.2f), Tensor{-0.4f, 3});
    // PyTorch tests x > 0, so the gradient at exactly 0 is the slope.
    const Tensor a = Tensor{-2, 0, 1.5f}.requires_grad_();
    check_close(grad(sum(leaky_relu(a, 0.2f)), {a})[0], Tensor{0.2f, 0.2f, 1});
    check_close(grad(sum(leaky_relu(a)), {a})[0], Tensor{0.01f, 0.01f, 1});
    for (const Shape& s : unary_shapes) {
        const Tensor x = test::signed_away_from_zero(s, 0.1f, 2, 74);
        CHECK(gradcheck([](const auto& in) { return leaky_relu(in[0]); }, {x.detach()}));
        CHECK(gradcheck([](const auto& in) { return leaky_relu(in[0], 0.3f); }, {x.detach()}));
    }
}

TEST_CASE("softmax and log_softmax values", "[ops][activation][softmax]") {
    const Tensor m({1, 2, 3, 1, 1, 1}, {2, 3});
    const float e1 = std::exp(1.0f), e2 = std::exp(2.0f), e3 = std::exp(3.0f);
    const float z = e1 + e2 + e3;
    SECTION("dim 1: each row sums to one") {
        const Tensor want({e1 / z, e2 / z, e3 / z, 1 / 3.0f, 1 / 3.0f, 1 / 3.0f}, {2, 3});
        check_close(softmax(m, 1), want);
        check_close(m.softmax(-1), want);
        check_close(log_softmax(m, 1), log(want));
        check_close(m.log_softmax(-1), log(want));
    }
    SECTION("dim 0: each column sums to one") {
        const Tensor s = softmax(m, 0);
        const float a = e1 / (e1 + e1), b = e2 / (e2 + e1), c = e3 / (e3 + e1);
        const Tensor want({a, b, c, 1 - a, 1 - b, 1 - c}, {2, 3});
        check_close(s, want);
        check_close(softmax(m, -2), want);
        check_close(log_softmax(m, 0), log(want));
        check_close(sum(s, 0), ones({3}));
    }
    SECTION("a vector along its only dim, and a scalar") {
        check_close(softmax(Tensor{1, 2, 3}, 0), Tensor{e1 / z, e2 / z, e3 / z});
        check_close(log_softmax(Tensor{1, 2, 3}, -1),
                    Tensor{std::log(e1 / z), std::log(e2 / z), std::log(e3 / z)});
        check_equal(softmax(full({}, 5.0f), 0), {1}, {});
        check_equal(log_softmax(full({}, 5.0f), 0), {0}, {});
    }
    SECTION("shift invariance: adding a constant changes nothing") {
        check_close(softmax(m + 1000.0f, 1), softmax(m, 1));
        check_close(log_softmax(m - 1000.0f, 0), log_softmax(m, 0));
    }
    SECTION("a dim out of range is an error") {
        CHECK_THROWS_AS(softmax(m, 2), Error);
        CHECK_THROWS_AS(log_softmax(Tensor{1, 2}, 1), Error);
    }
}

TEST_CASE("softmax and log_softmax gradients", "[ops][activation][softmax][grad]") {
    SECTION("by hand: the softmax Jacobian p_i (delta_ij - p_j)") {
        const Tensor a = Tensor{1, 2, 0.5f}.requires_grad_();
        const std::vector<float> p = softmax(a.detach(), 0).to_vector();
        const Tensor up{1, -2, 0.5f};
        // d/da_j sum_i up_i p_i = p_j (up_j - sum_i up_i p_i)
        const float dot = p[0] * 1 + p[1] * -2 + p[2] * 0.5f;
        check_close(grad(softmax(a, 0), {a}, up)[0],
                    Tensor{p[0] * (1 - dot), p[1] * (-2 - dot), p[2] * (0.5f - dot)});
        // d/da_j sum_i up_i log p_i = up_j - p_j sum_i up_i
        const float total = 1 - 2 + 0.5f;
        check_close(grad(log_softmax(a, 0), {a}, up)[0],
                    Tensor{1 - p[0] * total, -2 - p[1] * total, 0.5f - p[2] * total});
        // A plain sum of softmax is constant: its gradient vanishes.
        check_close(grad(sum(softmax(a, 0)), {a})[0], zeros({3}));
    }
    SECTION("gradcheck on dims 0 and 1 of a matrix and dim 0 of a vector") {
        const Tensor m = test::uniform({3, 4}, -2, 2, 75);
        const Tensor v = test::uniform({5}, -2, 2, 76);
        for (int64_t dim : {0, 1, -1, -2}) {
            INFO("dim " << dim);
            CHECK(gradcheck([dim](const auto& in) { return softmax(in[0], dim); }, {m.detach()}));
            CHECK(
                gradcheck([dim](const auto& in) { return log_softmax(in[0], dim); }, {m.detach()}));
        }
        CHECK(gradcheck([](const auto& in) { return softmax(in[0], 0); }, {v.detach()}));
        CHECK(gradcheck([](const auto& in) { return log_softmax(in[0], 0); }, {v.detach()}));
        CHECK(gradcheck([](const auto& in) { return softmax(in[0], -1); }, {v.detach()}));
        // A non-square matrix the other way round catches a transposed backward.
        CHECK(gradcheck([](const auto& in) { return softmax(in[0], 0); },
                        {test::uniform({4, 2}, -2, 2, 77)}));
        CHECK(gradcheck([](const auto& in) { return log_softmax(in[0], 0); },
                        {test::uniform({4, 2}, -2, 2, 78)}));
    }
}
