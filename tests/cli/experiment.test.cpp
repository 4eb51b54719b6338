// How a config becomes data, a model and encoded targets.

#include <fstream>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/cli.hpp"
#include "tinynn/cli/config.hpp"
#include "tinynn/experiment/experiment.hpp"
#include "tinynn/experiment/runs.hpp"
#include "tinynn/experiment/trainer.hpp"
#include "tinynn/models.hpp"

using namespace tinynn;
using namespace tinynn::test;

namespace {
namespace app = tinynn::experiment;

app::Config config_from(const std::string& yaml, const std::filesystem::path& dir) {
    const auto path = dir / "c.yaml";
    std::ofstream(path) << yaml;
    return tinynn::cli::load_config(path);
}

std::vector<std::string> names(const nn::Module& m) {
    std::vector<std::string> out;
    for (const auto& entry : m.named_parameters())
        out.push_back(entry.first);
    return out;
}
}  // namespace

TEST_CASE("The mlp shorthand builds torch-named layers sized by the data", "[cli][experiment]") {
    TempDir dir;
    auto e = app::prepare_experiment(config_from(
        "data: {kind: spiral, samples: 60, classes: 3}\nmodel: {hidden: [5, 4]}\n", dir.path()));
    CHECK(names(*e.model) == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias",
                                                      "4.weight", "4.bias"});
    CHECK(e.model->named_parameters()[0].second.shape() == Shape{5, 2});
    CHECK(e.model->named_parameters()[4].second.shape() == Shape{3, 4});
    // MSE on a classification task trains against one-hot rows.
    CHECK(e.train_encoded.targets.shape() == Shape{48, 3});
    CHECK(e.split.test.size() == 12);
}

TEST_CASE("A registered C++ model is built by name", "[cli][experiment][registry]") {
    models::register_model("tiny_test_model", [](const models::ModelSpec& spec) {
        return std::make_shared<nn::Sequential>(nn::Linear(spec.inputs, 3), nn::Sigmoid(),
                                                nn::Linear(3, spec.outputs));
    });
    TempDir dir;
    auto e = app::prepare_experiment(config_from(
        "data: {kind: xor, samples: 40}\nmodel: {kind: tiny_test_model}\nloss: cross_entropy\n"
        "training: {epochs: 2}\n",
        dir.path()));
    CHECK(e.model->named_parameters()[0].second.shape() == Shape{3, 2});
    CHECK(app::train(e).history.size() == 2);
    // An unknown name is refused by the loader, naming the key and where it is.
    CHECK_THROWS_WITH(config_from("data: {kind: xor}\nmodel: {kind: nope}\n", dir.path()),
                      Catch::Matchers::Contains("nope") &&
                          Catch::Matchers::Contains("model.kind") &&
                          Catch::Matchers::Contains(":2:"));
}

TEST_CASE("One sigmoid output trains a binary task with MSE on 0/1 targets", "[cli][experiment]") {
    TempDir dir;
    auto e = app::prepare_experiment(
        config_from("data: {kind: moons, samples: 40}\n"
                    "model:\n  layers:\n    - {type: linear, in: 2, out: 4}\n    - {type: tanh}\n"
                    "    - {type: linear, in: 4, out: 1}\n    - {type: sigmoid}\n"
                    "training: {epochs: 3}\n",
                    dir.path()));
    CHECK(e.train_encoded.targets.shape() == Shape{32, 1});
    const auto result = app::train(e);
    REQUIRE(result.history.size() == 3);
    CHECK(result.history.back().test_accuracy.has_value());
}

TEST_CASE("Init schemes and init_from set the starting weights", "[cli][experiment]") {
    TempDir dir;
    auto a = app::prepare_experiment(
        config_from("model: {init: xavier_uniform}\ndata: {kind: xor}\n", dir.path()));
    for (const auto& [name, p] : a.model->named_parameters())
        if (name.ends_with("bias"))
            CHECK(p.matrix().isZero());
    save(*a.model, dir.path() / "w.safetensors");
    auto b = app::prepare_experiment(
        config_from("seed: 9\ndata: {kind: xor}\nmodel: {init_from: w.safetensors}\n", dir.path()));
    for (size_t i = 0; i < a.model->parameters().size(); ++i)
        CHECK(a.model->parameters()[i].to_vector() == b.model->parameters()[i].to_vector());
}

TEST_CASE("bias_init fills every bias after the init scheme", "[cli][experiment]") {
    TempDir dir;
    const auto e = app::prepare_experiment(config_from(
        "model: {hidden: [4, 3], init: kaiming_uniform, bias_init: -1.5}\ndata: {kind: xor}\n",
        dir.path()));
    int biases = 0;
    for (const auto& [name, p] : e.model->named_parameters()) {
        if (!name.ends_with("bias"))
            continue;
        ++biases;
        CHECK((p.matrix().array() == -1.5f).all());
    }
    CHECK(biases == 3);
}

TEST_CASE("xavier and kaiming init on a layer list take the gain of each layer's activation",
          "[cli][experiment][init]") {
    // Regression: the gain was always tanh's (the shorthand's default
    // activation) for model.layers. A ReLU network's kaiming bound is
    // sqrt(6 / fan_in) (gain sqrt 2); tanh's would be 5/3 * sqrt(3 / fan_in).
    TempDir dir;
    const auto e = app::prepare_experiment(
        config_from("data: {kind: xor, samples: 400}\n"
                    "model:\n  init: kaiming_uniform\n  layers:\n"
                    "    - {type: linear, in: 2, out: 400}\n    - {type: relu}\n"
                    "    - {type: linear, in: 400, out: 400}\n    - {type: relu}\n"
                    "    - {type: linear, in: 400, out: 1}\n",
                    dir.path()));
    const Tensor w = e.model->named_parameters()[2].second;  // 2.weight [400, 400]
    const double bound = std::sqrt(6.0 / 400);
    CHECK(w.matrix().cwiseAbs().maxCoeff() <= bound);
    CHECK(w.matrix().cwiseAbs().maxCoeff() > 0.95 * bound);

    const auto x = app::prepare_experiment(
        config_from("data: {kind: xor, samples: 400}\n"
                    "model:\n  init: xavier_uniform\n  layers:\n"
                    "    - {type: linear, in: 2, out: 400}\n    - {type: sigmoid}\n"
                    "    - {type: linear, in: 400, out: 400}\n    - {type: sigmoid}\n"
                    "    - {type: linear, in: 400, out: 1}\n",
                    dir.path()));
    // Sigmoid's gain is 1: bound sqrt(6 / (400 + 400)).
    const Tensor v = x.model->named_parameters()[2].second;
    CHECK(v.matrix().cwiseAbs().maxCoeff() <= std::sqrt(6.0 / 800));
    CHECK(v.matrix().cwiseAbs().maxCoeff() > 0.95 * std::sqrt(6.0 / 800));
}

TEST_CASE("kaiming init before a PReLU takes leaky_relu's gain at PReLU's initial slope",
          "[cli][experiment][init]") {
    // He et al. derived the gain for PReLU: sqrt(2 / (1 + a^2)) at a = 0.25,
    // the default init, not LeakyReLU's default slope 0.01.
    TempDir dir;
    const auto e = app::prepare_experiment(
        config_from("data: {kind: xor, samples: 400}\n"
                    "model:\n  init: kaiming_uniform\n  layers:\n"
                    "    - {type: linear, in: 2, out: 400}\n    - {type: prelu}\n"
                    "    - {type: linear, in: 400, out: 400}\n    - {type: prelu}\n"
                    "    - {type: linear, in: 400, out: 1}\n",
                    dir.path()));
    Tensor w;
    for (const auto& [name, p] : e.model->named_parameters())
        if (name == "2.weight")
            w = p;
    REQUIRE(w.defined());
    const double bound = std::sqrt(2.0 / (1.0 + 0.25 * 0.25)) * std::sqrt(3.0 / 400);
    CHECK(w.matrix().cwiseAbs().maxCoeff() <= bound);
    CHECK(w.matrix().cwiseAbs().maxCoeff() > 0.97 * bound);
}

TEST_CASE("compare keeps a layer list's own LeakyReLU slope", "[cli][experiment][compare]") {
    // Regression: each LeakyReLU's negative_slope was overwritten with
    // model.negative_slope.
    TempDir dir;
    const app::Config base = config_from(
        "data: {kind: xor}\n"
        "model:\n  layers:\n"
        "    - {type: linear, in: 2, out: 4}\n    - {type: leaky_relu, negative_slope: 0.2}\n"
        "    - {type: linear, in: 4, out: 4}\n    - {type: tanh}\n"
        "    - {type: linear, in: 4, out: 1}\n    - {type: sigmoid}\n",
        dir.path());
    const app::Config c =
        app::run_config(base, {.activation = nn::Activation::leaky_relu, .seed = 1});
    const auto& layers = c.model.layers;
    REQUIRE(layers.size() == 6);
    CHECK(layers[1].activation.kind == nn::Activation::leaky_relu);
    CHECK(layers[1].activation.negative_slope == 0.2f);  // its own
    CHECK(layers[3].activation.kind == nn::Activation::leaky_relu);
    CHECK(layers[3].activation.negative_slope == 0.01f);  // LeakyReLU's default, for a new one
    CHECK(layers[5].activation.kind == nn::Activation::sigmoid);  // the output stays
    const app::Config r = app::run_config(base, {.activation = nn::Activation::relu, .seed = 1});
    CHECK(r.model.layers[1].activation.kind == nn::Activation::relu);
}

TEST_CASE("compare's seeds draw the initial weights and the shuffling, never the data",
          "[cli][experiment][compare]") {
    TempDir dir;
    const app::Config base = config_from(
        "seed: 5\ndata: {kind: moons, samples: 50}\ntraining: {epochs: 1}\n", dir.path());
    const auto one = app::prepare_experiment(app::run_config(base, {nn::Activation::tanh, 1}));
    const auto two = app::prepare_experiment(app::run_config(base, {nn::Activation::tanh, 2}));
    CHECK(one.split.train.features.to_vector() == two.split.train.features.to_vector());
    CHECK(one.split.test.features.to_vector() == two.split.test.features.to_vector());
    CHECK(one.model->parameters()[0].to_vector() != two.model->parameters()[0].to_vector());
    // The same run seed gives the same start.
    const auto again = app::prepare_experiment(app::run_config(base, {nn::Activation::tanh, 1}));
    CHECK(one.model->parameters()[0].to_vector() == again.model->parameters()[0].to_vector());
}
