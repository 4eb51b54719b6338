// tinynn::gradcheck itself: that it passes right gradients, reports wrong
// ones with the worst element, leaves the inputs as they were, and refuses
// what it cannot check.

#include <stdexcept>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "autograd/graph.hpp"

using namespace tinynn;
using Catch::Matchers::Contains;

namespace {

// y = x * x with a backward of `factor` * x * g: right for factor 2.
Tensor square_with_backward(const Tensor& x, float factor) {
    return detail::make_result(
        (x.matrix().array() * x.matrix().array()).matrix(), x.shape(), "square", {&x},
        [factor](const detail::Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            grads[0] = (factor * n.input(0).array() * g.array()).matrix();
        });
}

}  // namespace

TEST_CASE("gradcheck passes a right backward and counts what it checked", "[gradcheck]") {
    Tensor x = Tensor({0.5f, -1.0f, 2.0f, 0.25f}, {2, 2}).requires_grad_();
    const GradcheckResult r = gradcheck(
        [](const std::vector<Tensor>& in) { return square_with_backward(in[0], 2.0f); }, {x});
    CHECK(r.passed);
    CHECK(static_cast<bool>(r));
    CHECK(r.checked == 4);
    CHECK(r.failures == 0);
    CHECK(r.describe().rfind("gradcheck passed: 4 elements checked", 0) == 0);
}

TEST_CASE("gradcheck reports a wrong backward with its worst element", "[gradcheck]") {
    // The backward is off by 10 % everywhere: worst where |2x| is largest.
    Tensor x = Tensor({0.5f, -1.0f, 3.0f, 0.25f}).requires_grad_();
    const GradcheckResult r = gradcheck(
        [](const std::vector<Tensor>& in) { return square_with_backward(in[0], 2.2f); }, {x});
    CHECK_FALSE(r.passed);
    CHECK(r.checked == 4);
    CHECK(r.failures == 4);
    CHECK(r.input == 0);
    CHECK(r.element == 2);
    // sum(w * f) with w[2] = 0.5 + (2 * 7919 % 1000) / 1000 = 1.338.
    CHECK(r.analytic == Approx(2.2 * 3.0 * 1.338).epsilon(1e-5));
    CHECK(r.numeric == Approx(2.0 * 3.0 * 1.338).epsilon(1e-4));
    CHECK(r.allowed == Approx(1e-3 + 1e-2 * std::abs(r.numeric)));
    CHECK_THAT(r.describe(),
               Contains("gradcheck FAILED: 4 of 4 elements") && Contains("input 0 element 2"));
}

TEST_CASE("gradcheck checks only the inputs that require grad, and unused ones as zero",
          "[gradcheck]") {
    Tensor a = Tensor({1.0f, 2.0f}).requires_grad_();
    const Tensor target({0.5f, 0.5f});                // passed along, not checked
    Tensor unused = Tensor({3.0f}).requires_grad_();  // d f / d unused = 0
    const GradcheckResult r = gradcheck(
        [](const std::vector<Tensor>& in) { return nn::functional::mse_loss(in[0], in[1]); },
        {a, target, unused});
    CHECK(r.passed);
    CHECK(r.checked == 3);
}

TEST_CASE("gradcheck steps parameters through their handles and restores every value",
          "[gradcheck]") {
    manual_seed(5);
    nn::Linear layer(3, 2);
    const Tensor x = randn({4, 3});
    const std::vector<float> weight = layer.weight().to_vector();
    const GradcheckResult r =
        gradcheck([&](const std::vector<Tensor>&) { return tanh(layer(x)); }, layer.parameters());
    CHECK(r.passed);
    CHECK(r.checked == 8);
    CHECK(layer.weight().to_vector() == weight);
    // grad() is used, not backward(): the parameters' own grads are untouched.
    CHECK_FALSE(layer.weight().grad().defined());

    // A function that throws mid-check leaves the stepped element restored.
    Tensor v = Tensor({1.0f, 2.0f}).requires_grad_();
    int calls = 0;
    CHECK_THROWS_AS(gradcheck(
                        [&](const std::vector<Tensor>& in) {
                            if (++calls == 3)
                                throw std::runtime_error("boom");
                            return in[0] * 2.0f;
                        },
                        {v}),
                    std::runtime_error);
    CHECK(v.to_vector() == std::vector<float>{1.0f, 2.0f});
}

TEST_CASE("gradcheck refuses what it cannot check", "[gradcheck][errors]") {
    const auto identity = [](const std::vector<Tensor>& in) { return in[0] * 1.0f; };
    CHECK_THROWS_WITH(gradcheck(identity, {Tensor({1.0f})}), Contains("no input requires grad"));
    Tensor leaf = Tensor({1.0f}).requires_grad_();
    CHECK_THROWS_WITH(gradcheck(identity, {leaf * 2.0f}),
                      Contains("input 0") && Contains("made by an op"));
    CHECK_THROWS_WITH(gradcheck(identity, {leaf}, {.eps = 0}), Contains("eps"));
    // A step that rounds away at this magnitude in float32.
    Tensor big = Tensor({1e8f}).requires_grad_();
    CHECK_THROWS_WITH(gradcheck(identity, {big}), Contains("below float32's resolution"));
    {
        NoGradGuard no_grad;
        CHECK_THROWS_WITH(gradcheck(identity, {leaf}), Contains("NoGradGuard"));
    }
    int calls = 0;
    CHECK_THROWS_WITH(gradcheck(
                          [&](const std::vector<Tensor>& in) {
                              return ++calls == 1 ? in[0] * 1.0f : in[0].reshape({1, 1});
                          },
                          {leaf}),
                      Contains("same function every call"));
}
