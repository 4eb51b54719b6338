// sum and mean over everything and along one dim, with PyTorch's shapes.

#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/autograd.hpp>
#include <tinynn/ops.hpp>

#include "ops/values.hpp"
#include "support/approx.hpp"
#include "support/gradcheck.hpp"

using namespace tinynn;
using Catch::Matchers::Contains;
using test::check_close;
using test::check_equal;
using test::gradcheck;

TEST_CASE("sum and mean of everything give a scalar", "[ops][reduction]") {
    const Tensor m({1, 2, 3, 4, 5, 6}, {2, 3});
    check_equal(sum(m), {21}, {});
    check_equal(m.sum(), {21}, {});
    check_equal(mean(m), {3.5f}, {});
    check_equal(m.mean(), {3.5f}, {});
    check_equal(sum(Tensor{1, 2, 3, 4}), {10}, {});
    check_equal(mean(Tensor{1, 2, 3, 4}), {2.5f}, {});
    check_equal(sum(full({}, -2.0f)), {-2}, {});
    check_equal(mean(full({}, -2.0f)), {-2}, {});
    check_equal(sum(zeros({0})), {0}, {});
}

TEST_CASE("sum and mean along a dim of a matrix", "[ops][reduction]") {
    const Tensor m({1, 2, 3, 4, 5, 6}, {2, 3});
    SECTION("dim 0 sums down the columns") {
        check_equal(sum(m, 0), {5, 7, 9}, {3});
        check_equal(m.sum(0, true), {5, 7, 9}, {1, 3});
        check_equal(sum(m, -2), {5, 7, 9}, {3});
        check_equal(mean(m, 0), {2.5f, 3.5f, 4.5f}, {3});
        check_equal(m.mean(-2, true), {2.5f, 3.5f, 4.5f}, {1, 3});
    }
    SECTION("dim 1 sums along the rows") {
        check_equal(sum(m, 1), {6, 15}, {2});
        check_equal(sum(m, 1, true), {6, 15}, {2, 1});
        check_equal(m.sum(-1), {6, 15}, {2});
        check_equal(mean(m, 1), {2, 5}, {2});
        check_equal(mean(m, -1, true), {2, 5}, {2, 1});
    }
    SECTION("a dim out of range names it") {
        CHECK_THROWS_MATCHES(sum(m, 2), Error, test::message(Contains("2")));
        CHECK_THROWS_AS(sum(m, -3), Error);
        CHECK_THROWS_AS(mean(m, 2, true), Error);
    }
}

TEST_CASE("sum and mean along the dim of a vector or scalar", "[ops][reduction]") {
    const Tensor v{1, 2, 3, 4};
    check_equal(sum(v, 0), {10}, {});
    check_equal(sum(v, -1), {10}, {});
    check_equal(sum(v, 0, true), {10}, {1});
    check_equal(mean(v, 0), {2.5f}, {});
    check_equal(mean(v, -1, true), {2.5f}, {1});
    CHECK_THROWS_AS(sum(v, 1), Error);
    CHECK_THROWS_AS(mean(v, -2), Error);
    // torch accepts dim 0 and -1 on a scalar and keeps it a scalar.
    const Tensor s = full({}, 3.0f);
    check_equal(sum(s, 0), {3}, {});
    check_equal(sum(s, -1, true), {3}, {});
    check_equal(mean(s, 0, true), {3}, {});
    CHECK_THROWS_AS(sum(s, 1), Error);
}

TEST_CASE("reduction gradients spread the upstream gradient back", "[ops][reduction][grad]") {
    const Tensor m = Tensor({1, 2, 3, 4, 5, 6}, {2, 3}).requires_grad_();
    check_equal(grad(sum(m), {m})[0], std::vector<float>(6, 1.0f), {2, 3});
    check_close(grad(mean(m), {m})[0], full({2, 3}, 1.0f / 6.0f));
    check_equal(grad(sum(sum(m, 1) * Tensor{1, 2}), {m})[0], {1, 1, 1, 2, 2, 2}, {2, 3});
    check_equal(grad(sum(sum(m, 1, true) * Tensor({1, 2}, {2, 1})), {m})[0], {1, 1, 1, 2, 2, 2},
                {2, 3});
    check_equal(grad(sum(mean(m, 0) * Tensor{2, 4, 6}), {m})[0], {1, 2, 3, 1, 2, 3}, {2, 3});
    check_equal(grad(sum(mean(m, 0, true) * Tensor({2, 4, 6}, {1, 3})), {m})[0], {1, 2, 3, 1, 2, 3},
                {2, 3});
    const Tensor v = Tensor{1, 2, 3, 4}.requires_grad_();
    check_equal(grad(mean(v, 0) * 8.0f, {v})[0], {2, 2, 2, 2}, {4});
    check_equal(grad(sum(sum(v, 0, true)), {v})[0], {1, 1, 1, 1}, {4});
}

TEST_CASE("gradcheck: sum and mean, all and per dim", "[ops][reduction][gradcheck]") {
    const Tensor m = test::uniform({3, 4}, -2.0f, 2.0f, 51);
    const Tensor v = test::uniform({5}, -2.0f, 2.0f, 52);
    const Tensor s = test::uniform({}, -2.0f, 2.0f, 53);
    CHECK(gradcheck([](const auto& in) { return sum(in[0]); }, {m.detach()}));
    CHECK(gradcheck([](const auto& in) { return mean(in[0]); }, {m.detach()}));
    CHECK(gradcheck([](const auto& in) { return sum(in[0]); }, {v.detach()}));
    CHECK(gradcheck([](const auto& in) { return mean(in[0]); }, {s.detach()}));
    for (int64_t dim : {0, 1, -1, -2}) {
        for (bool keepdim : {false, true}) {
            INFO("dim " << dim << " keepdim " << keepdim);
            CHECK(
                gradcheck([=](const auto& in) { return sum(in[0], dim, keepdim); }, {m.detach()}));
            CHECK(
                gradcheck([=](const auto& in) { return mean(in[0], dim, keepdim); }, {m.detach()}));
        }
    }
    for (int64_t dim : {0, -1}) {
        for (bool keepdim : {false, true}) {
            INFO("vector, dim " << dim << " keepdim " << keepdim);
            CHECK(
                gradcheck([=](const auto& in) { return sum(in[0], dim, keepdim); }, {v.detach()}));
            CHECK(
                gradcheck([=](const auto& in) { return mean(in[0], dim, keepdim); }, {v.detach()}));
            CHECK(
                gradcheck([=](const auto& in) { return sum(in[0], dim, keepdim); }, {s.detach()}));
        }
    }
}
