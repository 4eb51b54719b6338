// sin and cos: values against the C library, gradients, and gradchecks.

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
using test::check_close;
using test::gradcheck;

namespace {
Tensor mapped(const Tensor& x, float (*f)(float)) {
    std::vector<float> v = x.to_vector();
    for (float& e : v)
        e = f(e);
    return Tensor(v, x.shape());
}

float sin_of(float x) {
    return std::sin(x);
}
float cos_of(float x) {
    return std::cos(x);
}
float minus_sin_of(float x) {
    return -std::sin(x);
}
}  // namespace

TEST_CASE("sin and cos", "[ops][trig]") {
    const Tensor x({-10, -3.14159265f, -1, 0, 0.5f, 1.5f, 3, 100}, {2, 4});
    check_close(sin(x), mapped(x, sin_of));
    check_close(cos(x), mapped(x, cos_of));
    CHECK(sin(full({}, 0.0f)).shape() == Shape{});
    CHECK(std::signbit(sin(Tensor{-0.0f}).item()));  // sin(-0) = -0, as torch
    const float inf = std::numeric_limits<float>::infinity();
    for (float v : sin(Tensor{inf, -inf, std::nanf("")}).to_vector())
        CHECK(std::isnan(v));
    for (float v : cos(Tensor{inf, -inf, std::nanf("")}).to_vector())
        CHECK(std::isnan(v));
}

TEST_CASE("sin and cos gradients", "[ops][trig][grad]") {
    const Tensor x = Tensor({-2, -0.5f, 0, 1, 2.5f, 4}, {2, 3}).requires_grad_();
    check_close(grad(sum(sin(x)), {x})[0], mapped(x.detach(), cos_of));
    check_close(grad(sum(cos(x)), {x})[0], mapped(x.detach(), minus_sin_of));
    for (const Shape& s : std::vector<Shape>{{}, {5}, {2, 3}}) {
        INFO(format_shape(s));
        CHECK(gradcheck([](const auto& in) { return sin(in[0]); }, {test::uniform(s, -4, 4, 111)}));
        CHECK(gradcheck([](const auto& in) { return cos(in[0]); }, {test::uniform(s, -4, 4, 112)}));
        // sin^2 + cos^2 = 1 has a zero gradient.
        CHECK(gradcheck(
            [](const auto& in) { return sin(in[0]) * sin(in[0]) + cos(in[0]) * cos(in[0]); },
            {test::uniform(s, -4, 4, 113)}));
    }
}
