// BCELoss, BCEWithLogitsLoss, NLLLoss and mse_loss's broadcasting against
// PyTorch 1.13 (tests/data/oracles/losses.json), finite differences, and
// their errors.

#include <cmath>
#include <limits>
#include <string>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/approx.hpp"
#include "support/gradcheck.hpp"
#include "support/oracle.hpp"

using namespace tinynn;
using Catch::Matchers::Contains;
using tinynn::test::check_close;
using tinynn::test::gradcheck;

namespace {

nn::Reduction reduction_of(const test::OracleCase& c) {
    const std::string name = c.params.at("reduction");
    if (name == "mean")
        return nn::Reduction::mean;
    if (name == "sum")
        return nn::Reduction::sum;
    REQUIRE(name == "none");
    return nn::Reduction::none;
}

// The module of the case's op, called as a user would.
Tensor loss_of(const test::OracleCase& c, const Tensor& input, const Tensor& target) {
    const nn::Reduction r = reduction_of(c);
    if (c.op == "binary_cross_entropy")
        return nn::BCELoss(r)(input, target);
    if (c.op == "binary_cross_entropy_with_logits")
        return nn::BCEWithLogitsLoss(r)(input, target);
    if (c.op == "nll_loss")
        return nn::NLLLoss(r)(input, target);
    REQUIRE(c.op == "mse_loss");
    return nn::MSELoss(r)(input, target);
}

}  // namespace

TEST_CASE("BCE, BCE with logits, NLL and broadcasting MSE match PyTorch", "[nn][loss][oracle]") {
    const auto& cases = test::oracle_cases("losses.json");
    REQUIRE(cases.size() >= 18);
    for (const auto& c : cases) {
        SECTION(c.name) {
            const bool target_grad = c.grads.count("target") > 0;
            Tensor input = c.inputs.at("input").detach().requires_grad_();
            Tensor target = c.inputs.at("target").detach();
            if (target_grad)
                target.requires_grad_();
            const Tensor loss = loss_of(c, input, target);
            check_close(loss, c.outputs.at("loss"));

            std::vector<Tensor> wrt{input};
            if (target_grad)
                wrt.push_back(target);
            const auto g = grad(loss, wrt, c.inputs.at("grad_output"));
            check_close(g[0], c.grads.at("input"));
            if (target_grad)
                check_close(g[1], c.grads.at("target"));
        }
    }
}

TEST_CASE("The functional losses are the modules' forward", "[nn][loss]") {
    const Tensor p({0.2f, 0.9f, 0.5f});
    const Tensor y({0.0f, 1.0f, 0.3f});
    for (auto r : {nn::Reduction::mean, nn::Reduction::sum, nn::Reduction::none}) {
        CHECK(nn::functional::binary_cross_entropy(p, y, r).to_vector() ==
              nn::BCELoss(r)(p, y).to_vector());
        CHECK(nn::functional::binary_cross_entropy_with_logits(p, y, r).to_vector() ==
              nn::BCEWithLogitsLoss(r)(p, y).to_vector());
        const Tensor scores({0.5f, -1.0f, 2.0f, 0.0f}, {2, 2});
        const Tensor labels({1.0f, 0.0f});
        CHECK(nn::functional::nll_loss(scores, labels, r).to_vector() ==
              nn::NLLLoss(r)(scores, labels).to_vector());
    }
    CHECK(nn::BCELoss().describe() == "BCELoss(reduction=mean)");
    CHECK(nn::BCEWithLogitsLoss(nn::Reduction::sum).describe() ==
          "BCEWithLogitsLoss(reduction=sum)");
    CHECK(nn::NLLLoss(nn::Reduction::none).describe() == "NLLLoss(reduction=none)");
}

TEST_CASE("BCEWithLogitsLoss stays exact at logits of +-100", "[nn][loss][stability]") {
    // sigmoid(-100) is 0 in float32, so BCE of the sigmoid would clamp its
    // log at -100 and lose the gradient; the logits form loses nothing.
    Tensor x = Tensor({-100.0f, 100.0f, -100.0f, 100.0f}).requires_grad_();
    const Tensor y({1.0f, 0.0f, 0.0f, 1.0f});
    const Tensor loss = nn::BCEWithLogitsLoss(nn::Reduction::none)(x, y);
    CHECK(loss.to_vector() == std::vector<float>{100.0f, 100.0f, 0.0f, 0.0f});
    loss.sum().backward();
    CHECK(x.grad().to_vector() == std::vector<float>{-1.0f, 1.0f, 0.0f, 0.0f});

    // BCE of probabilities 0 and 1 clamps each log at -100, as torch does.
    const Tensor p({0.0f, 1.0f, 0.0f, 1.0f});
    CHECK(nn::BCELoss(nn::Reduction::none)(p, y).to_vector() ==
          std::vector<float>{100.0f, 100.0f, 0.0f, 0.0f});
}

TEST_CASE("Losses are accurate over a million elements", "[nn][loss][accuracy]") {
    // Plain float accumulation of a million 0.01s drifts in the third digit.
    const Tensor x = full({1000, 1000}, 0.1f);
    const Tensor zero = zeros({1000, 1000});
    const double square = static_cast<double>(0.1f * 0.1f);  // each element's loss
    CHECK(test::close(nn::functional::mse_loss(x, zero).item(), square, 1e-6, 0));
    CHECK(test::close(nn::functional::mse_loss(x, zero, nn::Reduction::sum).item(), square * 1e6,
                      1e-6, 0));

    const Tensor scores = zeros({1000000, 2});
    const Tensor labels = zeros({1000000});
    const Tensor logits = full({1000000}, 0.1f);
    CHECK(test::close(nn::functional::nll_loss(scores - 0.1f, labels).item(),
                      static_cast<double>(0.1f), 1e-6, 0));
    const double per_element = std::log1p(std::exp(-0.1));
    CHECK(test::close(
        nn::functional::binary_cross_entropy_with_logits(logits, ones({1000000})).item(),
        per_element, 1e-5, 0));
}

TEST_CASE("mse_loss's sum and mean are its unreduced losses summed in double, rounded to float",
          "[nn][mse][loss]") {
    // The reduced losses are summed as the squares are made (no [rows, cols]
    // of squares is stored); the value must be that of the stored squares.
    const Tensor x = randn({7, 5});
    const Tensor y = randn({7, 5});
    const Tensor none = nn::functional::mse_loss(x, y, nn::Reduction::none);  // [7, 5]
    double total = 0;
    for (int64_t i = 0; i < none.numel(); ++i) {
        const float d = x.data()[i] - y.data()[i];
        CHECK(none.data()[i] == d * d);
        total += static_cast<double>(none.data()[i]);
    }
    CHECK(nn::functional::mse_loss(x, y, nn::Reduction::sum).item() == static_cast<float>(total));
    CHECK(nn::functional::mse_loss(x, y).item() == static_cast<float>(total) / 35.0f);
    // A NaN or an infinity anywhere reaches the reduced loss, as in torch.
    Tensor z(y.to_vector(), y.shape());
    z.data()[34] = std::numeric_limits<float>::quiet_NaN();
    CHECK(std::isnan(nn::functional::mse_loss(x, z).item()));
    z.data()[34] = std::numeric_limits<float>::infinity();
    CHECK(std::isinf(nn::functional::mse_loss(x, z, nn::Reduction::sum).item()));
}

TEST_CASE("BCE gradients for both arguments and every reduction", "[nn][loss][gradcheck]") {
    // Probabilities kept a step away from 0 and 1, where the log is clamped.
    const Tensor p = Tensor({0.2f, 0.6f, 0.85f, 0.4f, 0.15f, 0.7f}, {2, 3});
    const Tensor y = Tensor({0.0f, 1.0f, 0.25f, 0.5f, 1.0f, 0.0f}, {2, 3});
    for (auto r : {nn::Reduction::mean, nn::Reduction::sum, nn::Reduction::none}) {
        CHECK(gradcheck(
            [r](const auto& in) { return nn::functional::binary_cross_entropy(in[0], in[1], r); },
            {p, y}, {.eps = 1e-3}));
    }
    CHECK(
        gradcheck([](const auto& in) { return nn::functional::binary_cross_entropy(in[0], in[1]); },
                  {Tensor({0.3f}).reshape({}), Tensor({0.8f}).reshape({})}, {.eps = 1e-3}));
}

TEST_CASE("BCE with logits gradients for both arguments and every reduction",
          "[nn][loss][gradcheck]") {
    manual_seed(11);
    for (auto r : {nn::Reduction::mean, nn::Reduction::sum, nn::Reduction::none}) {
        CHECK(gradcheck(
            [r](const auto& in) {
                return nn::functional::binary_cross_entropy_with_logits(in[0], in[1], r);
            },
            {randn({4, 3}) * 3.0f, rand({4, 3})}));
    }
    CHECK(gradcheck(
        [](const auto& in) {
            return nn::functional::binary_cross_entropy_with_logits(in[0], in[1]);
        },
        {randn({5}), rand({5})}));
}

TEST_CASE("NLL gradients for every reduction", "[nn][loss][gradcheck]") {
    manual_seed(12);
    const Tensor target({2, 0, 1, 2});
    for (auto r : {nn::Reduction::mean, nn::Reduction::sum, nn::Reduction::none}) {
        CHECK(gradcheck(
            [&](const auto& in) {
                return nn::functional::nll_loss(log_softmax(in[0], 1), target, r);
            },
            {randn({4, 3})}));
    }
    const Tensor one = Tensor({1.0f}).reshape({});
    CHECK(gradcheck([&](const auto& in) { return nn::functional::nll_loss(in[0], one); },
                    {randn({3})}));
}

TEST_CASE("LogSoftmax then NLLLoss is CrossEntropyLoss", "[nn][loss]") {
    manual_seed(13);
    const Tensor logits = randn({5, 4}) * 4.0f;
    const Tensor target({3, 0, 1, 1, 2});
    for (auto r : {nn::Reduction::mean, nn::Reduction::sum, nn::Reduction::none}) {
        check_close(nn::NLLLoss(r)(log_softmax(logits, 1), target),
                    nn::CrossEntropyLoss(r)(logits, target));
    }
}

TEST_CASE("mse_loss broadcasts shapes that differ, as torch", "[nn][mse][gradcheck]") {
    manual_seed(14);
    struct Pair {
        Shape input, target;
    };
    for (const Pair& s : {Pair{{3}, {3, 1}}, Pair{{2, 3}, {3}}, Pair{{}, {2, 2}}, Pair{{4, 1}, {4}},
                          Pair{{1, 3}, {2, 1}}}) {
        for (auto r : {nn::Reduction::mean, nn::Reduction::sum, nn::Reduction::none}) {
            CHECK(
                gradcheck([r](const auto& in) { return nn::functional::mse_loss(in[0], in[1], r); },
                          {randn(s.input), randn(s.target)}));
        }
    }
    // {3} against {3, 1} is a [3, 3] loss, torch's value 12 / 9.
    const Tensor v({1.0f, 2.0f, 3.0f});
    CHECK(nn::MSELoss(nn::Reduction::none)(v, v.reshape({3, 1})).shape() == Shape{3, 3});
    CHECK(nn::MSELoss()(v, v.reshape({3, 1})).item() == Approx(12.0 / 9.0));
}

TEST_CASE("The new losses reject mismatched or invalid arguments", "[nn][loss][errors]") {
    CHECK_THROWS_WITH(nn::MSELoss()(ones({4, 2}), ones({3})),
                      Contains("mse_loss") && Contains("[4, 2]") && Contains("[3]"));

    nn::BCELoss bce;
    CHECK_THROWS_WITH(bce(full({2}, 0.5f), full({2, 1}, 0.5f)),
                      Contains("binary_cross_entropy") && Contains("[2]") && Contains("[2, 1]"));
    CHECK_THROWS_WITH(bce(Tensor({0.5f, 1.5f}), Tensor({0.0f, 1.0f})),
                      Contains("input 1.5 at position 1") && Contains("[0, 1]"));
    CHECK_THROWS_WITH(bce(Tensor({-0.25f}), Tensor({0.0f})), Contains("input -0.25"));
    CHECK_THROWS_WITH(bce(Tensor({std::numeric_limits<float>::quiet_NaN()}), Tensor({0.0f})),
                      Contains("input nan"));
    // As torch, targets outside [0, 1] are computed, not refused.
    CHECK(std::isfinite(bce(Tensor({0.5f}), Tensor({1.5f})).item()));

    CHECK_THROWS_WITH(
        nn::BCEWithLogitsLoss()(zeros({3}), zeros({1, 3})),
        Contains("binary_cross_entropy_with_logits") && Contains("[3]") && Contains("[1, 3]"));

    nn::NLLLoss nll;
    const Tensor scores = zeros({2, 3});
    CHECK_THROWS_WITH(nll(scores, Tensor({0, 3})),
                      Contains("nll_loss") && Contains("target 3") && Contains("0..2"));
    CHECK_THROWS_WITH(nll(scores, Tensor({0.5f, 1})), Contains("target 0.5"));
    CHECK_THROWS_WITH(nll(scores, Tensor({0, 1, 2})),
                      Contains("nll_loss") && Contains("[2, 3]") && Contains("[3]"));
    CHECK_THROWS_WITH(nll(scores, Tensor({0, 1}).requires_grad_()),
                      Contains("nll_loss") && Contains("cannot require grad"));
}
