#include <cmath>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/approx.hpp"

using namespace tinynn;
using Catch::Matchers::Contains;

namespace {
// A user's model: two layers registered by name.
struct TwoLayer : nn::Module {
    TwoLayer()
        : fc1(register_module("fc1", nn::Linear(2, 3))),
          fc2(register_module("fc2", nn::Linear(3, 1))) {}
    Tensor forward(const Tensor& x) override { return (*fc2)(tanh((*fc1)(x))); }
    std::shared_ptr<nn::Linear> fc1, fc2;
};

std::vector<std::string> names(const nn::StateDict& dict) {
    std::vector<std::string> out;
    for (const auto& entry : dict)
        out.push_back(entry.first);
    return out;
}
}  // namespace

TEST_CASE("Sequential names its layers 0, 1, ... as torch does", "[nn][sequential]") {
    auto model = nn::Sequential(nn::Linear(2, 8), nn::Tanh(), nn::Linear(8, 8),
                                nn::LeakyReLU(0.01f), nn::Linear(8, 1), nn::Sigmoid());
    CHECK(model.size() == 6);
    CHECK(names(model.named_parameters()) == std::vector<std::string>{"0.weight", "0.bias",
                                                                      "2.weight", "2.bias",
                                                                      "4.weight", "4.bias"});
    CHECK(model.parameters().size() == 6);
    CHECK(model.named_parameters()[2].second.shape() == Shape{8, 8});
    CHECK(model.as<nn::Linear>(4) != nullptr);
    CHECK(model.as<nn::Linear>(1) == nullptr);
    CHECK_THROWS_AS(model[6], Error);

    model.push_back(nn::Linear(1, 1));
    CHECK(names(model.named_parameters()).back() == "6.bias");
}

TEST_CASE("Custom modules register parameters and submodules by dotted name", "[nn][module]") {
    TwoLayer net;
    CHECK(names(net.named_parameters()) ==
          std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"});
    CHECK(names(net.named_parameters(false)).empty());
    CHECK(net(ones({4, 2})).shape() == Shape{4, 1});

    nn::Module m;
    m.register_parameter("scale", ones({}));
    CHECK(m.parameters().at(0).requires_grad());
    CHECK_THROWS_WITH(m.register_parameter("scale", ones({})), Contains("already registered"));
    CHECK_THROWS_WITH(m.register_parameter("", ones({})), Contains("empty"));
    CHECK_THROWS_WITH(m.register_parameter("a.b", ones({})), Contains("'.'"));
    CHECK_THROWS_WITH(m.register_module("x.y", nn::ReLU()), Contains("'.'"));
    CHECK_THROWS_AS(m(ones({1})), Error);  // no forward of its own
}

TEST_CASE("Linear has PyTorch's init bounds and shapes", "[nn][linear][init]") {
    manual_seed(0);
    nn::Linear layer(64, 32);
    CHECK(layer.weight().shape() == Shape{32, 64});
    CHECK(layer.bias().shape() == Shape{32});
    const float bound = 1.0f / 8.0f;
    const auto& w = layer.weight().matrix();
    CHECK(w.maxCoeff() <= bound);
    CHECK(w.minCoeff() >= -bound);
    CHECK(w.maxCoeff() > 0.9f * bound);  // drawn over the whole range
    CHECK(w.minCoeff() < -0.9f * bound);
    CHECK(layer.bias().matrix().cwiseAbs().maxCoeff() <= bound);
    CHECK_FALSE(nn::Linear(3, 2, false).bias().defined());

    manual_seed(0);
    nn::Linear again(64, 32);
    CHECK(again.weight().to_vector() == layer.weight().to_vector());
}

TEST_CASE("A shape mismatch names the layer, expected and found", "[nn][linear][errors]") {
    nn::Linear layer(2, 8);
    CHECK_THROWS_WITH(layer(ones({4, 5})), Contains("expected input with 2 features") &&
                                               Contains("[4, 5]") && Contains("Linear"));
    auto model = nn::Sequential(nn::Linear(2, 8), nn::ReLU(), nn::Linear(3, 1));
    CHECK_THROWS_WITH(model(ones({4, 2})), Contains("Sequential layer 2") &&
                                               Contains("expected input with 3 features") &&
                                               Contains("[4, 8]"));
    CHECK_THROWS_AS(nn::Linear(-1, 2), Error);
}

TEST_CASE("Losses reject mismatched or invalid targets", "[nn][loss][errors]") {
    // [4, 1] against [4] broadcasts, as in torch; [4, 2] against [4] cannot.
    CHECK_THROWS_WITH(nn::MSELoss()(ones({4, 2}), ones({4})),
                      Contains("[4, 2]") && Contains("[4]"));
    nn::CrossEntropyLoss ce;
    const Tensor logits = zeros({2, 3});
    CHECK_THROWS_WITH(ce(logits, Tensor({0, 3})), Contains("target 3") && Contains("0..2"));
    CHECK_THROWS_WITH(ce(logits, Tensor({0.5f, 1})), Contains("target 0.5"));
    CHECK_THROWS_WITH(ce(logits, Tensor({-1, 1})), Contains("target -1"));
    CHECK_THROWS_AS(ce(logits, Tensor({0, 1, 2})), Error);
    CHECK_THROWS_AS(ce(logits, Tensor({NAN, 1})), Error);
}

TEST_CASE("Loss reductions: none keeps the shape, sum and mean agree", "[nn][loss]") {
    const Tensor x({1, 2, 3, 4}, {2, 2});
    const Tensor y({0, 0, 0, 0}, {2, 2});
    CHECK(nn::MSELoss(nn::Reduction::none)(x, y).to_vector() == std::vector<float>{1, 4, 9, 16});
    CHECK(nn::MSELoss(nn::Reduction::sum)(x, y).item() == 30.0f);
    CHECK(nn::MSELoss()(x, y).item() == 7.5f);
    const Tensor logits({0, 0, 0, 0}, {2, 2});
    auto none = nn::CrossEntropyLoss(nn::Reduction::none)(logits, Tensor({0, 1}));
    CHECK(none.shape() == Shape{2});
    tinynn::test::check_close(none, Tensor({std::log(2.0f), std::log(2.0f)}));
    tinynn::test::check_close(nn::CrossEntropyLoss(nn::Reduction::sum)(logits, Tensor({0, 1})),
                              Tensor({2 * std::log(2.0f)}).reshape({}));
}

TEST_CASE("Cross-entropy stays finite for logits of +-1000", "[nn][cross_entropy]") {
    Tensor logits = Tensor({1000, -1000, 0, -1000, 1000, 500}, {2, 3}).requires_grad_();
    Tensor loss = nn::functional::cross_entropy(logits, Tensor({1, 0}));
    CHECK(loss.item() == Approx(2000.0f));  // each row: 1000 - (-1000)
    loss.backward();
    for (float g : logits.grad().to_vector())
        CHECK(std::isfinite(g));
}

TEST_CASE("state_dict and load_state_dict check names and shapes", "[nn][module][state]") {
    manual_seed(1);
    auto a = nn::Sequential(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1));
    manual_seed(2);
    auto b = nn::Sequential(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1));
    REQUIRE(a.parameters()[0].to_vector() != b.parameters()[0].to_vector());
    b.load_state_dict(a.state_dict());
    for (size_t i = 0; i < a.parameters().size(); ++i)
        CHECK(a.parameters()[i].to_vector() == b.parameters()[i].to_vector());
    // A copy, not a shared value: changing a leaves b as loaded.
    a.parameters()[0].matrix()(0, 0) += 1.0f;
    CHECK(a.parameters()[0].to_vector() != b.parameters()[0].to_vector());

    auto wrong_shape = nn::Sequential(nn::Linear(2, 4), nn::ReLU(), nn::Linear(4, 1));
    const auto before = b.parameters()[2].to_vector();
    CHECK_THROWS_WITH(b.load_state_dict(wrong_shape.state_dict()),
                      Contains("0.weight") && Contains("[4, 2]") && Contains("[3, 2]"));
    CHECK(b.parameters()[2].to_vector() == before);  // nothing half-loaded

    nn::StateDict partial = a.state_dict();
    partial.pop_back();
    CHECK_THROWS_WITH(b.load_state_dict(partial), Contains("missing \"2.bias\""));
    CHECK_NOTHROW(b.load_state_dict(partial, /*strict=*/false));
    nn::StateDict extra = a.state_dict();
    extra.emplace_back("9.weight", ones({1}));
    CHECK_THROWS_WITH(b.load_state_dict(extra), Contains("unexpected \"9.weight\""));
}

TEST_CASE("zero_grad, train and eval reach every submodule", "[nn][module]") {
    TwoLayer net;
    net(ones({3, 2})).sum().backward();
    for (const Tensor& p : net.parameters())
        CHECK(p.grad().defined());
    net.zero_grad();
    for (const Tensor& p : net.parameters())
        CHECK_FALSE(p.grad().defined());
    net.eval();
    CHECK_FALSE(net.is_training());
    CHECK_FALSE(net.fc1->is_training());
    net.train();
    CHECK(net.fc2->is_training());
}

TEST_CASE("nn::init fills with the documented distributions", "[nn][init]") {
    manual_seed(5);
    Tensor w = zeros({200, 300});
    auto stats = [&w] {
        const auto& m = w.matrix();
        const double mean = m.mean();
        const double var = (m.array() - mean).square().mean();
        return std::pair{mean, std::sqrt(var)};
    };
    nn::init::xavier_uniform_(w);
    CHECK(w.matrix().cwiseAbs().maxCoeff() <= std::sqrt(6.0f / 500.0f));
    CHECK(stats().second == Approx(std::sqrt(2.0 / 500.0)).epsilon(0.03));
    nn::init::xavier_normal_(w, 2.0f);
    CHECK(stats().second == Approx(2.0 * std::sqrt(2.0 / 500.0)).epsilon(0.03));
    nn::init::kaiming_uniform_(w, 0.0f, nn::init::FanMode::fan_in, nn::init::Nonlinearity::relu);
    CHECK(w.matrix().cwiseAbs().maxCoeff() <= std::sqrt(6.0f / 300.0f));
    CHECK(stats().second == Approx(std::sqrt(2.0 / 300.0)).epsilon(0.03));
    nn::init::kaiming_normal_(w, 0.0f, nn::init::FanMode::fan_out, nn::init::Nonlinearity::relu);
    CHECK(stats().second == Approx(std::sqrt(2.0 / 200.0)).epsilon(0.03));
    nn::init::normal_(w, 3.0f, 0.5f);
    CHECK(stats().first == Approx(3.0).epsilon(0.01));
    CHECK(stats().second == Approx(0.5).epsilon(0.03));
    nn::init::uniform_(w, -2.0f, -1.0f);
    CHECK(w.matrix().maxCoeff() < -1.0f);
    CHECK(w.matrix().minCoeff() >= -2.0f);
    nn::init::constant_(w, 0.25f);
    CHECK(w.matrix().isConstant(0.25f));
    nn::init::zeros_(w);
    CHECK(w.matrix().isZero());
    CHECK(nn::init::calculate_gain(nn::init::Nonlinearity::tanh) == Approx(5.0 / 3.0));
    CHECK(nn::init::calculate_gain(nn::init::Nonlinearity::leaky_relu, 0.2f) ==
          Approx(std::sqrt(2.0 / 1.04)));
    CHECK_THROWS_WITH(nn::init::xavier_uniform_(zeros({3})), Contains("[3]"));
}

TEST_CASE("Forward hooks see each layer's input and output, and come off again",
          "[nn][module][hooks]") {
    manual_seed(3);
    nn::Sequential model(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1));
    const Tensor x = randn({4, 2});
    std::vector<std::string> seen;
    Tensor previous = x;
    std::vector<nn::HookHandle> handles;
    for (auto& [name, module] : model.named_modules())
        handles.push_back(module->register_forward_hook(
            [&, name = name](nn::Module&, const Tensor& in, const Tensor& out) {
                seen.push_back(name);
                if (!name.empty()) {  // each layer's input is the last layer's output
                    CHECK(in.to_vector() == previous.to_vector());
                    previous = out;
                }
            }));
    const Tensor y = model(x);
    // The layers in order, then the model itself (its hook runs after its forward).
    CHECK(seen == std::vector<std::string>{"0", "1", "2", ""});
    CHECK(previous.to_vector() == y.to_vector());
    // An error is still named by its layer.
    CHECK_THROWS_WITH(model(randn({4, 5})), Contains("Sequential layer 0"));

    for (nn::HookHandle& h : handles)
        h.remove();
    seen.clear();
    model(x);
    CHECK(seen.empty());
    handles.front().remove();  // twice is harmless

    // A handle may outlive its module.
    nn::HookHandle orphan;
    {
        nn::Tanh t;
        orphan = t.register_forward_hook([](nn::Module&, const Tensor&, const Tensor&) {});
    }
    orphan.remove();
    CHECK_THROWS_WITH(model.register_forward_hook({}), Contains("empty"));

    // A copy shares the parameters, not the hooks.
    int calls = 0;
    nn::Tanh watched;
    watched.register_forward_hook([&](nn::Module&, const Tensor&, const Tensor&) { ++calls; });
    nn::Tanh copy = watched;
    copy(x);
    CHECK(calls == 0);
    watched(x);
    CHECK(calls == 1);
}

TEST_CASE("apply visits every submodule, children first, and named_modules lists each once",
          "[nn][module]") {
    nn::Linear shared(2, 2);
    nn::Sequential inner{nn::Tanh()};
    nn::Sequential model(shared, inner, shared);
    std::vector<std::string> order;
    model.apply([&](nn::Module& m) { order.push_back(m.describe().substr(0, 4)); });
    CHECK(order == std::vector<std::string>{"Line", "Tanh", "Sequ", "Line", "Sequ"});
    std::vector<std::string> names;
    for (auto& [name, module] : model.named_modules())
        names.push_back(name);
    // Copies of a Linear share parameters but are distinct modules.
    CHECK(names == std::vector<std::string>{"", "0", "1", "1.0", "2"});
}

TEST_CASE("A module used twice is one set of parameters, saved under both names",
          "[nn][module][state]") {
    manual_seed(2);
    nn::Linear shared(3, 3);
    // Copies of a module share its parameters: layers 0 and 2 are one layer.
    nn::Sequential model(shared, nn::Tanh(), shared);
    const auto named = model.named_parameters();
    REQUIRE(named.size() == 2);
    CHECK(named[0].first == "0.weight");
    CHECK(named[1].first == "0.bias");
    CHECK(model.parameters().size() == 2);
    // state_dict lists it under every name, as PyTorch's does.
    const auto state = model.state_dict();
    REQUIRE(state.size() == 4);
    CHECK(state[2].first == "2.weight");
    CHECK(state[2].second.data() == state[0].second.data());
    CHECK_NOTHROW(model.load_state_dict(state));

    // One SGD step moves the shared weight once, by the sum of both uses' gradients.
    const Tensor x = randn({4, 3});
    const Tensor before = model.parameters()[0].detach();
    optim::SGD opt(model.parameters(), {.lr = 0.1f});
    sum(model.forward(x)).backward();
    const Tensor step = model.parameters()[0].grad().detach() * 0.1f;
    opt.step();
    test::check_close(model.parameters()[0], before - step);
}

TEST_CASE("EvalModeGuard puts a module in eval mode and restores its mode, also on a throw",
          "[nn][module]") {
    nn::Sequential model(nn::Linear(2, 2), nn::Dropout(0.5));
    {
        const nn::EvalModeGuard guard(model);
        CHECK_FALSE(model.is_training());
        CHECK_FALSE(model[1].is_training());
    }
    CHECK(model.is_training());
    CHECK(model[1].is_training());
    model.eval();
    {
        const nn::EvalModeGuard guard(model);
        CHECK_FALSE(model.is_training());
    }
    CHECK_FALSE(model.is_training());  // it was in eval mode: it stays there
    model.train();
    try {
        const nn::EvalModeGuard guard(model);
        throw Error("in the middle");
    } catch (const Error&) {
    }
    CHECK(model.is_training());
}
