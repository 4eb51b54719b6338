// How a config becomes data, a model and encoded targets.

#include <fstream>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "apps/config/config.hpp"
#include "apps/train/experiment.hpp"
#include "apps/train/trainer.hpp"
#include "models/registry.hpp"
#include "support/cli.hpp"

using namespace tinynn;
using namespace tinynn::test;

namespace {
app::Config config_from(const std::string& yaml, const std::filesystem::path& dir) {
    const auto path = dir / "c.yaml";
    std::ofstream(path) << yaml;
    return app::load_config(path);
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
    models::register_model("tiny_test_model", [](int64_t inputs, int64_t outputs) {
        return std::make_shared<nn::Sequential>(nn::Linear(inputs, 3), nn::Sigmoid(),
                                                nn::Linear(3, outputs));
    });
    TempDir dir;
    auto e = app::prepare_experiment(config_from(
        "data: {kind: xor, samples: 40}\nmodel: {kind: tiny_test_model}\nloss: cross_entropy\n"
        "training: {epochs: 2}\n",
        dir.path()));
    CHECK(e.model->named_parameters()[0].second.shape() == Shape{3, 2});
    CHECK(app::train(e).history.size() == 2);
    CHECK_THROWS_WITH(app::prepare_experiment(config_from("model: {kind: nope}\n", dir.path())),
                      Catch::Matchers::Contains("nope"));
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
