// Finite differences against the backward of every layer and loss.

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/gradcheck.hpp"

using namespace tinynn;
using tinynn::test::gradcheck;

TEST_CASE("functional::linear gradients, batched and single", "[nn][linear][gradcheck]") {
    manual_seed(1);
    CHECK(gradcheck([](const auto& in) { return nn::functional::linear(in[0], in[1], in[2]); },
                    {randn({5, 3}), randn({4, 3}), randn({4})}));
    CHECK(gradcheck([](const auto& in) { return nn::functional::linear(in[0], in[1]); },
                    {randn({5, 3}), randn({4, 3})}));
    CHECK(gradcheck([](const auto& in) { return nn::functional::linear(in[0], in[1], in[2]); },
                    {randn({3}), randn({2, 3}), randn({2})}));
}

TEST_CASE("mse_loss gradients for every reduction", "[nn][mse][gradcheck]") {
    manual_seed(2);
    for (auto r : {nn::Reduction::mean, nn::Reduction::sum, nn::Reduction::none}) {
        CHECK(gradcheck([r](const auto& in) { return nn::functional::mse_loss(in[0], in[1], r); },
                        {randn({4, 3}), randn({4, 3})}));
    }
    CHECK(gradcheck([](const auto& in) { return nn::functional::mse_loss(in[0], in[1]); },
                    {randn({5}), randn({5})}));
}

TEST_CASE("cross_entropy gradients for every reduction", "[nn][cross_entropy][gradcheck]") {
    manual_seed(3);
    const Tensor target({2, 0, 1, 2});
    for (auto r : {nn::Reduction::mean, nn::Reduction::sum, nn::Reduction::none}) {
        CHECK(gradcheck(
            [&](const auto& in) { return nn::functional::cross_entropy(in[0], target, r); },
            {randn({4, 3})}));
    }
    const Tensor one = Tensor({1.0f}).reshape({});
    CHECK(gradcheck([&](const auto& in) { return nn::functional::cross_entropy(in[0], one); },
                    {randn({3})}));
}

TEST_CASE("A Sequential MLP's gradients, parameters included", "[nn][sequential][gradcheck]") {
    manual_seed(4);
    nn::Sequential model(nn::Linear(3, 5), nn::Tanh(), nn::Linear(5, 4), nn::LeakyReLU(0.1f),
                         nn::Linear(4, 2), nn::Sigmoid());
    auto params = model.parameters();
    std::vector<Tensor> inputs{randn({6, 3})};
    inputs.insert(inputs.end(), params.begin(), params.end());
    // The parameters are perturbed in place through their handles.
    CHECK(gradcheck([&](const auto& in) { return model(in[0]); }, inputs));
}
