// exp, log, pow, sqrt, abs, clamp: values, PyTorch's gradients at the
// special points, and gradchecks away from kinks.

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
Tensor mapped(const Tensor& x, float (*f)(float)) {
    std::vector<float> v = x.to_vector();
    for (float& e : v)
        e = f(e);
    return Tensor(v, x.shape());
}

// The shapes every unary op is checked on.
const std::vector<Shape> unary_shapes = {{}, {5}, {2, 3}};
}  // namespace

TEST_CASE("exp and log", "[ops][elementwise][exp]") {
    const Tensor x({-1, 0, 0.5f, 2}, {2, 2});
    check_close(exp(x), Tensor({std::exp(-1.0f), 1, std::exp(0.5f), std::exp(2.0f)}, {2, 2}));
    check_close(x.exp(), exp(x));
    check_close(log(Tensor{1, 0.5f, 10}), Tensor{0, std::log(0.5f), std::log(10.0f)});
    check_close(Tensor{4}.log(), Tensor{std::log(4.0f)});
    CHECK(std::isinf(log(Tensor{0}).item()));
    CHECK(std::isnan(log(Tensor{-1}).item()));

    const Tensor a = Tensor{-1, 0, 2}.requires_grad_();
    check_close(grad(sum(exp(a)), {a})[0], exp(a.detach()));
    const Tensor b = Tensor{0.5f, 1, 4}.requires_grad_();
    check_close(grad(sum(log(b)), {b})[0], Tensor{2, 1, 0.25f});
    for (const Shape& s : unary_shapes) {
        INFO(format_shape(s));
        CHECK(gradcheck([](const auto& in) { return exp(in[0]); }, {test::uniform(s, -2, 2, 61)}));
        CHECK(
            gradcheck([](const auto& in) { return log(in[0]); }, {test::uniform(s, 0.5f, 3, 62)}));
    }
}

TEST_CASE("pow", "[ops][elementwise][pow]") {
    const Tensor x({-2, -0.5f, 1, 3}, {2, 2});
    check_equal(pow(x, 2), {4, 0.25f, 1, 9}, {2, 2});
    check_equal(x.pow(3), {-8, -0.125f, 1, 27}, {2, 2});
    check_equal(pow(x, 1), {-2, -0.5f, 1, 3}, {2, 2});
    check_equal(pow(x, 0), {1, 1, 1, 1}, {2, 2});
    check_close(pow(Tensor{4, 0.25f}, 0.5f), Tensor{2, 0.5f});
    check_close(pow(Tensor{4, -0.5f}, -1), Tensor{0.25f, -2});
    check_close(pow(Tensor{2}, -2), Tensor{0.25f});

    SECTION("gradients by hand: e * x^(e-1), 0 for e = 0") {
        const Tensor a = Tensor{-2, 0.5f, 3}.requires_grad_();
        check_close(grad(sum(pow(a, 2)), {a})[0], Tensor{-4, 1, 6});
        check_close(grad(sum(pow(a, 3)), {a})[0], Tensor{12, 0.75f, 27});
        check_close(grad(sum(pow(a, -1)), {a})[0], Tensor{-0.25f, -4, -1.0f / 9});
        check_equal(grad(sum(pow(a, 0)), {a})[0], {0, 0, 0}, {3});
        const Tensor p = Tensor{4, 0.25f}.requires_grad_();
        check_close(grad(sum(pow(p, 0.5f)), {p})[0], Tensor{0.25f, 1});
    }
    SECTION("gradcheck for several exponents") {
        for (const Shape& s : unary_shapes) {
            INFO(format_shape(s));
            const Tensor any = test::uniform(s, -2, 2, 63);
            const Tensor nonzero = test::signed_away_from_zero(s, 0.5f, 2, 64);
            const Tensor positive = test::uniform(s, 0.5f, 3, 65);
            for (float e : {2.0f, 3.0f, 1.0f, 0.0f}) {
                INFO("exponent " << e);
                CHECK(gradcheck([e](const auto& in) { return pow(in[0], e); }, {any.detach()}));
            }
            CHECK(gradcheck([](const auto& in) { return pow(in[0], -1); }, {nonzero.detach()}));
            CHECK(gradcheck([](const auto& in) { return pow(in[0], -2); }, {nonzero.detach()}));
            CHECK(gradcheck([](const auto& in) { return pow(in[0], 0.5f); }, {positive.detach()}));
            CHECK(gradcheck([](const auto& in) { return pow(in[0], 1.5f); }, {positive.detach()}));
        }
    }
}

TEST_CASE("sqrt", "[ops][elementwise][sqrt]") {
    check_equal(sqrt(Tensor({0, 1, 4, 9}, {2, 2})), {0, 1, 2, 3}, {2, 2});
    check_close(Tensor{2}.sqrt(), Tensor{std::sqrt(2.0f)});
    CHECK(std::isnan(sqrt(Tensor{-1}).item()));
    const Tensor a = Tensor{1, 4, 0.25f}.requires_grad_();
    check_close(grad(sum(sqrt(a)), {a})[0], Tensor{0.5f, 0.25f, 1});
    for (const Shape& s : unary_shapes)
        CHECK(
            gradcheck([](const auto& in) { return sqrt(in[0]); }, {test::uniform(s, 0.5f, 3, 66)}));
}

TEST_CASE("abs", "[ops][elementwise][abs]") {
    check_equal(abs(Tensor({-2, 0, 3, -0.5f}, {2, 2})), {2, 0, 3, 0.5f}, {2, 2});
    check_equal(Tensor{-1}.abs(), {1}, {1});
    // torch.abs: the gradient is sign(x), so 0 at 0.
    const Tensor a = Tensor{-2, 0, 3}.requires_grad_();
    check_equal(grad(sum(abs(a)), {a})[0], {-1, 0, 1}, {3});
    for (const Shape& s : unary_shapes)
        CHECK(gradcheck([](const auto& in) { return abs(in[0]); },
                        {test::signed_away_from_zero(s, 0.1f, 2, 67)}));
}

TEST_CASE("clamp", "[ops][elementwise][clamp]") {
    const Tensor x({-3, -1, 0, 0.5f, 1, 4}, {2, 3});
    check_equal(clamp(x, -1, 1), {-1, -1, 0, 0.5f, 1, 1}, {2, 3});
    check_equal(x.clamp(0, 2), {0, 0, 0, 0.5f, 1, 2}, {2, 3});
    check_equal(clamp(full({}, 5.0f), -1, 1), {1}, {});

    // As torch.clamp: 1 inside [min, max] including the ends, 0 outside.
    const Tensor a = Tensor{-3, -1, 0, 1, 4}.requires_grad_();
    check_equal(grad(sum(clamp(a, -1, 1)), {a})[0], {0, 1, 1, 1, 0}, {5});

    // Inputs kept at least 0.1 from -1 and 1, on both sides of each.
    const Tensor away({-2, -1.5f, -0.9f, -0.3f, 0.4f, 0.9f, 1.2f, 3}, {2, 4});
    CHECK(gradcheck([](const auto& in) { return clamp(in[0], -1, 1); }, {away.detach()}));
    CHECK(
        gradcheck([](const auto& in) { return clamp(in[0], -1, 1); }, {Tensor{-1.5f, 0.2f, 1.5f}}));
    CHECK(gradcheck([](const auto& in) { return clamp(in[0], -1, 1); }, {full({}, 0.3f)}));
}

TEST_CASE("unary ops keep the shape and match the C library", "[ops][elementwise]") {
    const Tensor x = test::uniform({3, 4}, 0.1f, 3, 68);
    check_close(exp(x), mapped(x, [](float v) { return std::exp(v); }));
    check_close(log(x), mapped(x, [](float v) { return std::log(v); }));
    check_close(sqrt(x), mapped(x, [](float v) { return std::sqrt(v); }));
    check_close(pow(x, 1.5f), mapped(x, [](float v) { return std::pow(v, 1.5f); }));
    for (const Shape& s : unary_shapes) {
        const Tensor t = ones(s);
        CHECK(exp(t).shape() == s);
        CHECK(log(t).shape() == s);
        CHECK(pow(t, 2).shape() == s);
        CHECK(sqrt(t).shape() == s);
        CHECK(abs(t).shape() == s);
        CHECK(clamp(t, 0, 1).shape() == s);
    }
}
