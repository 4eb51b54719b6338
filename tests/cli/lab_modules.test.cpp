// The activation lab's modules from YAML (SPEC §3, §7): the shorthand's
// batchnorm and dropout, layer lists with the new layer types and their
// parameters, and what a run with BatchNorm1d saves.

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/cli.hpp"
#include "support/skip.hpp"

using namespace tinynn;
using namespace tinynn::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

constexpr const char* kNine = R"(name: nine
seed: 4
data: {kind: moons, samples: 60, noise: 0.1, test_split: 0.25}
model: {kind: mlp, hidden: [6, 6], activation: tanh, batchnorm: true, dropout: 0.1,
        alpha: 0.5, approximate: tanh, beta: 2, prelu_init: 0.1}
loss: cross_entropy
optimizer: {kind: adam, lr: 0.01}
training: {epochs: 3, batch_size: 16, log_every: 1}
compare:
  activations: [identity, elu, selu, gelu, silu, softplus, softsign, mish, prelu]
  seeds: [1, 2]
)";

constexpr const char* kLayers = R"(name: listed
seed: 2
data: {kind: moons, samples: 80, noise: 0.1, test_split: 0.25}
model:
  kind: mlp
  layers:
    - {type: linear, in: 2, out: 8}
    - {type: batchnorm, num_features: 8, eps: 1.0e-3, momentum: 0.2}
    - {type: prelu, num_parameters: 8, init: 0.2}
    - {type: dropout, p: 0.2}
    - {type: linear, in: 8, out: 2}
loss: cross_entropy
optimizer: {kind: sgd, lr: 0.1, momentum: 0.9}
training: {epochs: 4, batch_size: 16, log_every: 1}
)";

}  // namespace

TEST_CASE(
    "The shorthand with batchnorm and dropout compares 9 activations, the same for any --jobs",
    "[cli][compare][lab]") {
    TempDir dir;
    std::ofstream(dir.path() / "nine.yaml") << kNine;
    const CliResult one =
        run_tinynn({"compare", "nine.yaml", "--out", "one", "--jobs", "1"}, dir.path());
    INFO(one.err);
    REQUIRE(one.status == 0);
    const auto summary = lines(read_file(dir.path() / "one" / "summary.csv"));
    REQUIRE(summary.size() == 1 + 9);
    for (const char* name :
         {"identity", "elu", "selu", "gelu", "silu", "softplus", "softsign", "mish", "prelu"}) {
        INFO(name);
        CHECK(std::count_if(summary.begin(), summary.end(), [&](const std::string& row) {
                  return row.starts_with(std::string(name) + ",2,0,test_loss,");
              }) == 1);
    }
    // The resolved config keeps the shorthand's new keys.
    const std::string config = read_file(dir.path() / "one" / "config.yaml");
    for (const char* key : {"  batchnorm: true\n", "  dropout: 0.1\n", "  alpha: 0.5\n",
                            "  approximate: tanh\n", "  beta: 2\n", "  prelu_init: 0.1\n"})
        CHECK_THAT(config, Contains(key));
    // Dropout's masks come from each run's own seed, so --jobs changes nothing.
    const CliResult two =
        run_tinynn({"compare", "nine.yaml", "--out", "two", "--jobs", "2"}, dir.path());
    REQUIRE(two.status == 0);
    CHECK(read_file(dir.path() / "one" / "compare.csv") ==
          read_file(dir.path() / "two" / "compare.csv"));
}

TEST_CASE(
    "A layer list with batchnorm, prelu and dropout trains, and its file holds BatchNorm's "
    "buffers",
    "[cli][train][lab]") {
    TempDir dir;
    std::ofstream(dir.path() / "listed.yaml") << kLayers;
    const CliResult r = run_tinynn({"train", "listed.yaml", "--out", "run"}, dir.path());
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK_THAT(read_file(dir.path() / "run" / "config.yaml"),
               Contains("    - {type: batchnorm, num_features: 8, eps: 0.001, momentum: 0.2}\n"
                        "    - {type: prelu, num_parameters: 8, init: 0.2}\n"
                        "    - {type: dropout, p: 0.2}\n"));
    const fs::path weights = dir.path() / "run" / "model.safetensors";
    const nn::StateDict state = load_safetensors(weights);
    std::vector<std::string> names;
    for (const auto& [name, tensor] : state)
        names.push_back(name);
    CHECK(names == std::vector<std::string>{
                       "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                       "1.running_var", "1.num_batches_tracked", "2.weight", "4.weight", "4.bias"});
    // 4 epochs of 60 training rows in batches of 16: 4 batches each.
    CHECK(state[6].second.item() == 16.0f);
    CHECK_THAT(read_file(weights).substr(0, 2000),
               Contains("\"1.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[]"));

    // The same layers in C++ load the file; in eval mode their outputs are
    // what torch computes from it.
    auto model = nn::Sequential(nn::Linear(2, 8), nn::BatchNorm1d(8, 1e-3f, 0.2f), nn::PReLU(8),
                                nn::Dropout(0.2f), nn::Linear(8, 2));
    load(model, weights);
    model.eval();
    const Tensor x({-1.0f, 0.5f, 0.0f, 0.0f, 2.0f, -0.3f, 0.7f, 1.1f}, {4, 2});
    const Tensor y = model.forward(x);                     // [4, 2]
    CHECK(y.to_vector() == model.forward(x).to_vector());  // eval: no dropout
    const auto write_csv = [&](const fs::path& path, const Tensor& t) {
        std::ofstream out(path);
        out.precision(9);
        const std::vector<float> v = t.to_vector();
        const auto columns = static_cast<size_t>(t.shape()[1]);
        for (size_t i = 0; i < v.size(); ++i)
            out << v[i] << ((i + 1) % columns ? "," : "\n");
    };
    write_csv(dir.path() / "x.csv", x);
    write_csv(dir.path() / "y.csv", y);
    if (std::system("/usr/bin/python3 -c 'import torch.nn' > /dev/null 2>&1") != 0) {
        skip_test("/usr/bin/python3 cannot import torch.nn (apt-get install python3-torch)");
        return;
    }
    const std::string command = "/usr/bin/python3 " +
                                test_data("interop/check_batchnorm.py").string() + " " +
                                weights.string() + " " + (dir.path() / "x.csv").string() + " " +
                                (dir.path() / "y.csv").string();
    CHECK(std::system(command.c_str()) == 0);
}

TEST_CASE("A bad batchnorm or dropout layer is a config error naming it", "[cli][config][lab]") {
    TempDir dir;
    const auto refused = [&](const std::string& from, const std::string& to) {
        std::string text = kLayers;
        text.replace(text.find(from), from.size(), to);
        std::ofstream(dir.path() / "bad.yaml") << text;
        const CliResult r = run_tinynn({"train", "bad.yaml", "--out", "run"}, dir.path());
        CHECK(r.status == 2);
        CHECK_FALSE(fs::exists(dir.path() / "run"));
        return r.err;
    };
    CHECK_THAT(refused("num_features: 8", "num_features: 7"),
               Contains("model.layers[1].num_features: expected 8 to match model.layers[0].out, "
                        "got 7"));
    CHECK_THAT(refused("p: 0.2", "p: 1"),
               Contains("model.layers[3].p: expected a number in [0, 1), got 1"));
    CHECK_THAT(refused("momentum: 0.2", "momentum: 2"),
               Contains("model.layers[1].momentum: expected a number in [0, 1], got 2"));
    CHECK_THAT(refused("{type: dropout, p: 0.2}", "{type: dropout, alpha: 0.2}"),
               Contains("model.layers[3]") && Contains("alpha"));
}
