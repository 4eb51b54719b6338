// max, min, argmax, argmin: shapes, torch's tie and NaN rules, where the
// gradient goes, errors, and gradchecks on distinct values.

#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/autograd.hpp>
#include <tinynn/ops.hpp>

#include "ops/values.hpp"
#include "support/approx.hpp"
#include "support/gradcheck.hpp"

using namespace tinynn;
using Catch::Matchers::Contains;
using test::check_equal;
using test::gradcheck;

namespace {
const float kNaN = std::numeric_limits<float>::quiet_NaN();

// Values 0.25 apart in a scrambled order (n must not be a multiple of 7): far
// more than gradcheck's step apart, so no step changes which one is picked.
Tensor spaced(const Shape& shape) {
    Tensor t = zeros(shape);
    const int64_t n = t.numel();
    for (int64_t i = 0; i < n; ++i)
        t.data()[i] = 0.25f * static_cast<float>((i * 7) % n) - 1.0f;
    return t;
}
}  // namespace

TEST_CASE("max and min along a dim give torch's shapes", "[ops][select]") {
    const Tensor m({1, 7, 3, 4, 0, 6}, {2, 3});
    check_equal(max(m, 0), {4, 7, 6}, {3});
    check_equal(max(m, 0, true), {4, 7, 6}, {1, 3});
    check_equal(max(m, 1), {7, 6}, {2});
    check_equal(max(m, -1, true), {7, 6}, {2, 1});
    check_equal(min(m, -2), {1, 0, 3}, {3});
    check_equal(min(m, 1, true), {1, 0}, {2, 1});
    const Tensor v{2, -1, 5};
    check_equal(max(v, 0), {5}, {});
    check_equal(min(v, -1, true), {-1}, {1});
    const Tensor s = full({}, 3.0f);  // torch keeps a scalar a scalar, keepdim or not
    check_equal(max(s, 0), {3}, {});
    check_equal(min(s, -1, true), {3}, {});
    check_equal(max(zeros({0, 3}), 1), {}, {0});
    check_equal(argmax(zeros({0, 3}), 1, true), {}, {0, 1});
}

TEST_CASE("max and min along a dim pick the first of equal values", "[ops][select]") {
    const Tensor m = Tensor({3, 5, 5, 2, 2, 2}, {2, 3}).requires_grad_();
    check_equal(argmax(m, 1), {1, 0}, {2});
    check_equal(argmin(m, 1), {0, 0}, {2});
    check_equal(argmax(m, 0), {0, 0, 0}, {3});
    // The gradient goes to the element picked, only.
    check_equal(grad(sum(max(m, 1) * Tensor{1, 2}), {m})[0], {0, 1, 0, 2, 0, 0}, {2, 3});
    check_equal(grad(sum(min(m, 1) * Tensor{1, 2}), {m})[0], {1, 0, 0, 2, 0, 0}, {2, 3});
    check_equal(grad(sum(max(m, 0, true) * Tensor({1, 2, 3}, {1, 3})), {m})[0], {1, 2, 3, 0, 0, 0},
                {2, 3});
    // -0 and 0 are equal: the first is picked, with its sign.
    const Tensor zeros_ = Tensor{-0.0f, 0.0f};
    CHECK(std::signbit(max(zeros_, 0).item()));
    CHECK(argmax(zeros_, 0).item() == 0);
    CHECK_FALSE(std::signbit(min(Tensor{0.0f, -0.0f}, 0).item()));
}

TEST_CASE("max and min propagate NaN, as torch", "[ops][select][nan]") {
    const Tensor m = Tensor({1, kNaN, 9, kNaN, 2, 0}, {2, 3}).requires_grad_();
    const std::vector<float> row_max = max(m, 1).to_vector();
    CHECK(std::isnan(row_max[0]));
    CHECK(std::isnan(row_max[1]));
    CHECK(std::isnan(min(m, 1).to_vector()[0]));
    check_equal(argmax(m, 1), {1, 0}, {2});
    check_equal(argmin(m, 1), {1, 0}, {2});
    check_equal(argmax(m, 0), {1, 0, 0}, {3});
    CHECK(argmax(m).item() == 1);  // the first NaN
    CHECK(argmin(m).item() == 1);
    CHECK(std::isnan(max(m).item()));
    CHECK(std::isnan(min(m).item()));
    // The gradient goes to the NaN picked along a dim, to all NaNs evenly for
    // the whole tensor's max.
    check_equal(grad(sum(max(m, 1)), {m})[0], {0, 1, 0, 1, 0, 0}, {2, 3});
    check_equal(grad(max(m) * 4.0f, {m})[0], {0, 2, 0, 2, 0, 0}, {2, 3});
}

TEST_CASE("the max of a whole tensor shares its gradient among ties", "[ops][select]") {
    const Tensor m = Tensor({1, 5, -2, 5, 0, 5}, {2, 3}).requires_grad_();
    check_equal(max(m), {5}, {});
    check_equal(min(m), {-2}, {});
    CHECK(argmax(m).item() == 1);  // into the row-major flattening
    CHECK(argmin(m).item() == 2);
    CHECK(argmax(m).shape() == Shape{});
    check_equal(grad(max(m) * 6.0f, {m})[0], {0, 2, 0, 2, 0, 2}, {2, 3});
    check_equal(grad(min(m) * 6.0f, {m})[0], {0, 0, 6, 0, 0, 0}, {2, 3});
    const Tensor v = Tensor{3, 3}.requires_grad_();
    check_equal(grad(max(v), {v})[0], {0.5f, 0.5f}, {2});
    const Tensor s = full({}, -1.0f).requires_grad_();
    check_equal(grad(min(s), {s})[0], {1}, {});
}

TEST_CASE("argmax and argmin are float tensors without a gradient", "[ops][select]") {
    const Tensor m = Tensor({0.5f, 2, 1, -1, 4, 3}, {2, 3}).requires_grad_();
    const Tensor i = argmax(m, 1);
    check_equal(i, {1, 1}, {2});
    CHECK_FALSE(i.requires_grad());
    CHECK(i.is_leaf());
    check_equal(argmax(m, 1, true), {1, 1}, {2, 1});
    check_equal(argmin(m, 0, true), {1, 0, 0}, {1, 3});
    check_equal(argmax(Tensor{1, 3, 2}, -1), {1}, {});
    check_equal(argmax(full({}, 7.0f), 0), {0}, {});
    check_equal(argmax(full({}, 7.0f)), {0}, {});
    CHECK_FALSE(argmax(m).requires_grad());
}

TEST_CASE("accuracy from argmax and eq", "[ops][select][compare]") {
    const Tensor logits({2, 1, 0, 0, 3, 1, 1, 1, 5, 4, 0, 2}, {4, 3});
    const Tensor targets{0, 1, 1, 0};  // class indices, as CrossEntropyLoss takes them
    check_equal(mean(eq(argmax(logits, 1), targets)), {0.75f}, {});
}

TEST_CASE("max, min, argmax and argmin refuse what torch refuses", "[ops][select][errors]") {
    const Tensor m = zeros({0, 3});
    CHECK_THROWS_MATCHES(max(m, 0), Error, test::message(Contains("[0, 3]")));
    CHECK_THROWS_MATCHES(argmin(m, -2), Error, test::message(Contains("[0, 3]")));
    CHECK_THROWS_MATCHES(max(zeros({0})), Error, test::message(Contains("[0]")));
    CHECK_THROWS_MATCHES(argmax(zeros({2, 0})), Error, test::message(Contains("[2, 0]")));
    CHECK_THROWS_AS(min(zeros({0})), Error);
    CHECK_THROWS_MATCHES(max(Tensor{1, 2}, 1), Error,
                         test::message(Contains("max") && Contains("dim 1")));
    CHECK_THROWS_AS(argmax(ones({2, 2}), -3), Error);
    CHECK_THROWS_AS(min(full({}, 1.0f), 1), Error);
    CHECK_THROWS_AS(max(Tensor()), Error);
}

TEST_CASE("gradcheck: max and min along a dim and of everything", "[ops][select][gradcheck]") {
    const Tensor m = spaced({3, 4});
    const Tensor v = spaced({5});
    const Tensor s = full({}, 0.5f);
    for (int64_t dim : {0, 1, -1, -2}) {
        for (bool keepdim : {false, true}) {
            INFO("dim " << dim << " keepdim " << keepdim);
            CHECK(
                gradcheck([=](const auto& in) { return max(in[0], dim, keepdim); }, {m.detach()}));
            CHECK(
                gradcheck([=](const auto& in) { return min(in[0], dim, keepdim); }, {m.detach()}));
        }
    }
    CHECK(gradcheck([](const auto& in) { return max(in[0], 0); }, {v.detach()}));
    CHECK(gradcheck([](const auto& in) { return min(in[0], -1, true); }, {v.detach()}));
    CHECK(gradcheck([](const auto& in) { return max(in[0], 0); }, {s.detach()}));
    for (const Tensor& x : {m, v, s}) {
        INFO(format_shape(x.shape()));
        CHECK(gradcheck([](const auto& in) { return max(in[0]); }, {x.detach()}));
        CHECK(gradcheck([](const auto& in) { return min(in[0]); }, {x.detach()}));
    }
}
