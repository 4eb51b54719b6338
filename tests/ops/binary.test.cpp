// + - * / between tensors (with PyTorch's broadcasting) and with scalars.

#include <utility>
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

namespace {

// Every broadcasting combination of ranks 0-2 the brief names, in both orders.
const std::vector<std::pair<Shape, Shape>>& shape_pairs() {
    static const std::vector<std::pair<Shape, Shape>> pairs = {
        {{2, 3}, {3}},    {{3}, {2, 3}}, {{2, 3}, {2, 1}}, {{2, 1}, {2, 3}}, {{2, 3}, {1, 3}},
        {{1, 3}, {2, 3}}, {{2, 3}, {}},  {{}, {2, 3}},     {{2, 3}, {2, 3}}, {{3}, {}},
        {{}, {3}},        {{}, {}},      {{2, 1}, {1, 3}}, {{2, 1}, {3}},    {{3}, {2, 1}},
        {{3}, {1}},       {{1}, {3}},    {{1, 1}, {2, 3}}, {{3}, {3}},       {{1}, {}},
    };
    return pairs;
}

Shape expected_broadcast(const Shape& a, const Shape& b) {
    const size_t rank = std::max(a.size(), b.size());
    Shape out(rank);
    for (size_t i = 0; i < rank; ++i) {
        const int64_t x = i < a.size() ? a[a.size() - 1 - i] : 1;
        const int64_t y = i < b.size() ? b[b.size() - 1 - i] : 1;
        out[rank - 1 - i] = std::max(x, y);
    }
    return out;
}

}  // namespace

TEST_CASE("binary ops broadcast to PyTorch's result shape", "[ops][binary][broadcast]") {
    CHECK(expected_broadcast({2, 1}, {3}) == Shape{2, 3});  // the helper itself
    for (const auto& [sa, sb] : shape_pairs()) {
        INFO(format_shape(sa) << " with " << format_shape(sb));
        const Tensor a = ones(sa), b = ones(sb);
        const Shape want = expected_broadcast(sa, sb);
        CHECK((a + b).shape() == want);
        CHECK((a - b).shape() == want);
        CHECK((a * b).shape() == want);
        CHECK((a / b).shape() == want);
    }
}

TEST_CASE("binary ops compute the right values when broadcasting", "[ops][binary][broadcast]") {
    const Tensor m({1, 2, 3, 4, 5, 6}, {2, 3});
    SECTION("matrix with a vector: the vector is a row") {
        const Tensor v{10, 20, 30};
        check_equal(m + v, {11, 22, 33, 14, 25, 36}, {2, 3});
        check_equal(v - m, {9, 18, 27, 6, 15, 24}, {2, 3});
        check_equal(m * v, {10, 40, 90, 40, 100, 180}, {2, 3});
        check_equal(v / m, {10, 10, 10, 2.5f, 4, 5}, {2, 3});
    }
    SECTION("matrix with a column") {
        const Tensor c({10, 20}, {2, 1});
        check_equal(m + c, {11, 12, 13, 24, 25, 26}, {2, 3});
        check_equal(m - c, {-9, -8, -7, -16, -15, -14}, {2, 3});
        check_equal(m * c, {10, 20, 30, 80, 100, 120}, {2, 3});
        check_equal(c / m, {10, 5, 10.0f / 3.0f, 5, 4, 20.0f / 6.0f}, {2, 3});
    }
    SECTION("matrix with a [1, 3] row") {
        const Tensor r({2, 4, 8}, {1, 3});
        check_equal(m / r, {0.5f, 0.5f, 0.375f, 2, 1.25f, 0.75f}, {2, 3});
    }
    SECTION("column with a vector makes the outer product shape") {
        const Tensor c({1, 2}, {2, 1});
        const Tensor v{10, 20, 30};
        check_equal(c * v, {10, 20, 30, 20, 40, 60}, {2, 3});
        check_equal(v + c, {11, 21, 31, 12, 22, 32}, {2, 3});
    }
    SECTION("with a scalar tensor") {
        const Tensor s = full({}, 2.0f);
        check_equal(m * s, {2, 4, 6, 8, 10, 12}, {2, 3});
        check_equal(s - m, {1, 0, -1, -2, -3, -4}, {2, 3});
        check_equal(Tensor{1, 2, 4} / s, {0.5f, 1, 2}, {3});
        check_equal(s + s, {4}, {});
        check_equal(Tensor{3} * s, {6}, {1});
    }
    SECTION("same shapes") {
        check_equal(m - m, std::vector<float>(6, 0.0f), {2, 3});
        check_equal(m / m, std::vector<float>(6, 1.0f), {2, 3});
    }
}

TEST_CASE("binary op gradients reduce over broadcast dims", "[ops][binary][grad]") {
    const Tensor m = Tensor({1, 2, 3, 4, 5, 6}, {2, 3}).requires_grad_();
    const Tensor v = Tensor{1, 2, 4}.requires_grad_();
    const Tensor c = Tensor({2, 4}, {2, 1}).requires_grad_();
    const Tensor s = full({}, 2.0f).requires_grad_();
    SECTION("add: a vector's gradient sums over rows, a column's over columns") {
        const auto g = grad(sum(m + v), {m, v});
        check_equal(g[0], std::vector<float>(6, 1.0f), {2, 3});
        check_equal(g[1], {2, 2, 2}, {3});
        check_equal(grad(sum(m + c), {c})[0], {3, 3}, {2, 1});
        check_equal(grad(sum(m + s), {s})[0], {6}, {});
    }
    SECTION("sub negates the right operand's gradient") {
        const auto g = grad(sum(m - c), {m, c});
        check_equal(g[0], std::vector<float>(6, 1.0f), {2, 3});
        check_equal(g[1], {-3, -3}, {2, 1});
    }
    SECTION("mul") {
        const auto g = grad(sum(m * v), {m, v});
        check_equal(g[0], {1, 2, 4, 1, 2, 4}, {2, 3});
        check_equal(g[1], {5, 7, 9}, {3});
        check_equal(grad(sum(m * s), {s})[0], {21}, {});
    }
    SECTION("div") {
        const auto g = grad(sum(m / c), {m, c});
        check_close(g[0], Tensor({0.5f, 0.5f, 0.5f, 0.25f, 0.25f, 0.25f}, {2, 3}));
        // d/dc sum_j m_ij / c_i = -sum_j m_ij / c_i^2
        check_close(g[1], Tensor({-6.0f / 4.0f, -15.0f / 16.0f}, {2, 1}));
    }
    SECTION("only the operands that require grad get one") {
        const Tensor plain{1, 2, 3};
        const Tensor y = plain * v;
        const auto g = grad(sum(y), {v});
        check_equal(g[0], {1, 2, 3}, {3});
        CHECK_THROWS_AS(grad(sum(plain * v), {plain}), Error);
    }
}

TEST_CASE("gradcheck: + - * / over every broadcasting combination", "[ops][binary][gradcheck]") {
    for (const auto& [sa, sb] : shape_pairs()) {
        INFO(format_shape(sa) << " with " << format_shape(sb));
        const Tensor a = test::uniform(sa, -2.0f, 2.0f, 11);
        const Tensor b = test::uniform(sb, -2.0f, 2.0f, 12);
        const Tensor denom = test::signed_away_from_zero(sb, 0.5f, 2.0f, 13);
        CHECK(gradcheck([](const auto& in) { return in[0] + in[1]; }, {a.detach(), b.detach()}));
        CHECK(gradcheck([](const auto& in) { return in[0] - in[1]; }, {a.detach(), b.detach()}));
        CHECK(gradcheck([](const auto& in) { return in[0] * in[1]; }, {a.detach(), b.detach()}));
        CHECK(
            gradcheck([](const auto& in) { return in[0] / in[1]; }, {a.detach(), denom.detach()}));
    }
}

TEST_CASE("scalar-tensor ops", "[ops][binary][scalar]") {
    const Tensor a({1, 2, -4, 8}, {2, 2});
    SECTION("values and shapes") {
        check_equal(a + 1.0f, {2, 3, -3, 9}, {2, 2});
        check_equal(1.0f + a, {2, 3, -3, 9}, {2, 2});
        check_equal(a - 1.0f, {0, 1, -5, 7}, {2, 2});
        check_equal(1.0f - a, {0, -1, 5, -7}, {2, 2});
        check_equal(a * 2.0f, {2, 4, -8, 16}, {2, 2});
        check_equal(2.0f * a, {2, 4, -8, 16}, {2, 2});
        check_equal(a / 2.0f, {0.5f, 1, -2, 4}, {2, 2});
        check_equal(8.0f / a, {8, 4, -2, 1}, {2, 2});
        check_equal(-a, {-1, -2, 4, -8}, {2, 2});
        check_equal(full({}, 3.0f) * 2.0f, {6}, {});
        check_equal(Tensor{3} - 1.0f, {2}, {1});
    }
    SECTION("gradients by hand") {
        const Tensor x = Tensor{1, 2, -4}.requires_grad_();
        check_equal(grad(sum(x + 5.0f), {x})[0], {1, 1, 1}, {3});
        check_equal(grad(sum(5.0f + x), {x})[0], {1, 1, 1}, {3});
        check_equal(grad(sum(x - 5.0f), {x})[0], {1, 1, 1}, {3});
        check_equal(grad(sum(5.0f - x), {x})[0], {-1, -1, -1}, {3});
        check_equal(grad(sum(x * 3.0f), {x})[0], {3, 3, 3}, {3});
        check_equal(grad(sum(3.0f * x), {x})[0], {3, 3, 3}, {3});
        check_equal(grad(sum(x / 4.0f), {x})[0], {0.25f, 0.25f, 0.25f}, {3});
        check_equal(grad(sum(4.0f / x), {x})[0], {-4, -1, -0.25f}, {3});
        check_equal(grad(sum(-x), {x})[0], {-1, -1, -1}, {3});
    }
    SECTION("gradcheck on a scalar, a vector and a matrix") {
        for (const Shape& shape : {Shape{}, Shape{4}, Shape{2, 3}}) {
            INFO(format_shape(shape));
            const Tensor x = test::uniform(shape, -2.0f, 2.0f, 21);
            const Tensor nz = test::signed_away_from_zero(shape, 0.5f, 2.0f, 22);
            CHECK(gradcheck([](const auto& in) { return in[0] + 1.5f; }, {x.detach()}));
            CHECK(gradcheck([](const auto& in) { return 1.5f + in[0]; }, {x.detach()}));
            CHECK(gradcheck([](const auto& in) { return in[0] - 1.5f; }, {x.detach()}));
            CHECK(gradcheck([](const auto& in) { return 1.5f - in[0]; }, {x.detach()}));
            CHECK(gradcheck([](const auto& in) { return in[0] * -2.5f; }, {x.detach()}));
            CHECK(gradcheck([](const auto& in) { return -2.5f * in[0]; }, {x.detach()}));
            CHECK(gradcheck([](const auto& in) { return in[0] / 3.0f; }, {x.detach()}));
            CHECK(gradcheck([](const auto& in) { return 3.0f / in[0]; }, {nz.detach()}));
            CHECK(gradcheck([](const auto& in) { return -in[0]; }, {x.detach()}));
        }
    }
}

TEST_CASE("mismatched broadcast shapes are an error naming both", "[ops][binary][error]") {
    const Tensor m = zeros({2, 3});
    const Tensor v = zeros({2});
    CHECK_THROWS_MATCHES(m + v, Error, test::message(Contains("[2, 3]") && Contains("[2]")));
    CHECK_THROWS_MATCHES(m - v, Error, test::message(Contains("[2, 3]") && Contains("[2]")));
    CHECK_THROWS_MATCHES(v * m, Error, test::message(Contains("[2, 3]") && Contains("[2]")));
    CHECK_THROWS_MATCHES(v / m, Error, test::message(Contains("[2, 3]") && Contains("[2]")));
    CHECK_THROWS_MATCHES(zeros({2, 3}) + zeros({3, 2}), Error,
                         test::message(Contains("[2, 3]") && Contains("[3, 2]")));
    CHECK_THROWS_MATCHES(zeros({3, 2}) * zeros({3}), Error,
                         test::message(Contains("[3, 2]") && Contains("[3]")));
    CHECK_THROWS_MATCHES(zeros({4}) + zeros({3}), Error,
                         test::message(Contains("[4]") && Contains("[3]")));
}
