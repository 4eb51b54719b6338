// The activations of SPEC §7 against PyTorch (tests/data/oracles/modules2.json)
// and by finite differences, and their rows in the activation table.

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/approx.hpp"
#include "support/gradcheck.hpp"
#include "support/oracle.hpp"

using namespace tinynn;
using tinynn::test::check_close;
using tinynn::test::gradcheck;

namespace {

const tinynn::test::OracleCase& oracle(const std::string& name) {
    return tinynn::test::oracle_case(name, "modules2.json");
}

// randn moved at least 0.2 away from 0, so that the central differences do
// not straddle a kink (ELU's with alpha != 1, PReLU's, Softsign's |x|).
Tensor away_from_zero(const Shape& shape) {
    Tensor x = randn(shape);
    x.matrix() = x.matrix().unaryExpr([](float v) { return v + (v < 0.0f ? -0.2f : 0.2f); });
    return x;
}

}  // namespace

TEST_CASE("The new activation modules match PyTorch at large, small and zero inputs",
          "[nn][activation][oracle]") {
    struct Entry {
        const char* name;
        std::shared_ptr<nn::Module> module;
    };
    const std::vector<Entry> entries{
        {"identity", std::make_shared<nn::Identity>()},
        {"elu", std::make_shared<nn::ELU>()},
        {"elu_0.5", std::make_shared<nn::ELU>(0.5f)},
        {"selu", std::make_shared<nn::SELU>()},
        {"gelu_none", std::make_shared<nn::GELU>()},
        {"gelu_tanh", std::make_shared<nn::GELU>(GeluApproximate::tanh)},
        {"silu", std::make_shared<nn::SiLU>()},
        {"softplus", std::make_shared<nn::Softplus>()},
        {"softplus_2_5", std::make_shared<nn::Softplus>(2.0f, 5.0f)},
        {"softsign", std::make_shared<nn::Softsign>()},
        {"mish", std::make_shared<nn::Mish>()},
    };
    for (const auto& e : entries) {
        SECTION(e.name) {
            const auto& c = oracle(e.name);
            Tensor x = c.inputs.at("x").detach().requires_grad_();
            Tensor y = (*e.module)(x);
            check_close(y, c.outputs.at("y"));
            check_close(grad(y, {x}, c.inputs.at("grad_output"))[0], c.grads.at("x"));
        }
    }
}

TEST_CASE("Softplus returns x itself above its threshold, as PyTorch",
          "[nn][activation][softplus]") {
    // beta 2, threshold 5: 2.5 is at the threshold (log1p branch), 3 above it.
    const Tensor y = nn::Softplus(2.0f, 5.0f)(Tensor({2.5f, 3.0f}, {2}));
    CHECK(y.to_vector()[1] == 3.0f);
    CHECK(y.to_vector()[0] == Approx(std::log1p(std::exp(5.0)) / 2.0).epsilon(1e-6));
}

TEST_CASE("PReLU matches PyTorch with one slope and one per column, weight gradient included",
          "[nn][prelu][oracle]") {
    for (const char* name : {"prelu_1", "prelu_6"}) {
        SECTION(name) {
            const auto& c = oracle(name);
            nn::PReLU layer(c.params.at("num_parameters").get<int64_t>());
            CHECK(layer.weight().to_vector() ==
                  std::vector<float>(static_cast<size_t>(layer.num_parameters()), 0.25f));
            layer.weight().matrix() = c.inputs.at("weight").matrix();
            Tensor x = c.inputs.at("x").detach().requires_grad_();
            Tensor y = layer(x);
            check_close(y, c.outputs.at("y"));
            auto g = grad(y, {x, layer.weight()}, c.inputs.at("grad_output"));
            check_close(g[0], c.grads.at("x"));
            check_close(g[1], c.grads.at("weight"));
        }
    }
}

TEST_CASE("PReLU names its parameter weight and refuses a mismatched input", "[nn][prelu]") {
    nn::Sequential model(nn::Linear(2, 3), nn::PReLU(3, 0.1f));
    const auto state = model.state_dict();
    REQUIRE(state.size() == 3);
    CHECK(state[2].first == "1.weight");
    CHECK(state[2].second.shape() == Shape{3});
    CHECK_THROWS_WITH(nn::PReLU(3)(randn({2, 4})),
                      Catch::Contains("[batch, 3]") && Catch::Contains("[2, 4]"));
    CHECK_THROWS_WITH(nn::PReLU(0), Catch::Contains("num_parameters >= 1"));
}

TEST_CASE("The new activations' gradients agree with finite differences",
          "[nn][activation][gradcheck]") {
    manual_seed(21);
    using Fn = std::function<Tensor(const Tensor&)>;
    const std::vector<std::pair<const char*, Fn>> fns{
        {"elu", [](const Tensor& x) { return elu(x); }},
        {"elu_0.5", [](const Tensor& x) { return elu(x, 0.5f); }},
        {"selu", [](const Tensor& x) { return selu(x); }},
        {"gelu", [](const Tensor& x) { return gelu(x); }},
        {"gelu_tanh", [](const Tensor& x) { return gelu(x, GeluApproximate::tanh); }},
        {"silu", [](const Tensor& x) { return silu(x); }},
        {"softplus", [](const Tensor& x) { return softplus(x); }},
        {"softplus_beta", [](const Tensor& x) { return softplus(x, 3.0f, 2.0f); }},
        {"softsign", [](const Tensor& x) { return softsign(x); }},
        {"mish", [](const Tensor& x) { return mish(x); }},
    };
    for (const auto& [name, fn] : fns) {
        SECTION(name) {
            CHECK(gradcheck([&fn](const auto& in) { return fn(in[0]); },
                            {away_from_zero({4, 5}) * 2.0f}));
        }
    }
}

TEST_CASE("PReLU's input and weight gradients agree with finite differences",
          "[nn][prelu][gradcheck]") {
    manual_seed(22);
    CHECK(gradcheck([](const auto& in) { return prelu(in[0], in[1]); },
                    {away_from_zero({5, 3}), randn({3})}));
    CHECK(gradcheck([](const auto& in) { return prelu(in[0], in[1]); },
                    {away_from_zero({5, 3}), randn({1})}));
    CHECK(gradcheck([](const auto& in) { return prelu(in[0], in[1]); },
                    {away_from_zero({4}), randn({1})}));
}

TEST_CASE("Each new activation has its row: name, module, spec and gain",
          "[nn][activation][table]") {
    using nn::Activation;
    for (const auto& row : nn::activation_table()) {
        CHECK(nn::activation_from_name(row.name) == row.kind);
        const auto spec = nn::activation_of(*nn::make_activation(row.kind));
        REQUIRE(spec);
        CHECK(spec->kind == row.kind);
    }
    CHECK(nn::activation_names() ==
          "sigmoid, tanh, relu, leaky_relu, identity, elu, selu, gelu, silu, softplus, "
          "softsign, mish, prelu");

    // The parameters go through make and come back from the module.
    const auto elu =
        nn::activation_of(*nn::make_activation({.kind = Activation::elu, .alpha = 0.5f}));
    CHECK(elu->alpha == 0.5f);
    const auto gelu = nn::activation_of(
        *nn::make_activation({.kind = Activation::gelu, .approximate = GeluApproximate::tanh}));
    CHECK(gelu->approximate == GeluApproximate::tanh);
    const auto softplus = nn::activation_of(
        *nn::make_activation({.kind = Activation::softplus, .beta = 2.0f, .threshold = 7.0f}));
    CHECK((softplus->beta == 2.0f && softplus->threshold == 7.0f));
    const auto prelu = nn::activation_of(
        *nn::make_activation({.kind = Activation::prelu, .num_parameters = 4, .init = 0.1f}));
    CHECK((prelu->num_parameters == 4 && prelu->init == 0.1f));
    CHECK(nn::make_activation(Activation::gelu)->describe() == "GELU(approximate='none')");

    // torch.nn.init.calculate_gain: selu 3/4; those torch has none for, 1.
    CHECK(nn::activation_gain({.kind = Activation::selu}) == 0.75f);
    for (Activation kind :
         {Activation::identity, Activation::elu, Activation::gelu, Activation::silu,
          Activation::softplus, Activation::softsign, Activation::mish})
        CHECK(nn::activation_gain({.kind = kind}) == 1.0f);
    CHECK(nn::activation_gain({.kind = Activation::prelu, .init = 0.25f}) ==
          Approx(std::sqrt(2.0 / (1.0 + 0.0625))));

    // The saturation band follows the parameters.
    CHECK(nn::activation_info(Activation::elu).health == nn::UnitHealth::saturated_low);
    CHECK(nn::activation_range({.kind = Activation::elu, .alpha = 2.0f}).low == -2.0f);
    CHECK(nn::activation_range({.kind = Activation::selu}).low == Approx(-1.7580993));
    CHECK(nn::activation_range({.kind = Activation::softplus, .beta = 4.0f}).high == 0.25f);
    CHECK(nn::activation_range({.kind = Activation::softsign}).low == -1.0f);
    CHECK(nn::activation_info(Activation::identity).health == nn::UnitHealth::none);
}

TEST_CASE("lecun_normal draws N(0, 1 / fan_in)", "[nn][init]") {
    manual_seed(23);
    Tensor w = zeros({400, 250});
    nn::init::lecun_normal_(w);
    const Eigen::ArrayXf v = Eigen::Map<const Eigen::ArrayXf>(w.matrix().data(), w.numel());
    const double mean = v.cast<double>().mean();
    const double var = (v.cast<double>() - mean).square().mean();
    CHECK(std::abs(mean) < 0.003);
    CHECK(var == Approx(1.0 / 250).epsilon(0.02));
    CHECK(nn::init::calculate_gain(nn::init::Nonlinearity::selu) == 0.75f);
}
