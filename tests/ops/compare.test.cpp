// eq, ne, lt, le, gt, ge and where: values, broadcasting, NaN, gradients and
// errors.

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
const float kInf = std::numeric_limits<float>::infinity();
}  // namespace

TEST_CASE("comparisons give 0 and 1 over the broadcast shape", "[ops][compare]") {
    const Tensor a({1, 2, 3, 4, 5, 6}, {2, 3});
    const Tensor row{2, 2, 7};
    check_equal(eq(a, row), {0, 1, 0, 0, 0, 0}, {2, 3});
    check_equal(ne(a, row), {1, 0, 1, 1, 1, 1}, {2, 3});
    check_equal(lt(a, row), {1, 0, 1, 0, 0, 1}, {2, 3});
    check_equal(le(a, row), {1, 1, 1, 0, 0, 1}, {2, 3});
    check_equal(gt(a, row), {0, 0, 0, 1, 1, 0}, {2, 3});
    check_equal(ge(a, row), {0, 1, 0, 1, 1, 0}, {2, 3});
    const Tensor column({3, 5}, {2, 1});
    check_equal(ge(a, column), {0, 0, 1, 0, 1, 1}, {2, 3});
    check_equal(lt(column, row), {0, 0, 1, 0, 0, 1}, {2, 3});  // [2, 1] against [3]
    check_equal(eq(full({}, 2.0f), Tensor{1, 2}), {0, 1}, {2});
    check_equal(gt(full({}, 2.0f), full({}, 1.0f)), {1}, {});
    check_equal(eq(zeros({0, 3}), row), {}, {0, 3});
}

TEST_CASE("comparisons with a number", "[ops][compare]") {
    const Tensor a({1, 2, 3, 4}, {2, 2});
    check_equal(eq(a, 2), {0, 1, 0, 0}, {2, 2});
    check_equal(ne(a, 2), {1, 0, 1, 1}, {2, 2});
    check_equal(lt(a, 2.5f), {1, 1, 0, 0}, {2, 2});
    check_equal(le(a, 3), {1, 1, 1, 0}, {2, 2});
    check_equal(gt(a, 3), {0, 0, 0, 1}, {2, 2});
    check_equal(ge(Tensor{-1, 0, 1}, 0), {0, 1, 1}, {3});
    check_equal(lt(full({}, 1.0f), 2), {1}, {});
}

TEST_CASE("comparisons with NaN are false except ne", "[ops][compare][nan]") {
    const Tensor a{kNaN, 1, kNaN, kInf, -0.0f};
    const Tensor b{kNaN, kNaN, 1, kInf, 0.0f};
    check_equal(eq(a, b), {0, 0, 0, 1, 1}, {5});
    check_equal(ne(a, b), {1, 1, 1, 0, 0}, {5});
    check_equal(lt(a, b), {0, 0, 0, 0, 0}, {5});
    check_equal(le(a, b), {0, 0, 0, 1, 1}, {5});
    check_equal(gt(a, b), {0, 0, 0, 0, 0}, {5});
    check_equal(ge(a, b), {0, 0, 0, 1, 1}, {5});
    check_equal(eq(Tensor{1, kNaN}, kNaN), {0, 0}, {2});
    check_equal(ne(Tensor{1, kNaN}, kNaN), {1, 1}, {2});
}

TEST_CASE("comparisons have no gradient", "[ops][compare]") {
    const Tensor a = Tensor{1, 2, 3}.requires_grad_();
    const Tensor b = Tensor{3, 2, 1}.requires_grad_();
    for (const Tensor& c : {eq(a, b), ne(a, b), lt(a, b), le(a, 2), gt(a, 2), ge(b, a)}) {
        CHECK_FALSE(c.requires_grad());
        CHECK(c.is_leaf());
    }
    // So a mask multiplies a differentiable value as a constant.
    check_equal(grad(sum(a * gt(a, 1.5f)), {a})[0], {0, 1, 1}, {3});
}

TEST_CASE("comparisons refuse shapes that do not broadcast, naming both",
          "[ops][compare][errors]") {
    CHECK_THROWS_MATCHES(eq(ones({2, 3}), ones({4})), Error,
                         test::message(Contains("eq") && Contains("[2, 3]") && Contains("[4]")));
    CHECK_THROWS_MATCHES(lt(ones({2, 1}), ones({3, 3})), Error,
                         test::message(Contains("[2, 1]") && Contains("[3, 3]")));
    CHECK_THROWS_AS(ge(Tensor(), ones({2})), Error);
}

TEST_CASE("where takes a where cond is nonzero and b elsewhere", "[ops][where]") {
    const Tensor cond({1, 0, 0, 1, 1, 0}, {2, 3});
    const Tensor a({1, 2, 3, 4, 5, 6}, {2, 3});
    const Tensor b({-1, -2, -3, -4, -5, -6}, {2, 3});
    check_equal(where(cond, a, b), {1, -2, -3, 4, 5, -6}, {2, 3});
    // Broadcast three ways: cond [2, 1], a [3], b [].
    check_equal(where(Tensor({1, 0}, {2, 1}), Tensor{1, 2, 3}, full({}, 9.0f)), {1, 2, 3, 9, 9, 9},
                {2, 3});
    // A scalar cond picks one side whole; the shape is still the broadcast one.
    check_equal(where(full({}, 0.0f), Tensor{1, 2}, Tensor({3, 4}, {2, 1})), {3, 3, 4, 4}, {2, 2});
    // Any nonzero is true, NaN too (torch's cond.bool()); -0 is false.
    check_equal(where(Tensor{2, -0.5f, kNaN, -0.0f, kInf}, ones({5}), zeros({5})), {1, 1, 1, 0, 1},
                {5});
    // The side not taken may hold anything.
    check_equal(where(Tensor{1, 0}, Tensor{1, kNaN}, Tensor{kInf, 2}), {1, 2}, {2});
    // The comparisons' masks are conds.
    const Tensor x{-2, 3, -1};
    check_equal(where(gt(x, 0), x, zeros({})), {0, 3, 0}, {3});
}

TEST_CASE("where's gradient goes to the side taken, reduced over broadcast dims",
          "[ops][where][grad]") {
    const Tensor cond({1, 0, 1, 0, 0, 1}, {2, 3});
    const Tensor a = Tensor({1, 2, 3, 4, 5, 6}, {2, 3}).requires_grad_();
    const Tensor b = Tensor{7, 8, 9}.requires_grad_();
    const Tensor g({1, 2, 3, 4, 5, 6}, {2, 3});
    const std::vector<Tensor> grads = grad(where(cond, a, b), {a, b}, g);
    check_equal(grads[0], {1, 0, 3, 0, 0, 6}, {2, 3});
    check_equal(grads[1], {4, 7, 0}, {3});  // [2, 3] summed down to b's [3]

    // A scalar side gets the sum of the gradient where it was taken.
    const Tensor s = full({}, 2.0f).requires_grad_();
    check_equal(grad(where(cond, a, s), {s}, g)[0], {2 + 4 + 5}, {});

    // Where a side was not taken its gradient is 0, whatever the upstream
    // gradient there (selected, not multiplied by a 0/1 mask).
    const Tensor q = Tensor{1, 2, 3}.requires_grad_();
    check_equal(grad(where(Tensor{1, 0, 0}, q, zeros({})), {q}, Tensor{kInf, kNaN, kInf})[0],
                {kInf, 0, 0}, {3});

    // cond is not differentiated, and writing to it afterwards does not move
    // the gradient: where keeps its own copy.
    Tensor mask{1, 0};
    const Tensor p = Tensor{1, 2}.requires_grad_();
    const Tensor y = where(mask, p, zeros({}));
    mask.data()[1] = 1;
    check_equal(grad(sum(y), {p})[0], {1, 0}, {2});
    CHECK_FALSE(where(Tensor{1, 0}, Tensor{1, 2}, Tensor{3, 4}).requires_grad());
}

TEST_CASE("where refuses shapes that do not broadcast, naming all three", "[ops][where][errors]") {
    CHECK_THROWS_MATCHES(where(ones({2, 1}), ones({3}), ones({3, 3})), Error,
                         test::message(Contains("where") && Contains("[2, 1]") && Contains("[3]") &&
                                       Contains("[3, 3]")));
    CHECK_THROWS_AS(where(ones({4}), ones({3}), ones({3})), Error);
    CHECK_THROWS_AS(where(Tensor(), ones({3}), ones({3})), Error);
}

TEST_CASE("gradcheck: where", "[ops][where][gradcheck]") {
    const Tensor cond({1, 0, 0, 1, 1, 0}, {2, 3});
    const auto f = [cond](const std::vector<Tensor>& in) { return where(cond, in[0], in[1]); };
    CHECK(gradcheck(f, {test::uniform({2, 3}, -2, 2, 81), test::uniform({2, 3}, -2, 2, 82)}));
    CHECK(gradcheck(f, {test::uniform({3}, -2, 2, 83), test::uniform({2, 1}, -2, 2, 84)}));
    CHECK(gradcheck(f, {test::uniform({}, -2, 2, 85), test::uniform({2, 3}, -2, 2, 86)}));
    // Through the values, not only the selection: where(x > 0, x * x, -x).
    CHECK(gradcheck(
        [](const std::vector<Tensor>& in) { return where(gt(in[0], 0), in[0] * in[0], -in[0]); },
        {test::signed_away_from_zero({2, 3}, 0.5f, 2, 87)}));
}
