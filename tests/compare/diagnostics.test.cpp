// The diagnostics against values worked out by hand on a 2-3-1 network.

#include <cmath>
#include <memory>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/approx.hpp"
#include "tinynn/experiment/diagnostics.hpp"

using namespace tinynn;
using namespace tinynn::experiment;
using namespace tinynn::test;

namespace {

// Linear(2, 3) with W1 = [[1, 0], [0, 1], [-1, -1]], zero bias; the given
// hidden activation; Linear(3, 1) with W2 = [[1, 1, 1]], zero bias; then an
// optional output layer, which the diagnostics must leave out.
nn::Sequential tiny_model(std::shared_ptr<nn::Module> hidden, bool sigmoid_output = false) {
    nn::Sequential model;
    nn::Linear first(2, 3), second(3, 1);
    first.weight().matrix() << 1, 0, 0, 1, -1, -1;
    first.bias().matrix().setZero();
    second.weight().matrix() << 1, 1, 1;
    second.bias().matrix().setZero();
    model.push_back(first);
    model.push_back(std::move(hidden));
    model.push_back(second);
    if (sigmoid_output)
        model.push_back(nn::Sigmoid());
    return model;
}

// The Diagnostics callback driven by hand, as fit() drives it.
class Watch {
  public:
    explicit Watch(nn::Module& model) : model_(model) { diagnostics_.on_train_begin(model); }
    ~Watch() { diagnostics_.on_train_end(model_, {}); }
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    Tensor forward(const Tensor& x) {
        diagnostics_.on_batch_begin(state_);
        return model_(x);
    }
    void after_backward() { diagnostics_.on_after_backward(model_, state_); }
    EpochDiagnostics finish_epoch() { return diagnostics_.finish_epoch(); }

  private:
    nn::Module& model_;
    Diagnostics diagnostics_;
    TrainState state_;
};

// One training step's forward and backward with MSE against `y`.
EpochDiagnostics one_step(nn::Sequential& model, const Tensor& x, const Tensor& y) {
    Watch recorder(model);
    model.zero_grad();
    nn::functional::mse_loss(recorder.forward(x), y).backward();
    recorder.after_backward();
    return recorder.finish_epoch();
}

}  // namespace

TEST_CASE("ReLU diagnostics match a hand computation", "[compare][diagnostics]") {
    auto model = tiny_model(std::make_shared<nn::ReLU>());
    // Pre-activations [[1, 2, -3], [3, -1, -2]]; ReLU [[1, 2, 0], [3, 0, 0]];
    // output [3, 3]. Unit 3 is 0 for both samples: dead.
    const Tensor x = Tensor({1.f, 2.f, 3.f, -1.f}).reshape({2, 2});
    const Tensor y = Tensor({1.f, 2.f}).reshape({2, 1});
    const EpochDiagnostics d = one_step(model, x, y);

    // dL/dout = (out - y) * 2 / 2 = [2, 1]; dW2 = 2 [1, 2, 0] + 1 [3, 0, 0] =
    // [5, 4, 0]; dpre = [[2, 2, 0], [1, 0, 0]]; dW1 = [[5, 3], [2, 4], [0, 0]].
    REQUIRE(d.grad_norms.size() == 2);
    CHECK(d.grad_norms[0].name == "0.weight");
    CHECK(d.grad_norms[1].name == "2.weight");
    CHECK(close(d.grad_norms[0].norm, std::sqrt(54.0)));
    CHECK(close(d.grad_norms[1].norm, std::sqrt(41.0)));

    REQUIRE(d.activations.size() == 1);
    const ActivationStats& a = d.activations[0];
    CHECK(a.layer == "1");
    CHECK(a.kind == nn::Activation::relu);
    CHECK(a.units == 3);
    CHECK(close(*a.dead_fraction, 1.0 / 3));
    CHECK_FALSE(a.saturated_fraction);
    CHECK(close(a.mean, 1.0));  // (1 + 2 + 0 + 3 + 0 + 0) / 6
    CHECK(close(*d.dead_fraction, 1.0 / 3));
    CHECK_FALSE(d.saturated_fraction);
}

TEST_CASE("LeakyReLU counts units whose input was negative for every sample",
          "[compare][diagnostics]") {
    auto model = tiny_model(std::make_shared<nn::LeakyReLU>(0.1f));
    // Inputs [[1, 2, -3], [3, -1, -2]]: unit 2 is negative once, unit 3 always.
    const EpochDiagnostics d = one_step(model, Tensor({1.f, 2.f, 3.f, -1.f}).reshape({2, 2}),
                                        Tensor({1.f, 2.f}).reshape({2, 1}));
    REQUIRE(d.activations.size() == 1);
    CHECK(close(*d.activations[0].dead_fraction, 1.0 / 3));
    // (1 + 2 - 0.3 + 3 - 0.1 - 0.2) / 6
    CHECK(close(d.activations[0].mean, 5.4 / 6));
}

TEST_CASE("tanh and sigmoid saturation use the documented margin", "[compare][diagnostics]") {
    SECTION("tanh: |t| > 0.96, that is |x| > 1.946") {
        auto model = tiny_model(std::make_shared<nn::Tanh>());
        // Inputs [[1, 2, -3], [3, -1, -2]]: 2, -3, 3 and -2 saturate.
        const EpochDiagnostics d = one_step(model, Tensor({1.f, 2.f, 3.f, -1.f}).reshape({2, 2}),
                                            Tensor({1.f, 2.f}).reshape({2, 1}));
        CHECK(close(*d.activations[0].saturated_fraction, 4.0 / 6));
        CHECK_FALSE(d.activations[0].dead_fraction);
        CHECK(std::abs(d.activations[0].mean) < 1e-7);  // odd function, symmetric inputs
        CHECK(close(*d.saturated_fraction, 4.0 / 6));
    }
    SECTION("sigmoid: s < 0.02 or s > 0.98, that is |x| > 3.892") {
        auto model = tiny_model(std::make_shared<nn::Sigmoid>());
        // Inputs [[2, 4, -6], [6, -2, -4]]: 4, -6, 6 and -4 saturate.
        const EpochDiagnostics d = one_step(model, Tensor({2.f, 4.f, 6.f, -2.f}).reshape({2, 2}),
                                            Tensor({1.f, 2.f}).reshape({2, 1}));
        CHECK(close(*d.activations[0].saturated_fraction, 4.0 / 6));
        CHECK(close(d.activations[0].mean, 0.5, 1e-6));  // sigmoid(x) + sigmoid(-x) = 1
    }
}

TEST_CASE("ELU, SELU and Softplus saturate only near their lower asymptote",
          "[compare][diagnostics]") {
    // The margin is 2 % of the band [asymptote, asymptote + width]: ELU's
    // and SELU's output within 2 % of their width above the asymptote means
    // exp(x) < 0.02, x < -3.91, whatever alpha; Softplus's below 0.02 / beta
    // means x < -3.90 at beta 1 and x < -1.95 at beta 2. Inputs
    // [[2, 4, -6], [6, -2, -4]]: -6 and -4 saturate, and -2 too at beta 2;
    // 4 and 6, far up the unbounded side, never do.
    const Tensor x = Tensor({2.f, 4.f, 6.f, -2.f}).reshape({2, 2});
    const Tensor y = Tensor({1.f, 2.f}).reshape({2, 1});
    const std::vector<std::tuple<const char*, std::shared_ptr<nn::Module>, double>> cases{
        {"elu", std::make_shared<nn::ELU>(), 2.0 / 6},
        {"elu alpha 2", std::make_shared<nn::ELU>(2.0f), 2.0 / 6},
        {"selu", std::make_shared<nn::SELU>(), 2.0 / 6},
        {"softplus", std::make_shared<nn::Softplus>(), 2.0 / 6},
        {"softplus beta 2", std::make_shared<nn::Softplus>(2.0f), 3.0 / 6},
    };
    for (const auto& [name, module, fraction] : cases) {
        SECTION(name) {
            auto model = tiny_model(module);
            const EpochDiagnostics d = one_step(model, x, y);
            REQUIRE(d.activations.size() == 1);
            CHECK(close(*d.activations[0].saturated_fraction, fraction));
            CHECK_FALSE(d.activations[0].dead_fraction);
            CHECK(close(*d.saturated_fraction, fraction));
        }
    }
}

TEST_CASE("an output activation is not a hidden unit", "[compare][diagnostics]") {
    auto model = tiny_model(std::make_shared<nn::ReLU>(), /*sigmoid_output=*/true);
    Watch recorder(model);
    const Tensor x = Tensor({1.f, 2.f, 3.f, -1.f}).reshape({2, 2});
    check_close(recorder.forward(x), model(x));
    const EpochDiagnostics d = recorder.finish_epoch();
    REQUIRE(d.activations.size() == 1);
    CHECK(d.activations[0].layer == "1");
}

TEST_CASE("diagnostics average gradient norms over the epoch and reset after it",
          "[compare][diagnostics]") {
    auto model = tiny_model(std::make_shared<nn::ReLU>());
    Watch recorder(model);
    const Tensor y = Tensor({1.f, 2.f}).reshape({2, 1});
    // The first batch as above; in the second only unit 3 is positive.
    for (const Tensor& x : {Tensor({1.f, 2.f, 3.f, -1.f}).reshape({2, 2}),
                            Tensor({-1.f, -1.f, -2.f, -2.f}).reshape({2, 2})}) {
        model.zero_grad();
        nn::functional::mse_loss(recorder.forward(x), y).backward();
        recorder.after_backward();
    }
    EpochDiagnostics d = recorder.finish_epoch();
    // Second batch: relu outputs [[0, 0, 2], [0, 0, 4]]; out = [2, 4];
    // dL/dout = [1, 2]; dW2 = [0, 0, 1 * 2 + 2 * 4] = [0, 0, 10];
    // dpre = [[0, 0, 1], [0, 0, 2]]; dW1 row 3 = 1 [-1, -1] + 2 [-2, -2].
    CHECK(close(d.grad_norms[0].norm, (std::sqrt(54.0) + std::sqrt(50.0)) / 2));
    CHECK(close(d.grad_norms[1].norm, (std::sqrt(41.0) + 10) / 2));
    // Every unit was positive for some sample of the epoch.
    CHECK(close(*d.dead_fraction, 0.0));

    model.zero_grad();
    nn::functional::mse_loss(recorder.forward(Tensor({1.f, 2.f, 3.f, -1.f}).reshape({2, 2})), y)
        .backward();
    recorder.after_backward();
    d = recorder.finish_epoch();
    CHECK(close(d.grad_norms[0].norm, std::sqrt(54.0)));
    CHECK(close(*d.dead_fraction, 1.0 / 3));
}

namespace {

// A model of its own (SPEC §6's residual block): one activation module used
// twice, Linears under their own names.
class Block : public nn::Module {
  public:
    Block()
        : in_(register_module("in", std::make_shared<nn::Linear>(2, 3))),
          out_(register_module("out", std::make_shared<nn::Linear>(3, 1))),
          act_(register_module("act", std::make_shared<nn::ReLU>())) {}
    Tensor forward(const Tensor& x) override {
        const Tensor h = (*act_)((*in_)(x));  // [batch, 3]
        return (*out_)(h + (*act_)(h));       // [batch, 1]
    }

  private:
    std::shared_ptr<nn::Linear> in_, out_;
    std::shared_ptr<nn::Module> act_;
};

}  // namespace

TEST_CASE("diagnostics watch any module through its forward hooks", "[compare][diagnostics]") {
    manual_seed(4);
    Block model;
    Watch watch(model);
    const Tensor x = randn({5, 2});
    model.zero_grad();
    nn::functional::mse_loss(watch.forward(x), zeros({5, 1})).backward();
    watch.after_backward();
    // A forward outside a training batch (evaluation) is not counted.
    model(randn({7, 2}));
    const EpochDiagnostics d = watch.finish_epoch();
    REQUIRE(d.grad_norms.size() == 2);
    CHECK(d.grad_norms[0].name == "in.weight");
    CHECK(d.grad_norms[1].name == "out.weight");
    CHECK(d.grad_norms[0].norm > 0);
    REQUIRE(d.activations.size() == 1);
    CHECK(d.activations[0].layer == "act");
    CHECK(d.activations[0].kind == nn::Activation::relu);
    CHECK(d.activations[0].units == 3);
    // Both calls of the shared activation count: 2 x 5 samples x 3 units.
    const nn::StateDict params = model.named_parameters();  // in.weight, in.bias, ...
    const Tensor h = relu(nn::functional::linear(x, params[0].second, params[1].second));
    const double mean_one = static_cast<double>(h.matrix().cast<double>().mean());
    CHECK(close(d.activations[0].mean, mean_one));  // relu(relu(h)) = relu(h)
}
