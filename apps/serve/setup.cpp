#include "serve/setup.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tinynn/cli/config.hpp"
#include "tinynn/error.hpp"

namespace tinynn::cli::serve {

namespace {

constexpr std::string_view kKeys[] = {
    "name",
    "seed",
    "data.kind",
    "data.samples",
    "data.noise",
    "data.test_split",
    "model.hidden",
    "model.init",
    "loss",
    "optimizer.kind",
    "optimizer.lr",
    "optimizer.momentum",
    "training.epochs",
    "training.batch_size",
    "compare.activations",
    "compare.seeds",
    "compare.grid",
};

// Small enough to train live on two cores: 4 activations x 2 seeds of a
// two-layer net on 300 points.
constexpr const char* kBuiltIn = R"(name: serve
seed: 1
data:
  kind: moons
  samples: 300
  noise: 0.15
  test_split: 0.2
model:
  kind: mlp
  hidden: [8, 8]
  activation: tanh
  init: default
loss: cross_entropy
optimizer:
  kind: sgd
  lr: 0.1
  momentum: 0.9
training:
  epochs: 60
  batch_size: 32
compare:
  activations: [sigmoid, tanh, relu, leaky_relu]
  seeds: [1, 2]
)";

std::string key_of(const std::string& override_text) {
    return override_text.substr(0, override_text.find('='));
}

}  // namespace

std::span<const std::string_view> setup_keys() {
    return kKeys;
}

Setup::Setup(std::string text, std::filesystem::path as_if)
    : text_(std::move(text)), as_if_(std::move(as_if)) {}

Setup Setup::built_in() {
    return Setup(kBuiltIn, "serve.yaml");
}

Setup Setup::from_file(const std::filesystem::path& path) {
    load_config(path);  // bounded and checked; its messages name the file
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof())
        throw Error(escape_text(path.string(), 512) + ": cannot read the config");
    return Setup(text.str(), path);
}

experiment::Config Setup::load(const std::vector<std::string>& overrides) const {
    if (overrides.size() > kMaxOverrides)
        throw Error("the setup: expected at most " + std::to_string(kMaxOverrides) + " keys, got " +
                    std::to_string(overrides.size()));
    for (const std::string& o : overrides) {
        if (o.size() > kMaxOverrideBytes)
            throw Error("the setup: " + escape_text(key_of(o), 80) +
                        ": expected a value of at most " + std::to_string(kMaxOverrideBytes) +
                        " bytes, got " + std::to_string(o.size()));
        if (o.find('=') == std::string::npos)
            throw Error("the setup: expected KEY=VALUE, got " + escape_text(o, 80));
        const std::string key = key_of(o);
        if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
            std::string keys;
            for (const std::string_view k : kKeys)
                keys += (keys.empty() ? "" : ", ") + std::string(k);
            throw Error("the setup: " + escape_text(key, 80) +
                        ": expected one of the page's keys (" + keys + ")");
        }
    }
    return load_config_text(text_, as_if_, overrides);
}

std::vector<std::pair<std::string, std::string>> Setup::values() const {
    const experiment::Config config = load({});
    // The resolved config names every key but the shorthand's, which it
    // writes out as model.layers.
    const YAML::Node resolved = YAML::Load(to_yaml(config));
    std::vector<std::pair<std::string, std::string>> out;
    for (const std::string_view key : kKeys) {
        if (key == "model.hidden") {
            std::string widths;
            for (const int64_t w : config.model.hidden)
                widths += (widths.empty() ? "" : ", ") + std::to_string(w);
            out.emplace_back(key, "[" + widths + "]");
            continue;
        }
        const size_t dot = key.find('.');
        YAML::Node node =
            dot == std::string_view::npos
                ? resolved[std::string(key)]
                : resolved[std::string(key.substr(0, dot))][std::string(key.substr(dot + 1))];
        if (!node.IsDefined() || node.IsNull())
            continue;
        YAML::Emitter emit;
        emit << YAML::Flow << node;
        out.emplace_back(key, emit.c_str());
    }
    return out;
}

}  // namespace tinynn::cli::serve
