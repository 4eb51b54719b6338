#include "tinynn/cli/config.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <array>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tinynn/error.hpp"
#include "tinynn/models/registry.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using tinynn::cli::load_config;
using tinynn::cli::to_yaml;
using tinynn::data::Task;
using tinynn::experiment::Config;
using tinynn::experiment::Loss;
using tinynn::models::Init;
using tinynn::models::LayerSpec;
using tinynn::models::LayerType;
using tinynn::models::Output;
using tinynn::nn::Activation;

namespace {

// A fresh directory per test, removed afterwards, so tests can run in
// parallel processes (ctest -j) without sharing files.
class TempDir {
  public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ = fs::temp_directory_path() /
                ("tinynn-config-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }

    fs::path write(const std::string& name, const std::string& text) const {
        const fs::path p = path_ / name;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }

  private:
    fs::path path_;
};

// The message load_config throws, checked to be one line.
std::string error_of(const fs::path& file, const std::vector<std::string>& overrides = {}) {
    try {
        load_config(file, overrides);
    } catch (const tinynn::Error& e) {
        const std::string message = e.what();
        CHECK(message.find('\n') == std::string::npos);
        CHECK(message.rfind(file.string(), 0) == 0);  // starts with the file
        return message;
    }
    FAIL("load_config accepted " << file);
    return "";
}

std::string error_of_text(const TempDir& dir, const std::string& text,
                          const std::vector<std::string>& overrides = {}) {
    return error_of(dir.write("bad.yaml", text), overrides);
}

void require_equal(const std::vector<LayerSpec>& a, const std::vector<LayerSpec>& b) {
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        INFO("layer " << i);
        CHECK(a[i].type == b[i].type);
        CHECK(a[i].in == b[i].in);
        CHECK(a[i].out == b[i].out);
        CHECK(a[i].bias == b[i].bias);
        CHECK(a[i].activation.kind == b[i].activation.kind);
        CHECK(a[i].activation.negative_slope == b[i].activation.negative_slope);
        CHECK(a[i].dim == b[i].dim);
    }
}

void require_equal(const Config& a, const Config& b) {
    CHECK(a.name == b.name);
    CHECK(a.seed == b.seed);
    CHECK(a.data.kind == b.data.kind);
    CHECK(a.data.samples == b.data.samples);
    CHECK(a.data.noise == b.data.noise);
    CHECK(a.data.classes == b.data.classes);
    CHECK(a.data.path == b.data.path);
    CHECK(a.data.header == b.data.header);
    CHECK(a.data.target == b.data.target);
    CHECK(a.data.task == b.data.task);
    CHECK(a.data.normalize == b.data.normalize);
    CHECK(a.data.test_split == b.data.test_split);
    CHECK(a.data.shuffle_split == b.data.shuffle_split);
    CHECK(a.model.kind == b.model.kind);
    CHECK(a.model.hidden == b.model.hidden);
    CHECK(a.model.activation.kind == b.model.activation.kind);
    CHECK(a.model.activation.negative_slope == b.model.activation.negative_slope);
    CHECK(a.model.output == b.model.output);
    CHECK(a.model.init == b.model.init);
    CHECK(a.model.init_from == b.model.init_from);
    CHECK(a.model.bias_init == b.model.bias_init);
    CHECK(a.model.layers_given == b.model.layers_given);
    require_equal(a.model.layers, b.model.layers);
    CHECK(a.loss == b.loss);
    CHECK(a.optimizer.kind == b.optimizer.kind);
    CHECK(learning_rate(a.optimizer) == learning_rate(b.optimizer));
    CHECK(weight_decay(a.optimizer) == weight_decay(b.optimizer));
    if (a.optimizer.kind == tinynn::experiment::OptimizerKind::sgd) {
        CHECK(a.optimizer.momentum == b.optimizer.momentum);
        CHECK(a.optimizer.dampening == b.optimizer.dampening);
        CHECK(a.optimizer.nesterov == b.optimizer.nesterov);
    } else {
        CHECK(a.optimizer.betas == b.optimizer.betas);
        CHECK(a.optimizer.eps == b.optimizer.eps);
        CHECK(a.optimizer.amsgrad == b.optimizer.amsgrad);
    }
    CHECK(a.scheduler.kind == b.scheduler.kind);
    CHECK(a.scheduler.step_size == b.scheduler.step_size);
    CHECK(a.scheduler.milestones == b.scheduler.milestones);
    CHECK(a.scheduler.gamma == b.scheduler.gamma);
    CHECK(a.scheduler.t_max == b.scheduler.t_max);
    CHECK(a.scheduler.eta_min == b.scheduler.eta_min);
    REQUIRE(a.training.early_stopping.has_value() == b.training.early_stopping.has_value());
    if (a.training.early_stopping) {
        CHECK(a.training.early_stopping->monitor == b.training.early_stopping->monitor);
        CHECK(a.training.early_stopping->patience == b.training.early_stopping->patience);
        CHECK(a.training.early_stopping->min_delta == b.training.early_stopping->min_delta);
        CHECK(a.training.early_stopping->restore_best == b.training.early_stopping->restore_best);
    }
    CHECK(a.training.epochs == b.training.epochs);
    CHECK(a.training.batch_size == b.training.batch_size);
    CHECK(a.training.shuffle == b.training.shuffle);
    CHECK(a.training.log_every == b.training.log_every);
    CHECK(a.training.diagnostics == b.training.diagnostics);
    CHECK(a.compare.activations == b.compare.activations);
    CHECK(a.compare.seeds == b.compare.seeds);
    CHECK(a.compare.target_loss == b.compare.target_loss);
    CHECK(a.limits.memory_mb == b.limits.memory_mb);
}

Config round_trip(const TempDir& dir, const Config& config) {
    return load_config(dir.write("roundtrip/config.yaml", to_yaml(config)));
}

const char* const kSpecExample = R"(name: xor-tanh            # run name; default: config file stem
seed: 42                  # every random choice (init, data, shuffle) derives from it

data:
  kind: xor               # built-ins: xor | sine | spiral | moons | circles | blobs
  samples: 200            # built-ins: how many; noise: for those that take it
  noise: 0.1
  test_split: 0.2
  shuffle_split: true

model:
  kind: mlp
  hidden: [8, 8]          # inputs and outputs come from the data
  activation: tanh        # sigmoid | tanh | relu | leaky_relu
  negative_slope: 0.01    # for leaky_relu
  output: none            # none | sigmoid | softmax
  init: default
  init_from: weights.safetensors   # optional: start from these weights

loss: mse

optimizer:
  kind: sgd
  lr: 0.1
  momentum: 0.0
  dampening: 0.0
  weight_decay: 0.0
  nesterov: false

training:
  epochs: 500
  batch_size: 32          # 0 means the whole training set in one batch
  shuffle: true
  log_every: 10

compare:                  # used by `tinynn compare`
  activations: [sigmoid, tanh, relu, leaky_relu]
  seeds: [1, 2, 3]
)";

}  // namespace

TEST_CASE("A minimal config gets every default", "[config][defaults]") {
    TempDir dir;
    const fs::path file = dir.write("tiny-run.yaml", "data:\n  kind: sine\n");
    const Config c = load_config(file);
    CHECK(c.name == "tiny-run");
    CHECK(c.file == file);
    CHECK(c.seed == 42);
    CHECK(c.data.kind == "sine");
    CHECK(c.data.samples == 200);
    CHECK(c.data.noise == 0.1);
    CHECK(c.data.classes == 3);
    CHECK(c.data.path.empty());
    CHECK(c.data.header);
    CHECK(c.data.target.empty());
    CHECK(c.data.task == Task::classification);
    CHECK_FALSE(c.data.normalize);
    CHECK(c.data.test_split == 0.2);
    CHECK(c.data.shuffle_split);
    CHECK(c.model.kind == "mlp");
    CHECK(c.model.hidden == std::vector<int64_t>{8, 8});
    CHECK(c.model.activation.kind == Activation::tanh);
    CHECK(c.model.output == Output::none);
    CHECK(c.model.init == Init::default_init);
    // The shorthand comes back expanded; the widths from the data are 0 until
    // it is known.
    CHECK_FALSE(c.model.layers_given);
    require_equal(c.model.layers, tinynn::models::expand_shorthand(c.model));
    CHECK(c.model.layers.size() == 5);
    CHECK(c.model.layers.front().in == 0);
    CHECK(c.model.layers.back().out == 0);
    CHECK(c.model.init_from.empty());
    CHECK(c.loss == Loss::mse);
    CHECK(learning_rate(c.optimizer) == 0.1);
    CHECK(c.optimizer.momentum == 0.0f);
    CHECK_FALSE(c.optimizer.nesterov);
    CHECK(c.training.epochs == 500);
    CHECK(c.training.batch_size == 32);
    CHECK(c.training.shuffle);
    CHECK(c.training.log_every == 10);
    CHECK_FALSE(c.training.diagnostics);
    CHECK(c.compare.activations == std::vector<Activation>{Activation::sigmoid, Activation::tanh,
                                                           Activation::relu,
                                                           Activation::leaky_relu});
    CHECK(c.compare.seeds == std::vector<uint64_t>{1, 2, 3});
    CHECK_FALSE(c.compare.target_loss);
    CHECK_FALSE(c.limits.memory_mb);  // the machine's default, resolved by the run
}

TEST_CASE("An empty mapping and empty sections are all defaults", "[config][defaults]") {
    TempDir dir;
    const Config c = load_config(dir.write("e.yaml", "{}\n"));
    CHECK(c.name == "e");
    CHECK(c.data.kind == "xor");
    const Config d = load_config(dir.write("f.yaml", "training:\ncompare:\n"));
    CHECK(d.training.epochs == 500);
}

TEST_CASE("The SPEC example parses to its values", "[config][spec]") {
    TempDir dir;
    const fs::path file = dir.write("configs/example.yaml", kSpecExample);
    const Config c = load_config(file);
    CHECK(c.name == "xor-tanh");
    CHECK(c.seed == 42);
    CHECK(c.data.kind == "xor");
    CHECK(c.data.samples == 200);
    CHECK(c.data.noise == 0.1);
    CHECK(c.data.test_split == 0.2);
    CHECK(c.model.hidden == std::vector<int64_t>{8, 8});
    CHECK(c.model.activation.negative_slope == 0.01f);
    CHECK(c.model.init_from == fs::absolute(dir.path() / "configs" / "weights.safetensors"));
    CHECK(learning_rate(c.optimizer) == 0.1);
    CHECK(c.training.epochs == 500);
    CHECK(c.compare.seeds == std::vector<uint64_t>{1, 2, 3});
}

TEST_CASE("A CSV data section with every key", "[config][csv]") {
    TempDir dir;
    const Config c = load_config(dir.write("sub/iris.yaml", R"(
data:
  kind: csv
  path: ../data/iris.csv
  header: false
  target: 4
  task: regression
  normalize: standard
  test_split: 0
  shuffle_split: false
)"));
    CHECK(c.data.kind == "csv");
    CHECK(c.data.path == fs::absolute(dir.path() / "data" / "iris.csv"));
    CHECK(c.data.path.is_absolute());
    CHECK_FALSE(c.data.header);
    CHECK(c.data.target == "4");
    CHECK(c.data.task == Task::regression);
    CHECK(c.data.normalize);
    CHECK(c.data.test_split == 0.0);
    CHECK_FALSE(c.data.shuffle_split);
}

TEST_CASE("Absolute paths stay as given", "[config][paths]") {
    TempDir dir;
    const fs::path weights = dir.path() / "elsewhere" / "w.safetensors";
    const Config c =
        load_config(dir.write("a/b/c.yaml", "model:\n  init_from: '" + weights.string() + "'\n"));
    CHECK(c.model.init_from == weights);
}

TEST_CASE("The explicit layers form", "[config][model]") {
    TempDir dir;
    const Config c = load_config(dir.write("layers.yaml", R"(
model:
  init: xavier_uniform
  layers:
    - {type: linear, in: 2, out: 8, bias: true}
    - {type: tanh}
    - {type: leaky_relu, negative_slope: 0.2}
    - {type: linear, in: 8, out: 3, bias: false}
    - {type: relu}
    - {type: sigmoid}
    - {type: log_softmax, dim: -1}
    - {type: softmax, dim: 1}
loss: cross_entropy
)"));
    CHECK(c.model.layers_given);
    REQUIRE(c.model.layers.size() == 8);
    CHECK(c.model.layers[0].type == LayerType::linear);
    CHECK(c.model.layers[0].in == 2);
    CHECK(c.model.layers[0].out == 8);
    CHECK(c.model.layers[0].bias);
    CHECK(c.model.layers[1].type == LayerType::activation);
    CHECK(c.model.layers[1].activation.kind == Activation::tanh);
    CHECK(c.model.layers[2].activation.kind == Activation::leaky_relu);
    CHECK(c.model.layers[2].activation.negative_slope == 0.2f);
    CHECK_FALSE(c.model.layers[3].bias);
    CHECK(c.model.layers[3].out == 3);
    CHECK(c.model.layers[4].activation.kind == Activation::relu);
    CHECK(c.model.layers[5].activation.kind == Activation::sigmoid);
    CHECK(c.model.layers[6].type == LayerType::log_softmax);
    CHECK(c.model.layers[6].dim == -1);
    CHECK(c.model.layers[7].type == LayerType::softmax);
    CHECK(c.model.layers[7].dim == 1);
    CHECK(c.model.init == Init::xavier_uniform);
    CHECK(c.loss == Loss::cross_entropy);
}

TEST_CASE("The mlp shorthand form", "[config][model]") {
    TempDir dir;
    const Config c = load_config(dir.write("mlp.yaml", R"(
model:
  hidden: [16, 4, 2]
  activation: leaky_relu
  negative_slope: 0.2
  output: softmax
  init: kaiming_uniform
  bias_init: -0.5
)"));
    CHECK(c.model.bias_init == -0.5f);
    CHECK(c.model.hidden == std::vector<int64_t>{16, 4, 2});
    CHECK(c.model.activation.kind == Activation::leaky_relu);
    CHECK(c.model.activation.negative_slope == 0.2f);
    CHECK(c.model.output == Output::softmax);
    CHECK(c.model.init == Init::kaiming_uniform);
    // Linear, LeakyReLU(0.2) three times, the last Linear, the softmax.
    CHECK_FALSE(c.model.layers_given);
    REQUIRE(c.model.layers.size() == 8);
    CHECK(c.model.layers[1].activation.kind == Activation::leaky_relu);
    CHECK(c.model.layers[1].activation.negative_slope == 0.2f);
    CHECK(c.model.layers[4].in == 4);
    CHECK(c.model.layers[4].out == 2);
    CHECK(c.model.layers[7].type == LayerType::softmax);
    const Config linear = load_config(dir.write("linear.yaml", "model:\n  hidden: []\n"));
    CHECK(linear.model.hidden.empty());
    CHECK(linear.model.layers.size() == 1);
    CHECK_FALSE(linear.model.bias_init);
    const std::string yaml = to_yaml(c);
    // Written back as the shorthand, not as the layers it expands to.
    CHECK_THAT(yaml, Contains("hidden: [16, 4, 2]") && !Contains("layers:"));
    const Config again = load_config(dir.write("again.yaml", yaml));
    CHECK(again.model.bias_init == -0.5f);
    require_equal(again, c);
}

TEST_CASE("File errors name the file", "[config][errors]") {
    TempDir dir;
    CHECK_THAT(error_of(dir.path() / "missing.yaml"),
               Contains("missing.yaml") && Contains("no such file"));
    fs::create_directories(dir.path() / "adir.yaml");
    CHECK_THAT(error_of(dir.path() / "adir.yaml"), Contains("is a directory"));
    CHECK_THAT(error_of_text(dir, ""), Contains("empty"));
    CHECK_THAT(error_of_text(dir, "# only a comment\n"), Contains("empty"));
    CHECK_THAT(error_of_text(dir, "- 1\n- 2\n"),
               Contains("bad.yaml:1:1") && Contains("expected a mapping") && Contains("a list"));
    CHECK_THAT(error_of_text(dir, "just a string\n"), Contains("expected a mapping"));
    CHECK_THAT(error_of_text(dir, "a: 1\n---\nb: 2\n"), Contains("one YAML document"));
    // A read that fails even for root (an unreadable file is tried through the
    // real command, as nobody, in tests/cli/bad_input.test.cpp).
    const fs::path file = dir.write("file.yaml", "seed: 1\n");
    CHECK_THAT(error_of(file / "config.yaml"),
               Contains("file.yaml/config.yaml: cannot read the config: Not a directory"));
}

TEST_CASE("FIFOs, devices and files over the size limit are refused without reading them",
          "[config][errors]") {
    TempDir dir;
    // A FIFO with no writer: opening it to read would block.
    const fs::path fifo = dir.path() / "fifo.yaml";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_THAT(error_of(fifo), Contains("fifo.yaml: cannot read the config: it is a FIFO"));
    // An endless file.
    CHECK_THAT(error_of("/dev/zero"),
               Contains("/dev/zero: cannot read the config: it is a character device"));
    // One byte over the limit is refused; at the limit the file is read.
    const auto padded = [&](const std::string& name, uintmax_t size) {
        std::string text = "seed: 1\n#";
        text.append(size - text.size() - 1, 'x');  // append: GCC 12 -Wrestrict false positive
        text += '\n';
        return dir.write(name, text);
    };
    CHECK_THAT(error_of(padded("big.yaml", tinynn::cli::kMaxConfigBytes + 1)),
               Contains("big.yaml: cannot read the config: it is larger than 1 MiB"));
    CHECK(load_config(padded("limit.yaml", tinynn::cli::kMaxConfigBytes)).seed == 1);
}

TEST_CASE("YAML syntax errors give line and column", "[config][errors]") {
    TempDir dir;
    CHECK_THAT(error_of_text(dir, "data:\n  kind: xor\n  samples: [1, 2\n"),
               Contains("bad.yaml:") && Contains("YAML syntax error"));
    const std::string m = error_of_text(dir, "seed: 1\nmodel:\n  hidden: [8\n  kind: mlp\n");
    CHECK_THAT(m, Contains("YAML syntax error"));
    CHECK_THAT(error_of_text(dir, "data: {kind: xor\n"), Contains("YAML syntax error"));
    CHECK_THAT(error_of_text(dir, "a: b: c\n"), Contains("bad.yaml:1:5: YAML syntax error"));
}

TEST_CASE("Unknown keys name the path, the position and the valid keys", "[config][errors]") {
    TempDir dir;
    CHECK_THAT(error_of_text(dir, "seed: 1\nmodel:\n  hiden: [4]\n"),
               Contains("bad.yaml:3:3: unknown key 'model.hiden'") &&
                   Contains("did you mean 'hidden'") &&
                   Contains("expected one of: kind, hidden, activation"));
    CHECK_THAT(error_of_text(dir, "sede: 1\n"),
               Contains("bad.yaml:1:1: unknown key 'sede'") && Contains("name, seed, data"));
    CHECK_THAT(error_of_text(dir, "data:\n  kind: xor\n  sampels: 5\n"),
               Contains("bad.yaml:3:3: unknown key 'data.sampels'"));
    CHECK_THAT(error_of_text(dir, "optimizer:\n  momentom: 0.9\n"),
               Contains("bad.yaml:2:3: unknown key 'optimizer.momentom'"));
    CHECK_THAT(error_of_text(dir, "training:\n  epoch: 5\n"),
               Contains("unknown key 'training.epoch'"));
    CHECK_THAT(error_of_text(dir, "compare:\n  seed: [1]\n"),
               Contains("unknown key 'compare.seed'"));
    CHECK_THAT(error_of_text(dir, "seed: 1\nseed: 2\n"),
               Contains("bad.yaml:2:1: duplicate key 'seed'"));
}

TEST_CASE("Layer list errors name the layer index", "[config][errors]") {
    TempDir dir;
    const std::string head = "model:\n  layers:\n    - {type: linear, in: 2, out: 8}\n";
    CHECK_THAT(
        error_of_text(dir,
                      head + "    - {type: tanh}\n    - {type: leaky_relu, negatve_slope: 0.2}\n"),
        Contains("bad.yaml:5:26: unknown key 'model.layers[2].negatve_slope'") &&
            Contains("did you mean 'negative_slope'"));
    CHECK_THAT(
        error_of_text(dir, head + "    - {type: linear, in: 8, out: 1, negative_slope: 0.2}\n"),
        Contains("bad.yaml:4:37: model.layers[1].negative_slope: not a key of a 'linear' "
                 "layer"));
    CHECK_THAT(error_of_text(dir, head + "    - {type: tanhh}\n"),
               Contains("bad.yaml:4:14: model.layers[1].type: expected one of linear") &&
                   Contains("got tanhh"));
    CHECK_THAT(error_of_text(dir, head + "    - {in: 8}\n"),
               Contains("bad.yaml:4:7: model.layers[1]: missing 'type'"));
    CHECK_THAT(error_of_text(dir, head + "    - {type: linear, in: 8}\n"),
               Contains("model.layers[1].out: required for a linear layer"));
    CHECK_THAT(
        error_of_text(dir, head + "    - {type: linear, in: 0, out: 1}\n"),
        Contains("bad.yaml:4:26: model.layers[1].in: expected an integer from 1 to 100000, got 0"));
    CHECK_THAT(error_of_text(dir, head + "    - {type: linear, in: 4, out: 1}\n"),
               Contains("bad.yaml:4:26: model.layers[1].in: expected 8 to match "
                        "model.layers[0].out, got 4"));
    CHECK_THAT(error_of_text(dir, head + "    - {type: softmax, dim: 2}\n"),
               Contains("model.layers[1].dim: expected an integer from -2 to 1, got 2"));
    CHECK_THAT(error_of_text(dir, head + "    - tanh\n"),
               Contains("bad.yaml:4:7: model.layers[1]: expected a layer mapping"));
    CHECK_THAT(error_of_text(dir, "model:\n  layers: []\n"),
               Contains("bad.yaml:2:11: model.layers: expected 1 to 1000 layers, got 0"));
    CHECK_THAT(error_of_text(dir, "model:\n  layers:\n    - {type: tanh}\n"),
               Contains("model.layers: needs at least one linear layer"));
    CHECK_THAT(error_of_text(dir, "model:\n  layers: {type: tanh}\n"),
               Contains("model.layers: expected a list of layer mappings, got a mapping"));
    CHECK_THAT(error_of_text(
                   dir, "model:\n  hidden: [4]\n  layers:\n    - {type: linear, in: 2, out: 1}\n"),
               Contains("bad.yaml:2:11: model.hidden: cannot be combined with model.layers"));
}

TEST_CASE("Wrong types say what was expected and what was found", "[config][errors]") {
    TempDir dir;
    CHECK_THAT(error_of_text(dir, "data:\n  samples: many\n"),
               Contains("bad.yaml:2:12: data.samples: expected an integer from 1 to 10000000, "
                        "got many"));
    CHECK_THAT(error_of_text(dir, "data:\n  samples: 2.5\n"),
               Contains("data.samples: expected an integer (no fraction or exponent), got 2.5"));
    CHECK_THAT(error_of_text(dir, "data:\n  samples: 1e3\n"),
               Contains("expected an integer (no fraction or exponent), got 1e3"));
    CHECK_THAT(error_of_text(dir, "data:\n  samples: \"200\"\n"),
               Contains("got the string \"200\""));
    CHECK_THAT(error_of_text(dir, "data:\n  samples: [1]\n"), Contains("got a list"));
    CHECK_THAT(error_of_text(dir, "data:\n  samples:\n"),
               Contains("data.samples:") && Contains("null"));
    CHECK_THAT(error_of_text(dir, "data:\n  noise: abc\n"),
               Contains("bad.yaml:2:10: data.noise: expected a finite number >= 0, got abc"));
    CHECK_THAT(error_of_text(dir, "data:\n  noise: inf\n"), Contains("data.noise: expected"));
    CHECK_THAT(error_of_text(dir, "data:\n  header: maybe\n"),
               Contains("bad.yaml:2:11: data.header: expected true or false, got maybe"));
    CHECK_THAT(error_of_text(dir, "data:\n  kind: {a: 1}\n"),
               Contains("data.kind: expected one of xor, sine") && Contains("got a mapping"));
    CHECK_THAT(error_of_text(dir, "data: 5\n"),
               Contains("bad.yaml:1:7: data: expected a mapping of keys") && Contains("got 5"));
    CHECK_THAT(error_of_text(dir, "model:\n  hidden: 8\n"),
               Contains("bad.yaml:2:11: model.hidden: expected a list of layer widths, got 8"));
    CHECK_THAT(
        error_of_text(dir, "model:\n  hidden: [8, x]\n"),
        Contains("bad.yaml:2:15: model.hidden[1]: expected an integer") && Contains("got x"));
    CHECK_THAT(error_of_text(dir, "name: [a]\n"), Contains("name: expected a string, got a list"));
    CHECK_THAT(error_of_text(dir, "name: ''\n"), Contains("name: expected a non-empty string"));
    CHECK_THAT(error_of_text(dir, "name: ../escape\n"),
               Contains("name: expected a name without '/'"));
    CHECK_THAT(error_of_text(dir, "name: \"a\\0b\"\n"), Contains("name: expected a name without"));
    CHECK_THAT(error_of_text(dir, "? [a, b]\n: 1\n"),
               Contains("bad.yaml:1:3: top level: expected a key name, got a list"));
    CHECK_THAT(error_of_text(dir, "optimizer:\n  nesterov: 1\n"),
               Contains("optimizer.nesterov: expected true or false, got 1"));
    CHECK_THAT(error_of_text(dir, "compare:\n  seeds: 3\n"),
               Contains("compare.seeds: expected a list of non-negative integers, got 3"));
}

TEST_CASE("Out-of-range values name the range", "[config][errors]") {
    TempDir dir;
    const auto check = [&](const std::string& text, const std::string& expected) {
        INFO(text);
        CHECK_THAT(error_of_text(dir, text), Contains(expected));
    };
    check("data:\n  samples: 0\n",
          "bad.yaml:2:12: data.samples: expected an integer from 1 to 10000000, got 0");
    check("data:\n  samples: 10000001\n", "got 10000001");
    check("data:\n  samples: 99999999999999999999999\n",
          "data.samples: expected an integer from 1 to 10000000, got 99999999999999999999999");
    check("data:\n  samples: -99999999999999999999999\n", "got -99999999999999999999999");
    check("data:\n  noise: -0.1\n", "data.noise: expected a finite number >= 0, got -0.1");
    check("data:\n  noise: .nan\n", "data.noise: expected a finite number >= 0, got .nan");
    check("data:\n  noise: .inf\n", "got .inf");
    check("data:\n  noise: 1e999\n", "got 1e999");
    check("data:\n  classes: 1\n", "data.classes: expected an integer from 2 to 1000, got 1");
    check("data:\n  classes: 1001\n", "got 1001");
    check("data:\n  test_split: 1\n", "data.test_split: expected a number in [0, 1), got 1");
    check("data:\n  test_split: -0.5\n", "got -0.5");
    check("data:\n  kind: mnist\n",
          "bad.yaml:2:9: data.kind: expected one of xor, sine, spiral, moons, circles, blobs, csv, "
          "got mnist");
    check("data:\n  kind: csv\n", "bad.yaml:2:9: data.kind: csv requires data.path");
    check("data:\n  task: ranking\n", "data.task: expected one of classification, regression");
    check("data:\n  normalize: minmax\n", "data.normalize: expected one of none, standard");
    check("training:\n  epochs: 0\n",
          "training.epochs: expected an integer from 1 to 10000000, got 0");
    check("training:\n  epochs: 10000001\n", "training.epochs");
    check("training:\n  batch_size: -1\n",
          "training.batch_size: expected a non-negative integer, got -1");
    check("training:\n  batch_size: 9223372036854775808\n", "training.batch_size: expected");
    check("training:\n  log_every: 0\n", "training.log_every: expected an integer >= 1, got 0");
    check("model:\n  hidden: [8, 0]\n",
          "bad.yaml:2:15: model.hidden[1]: expected an integer from 1 to 100000, got 0");
    check("model:\n  hidden: [100001]\n", "model.hidden[0]");
    std::string many = "model:\n  hidden: [1";
    for (int i = 0; i < 100; ++i) {
        many += ", 1";
    }
    check(many + "]\n", "model.hidden: expected at most 100 hidden layers, got 101");
    // swish is torch's SiLU, which tinynn names silu as torch does.
    check("model:\n  activation: swish\n",
          "bad.yaml:2:15: model.activation: expected one of sigmoid, tanh, relu, leaky_relu, "
          "identity, elu, selu, gelu, silu, softplus, softsign, mish, prelu, got swish");
    check("model:\n  output: relu\n", "model.output: expected one of none, sigmoid, softmax");
    check("model:\n  init: zeros\n", "model.init: expected one of default, xavier_uniform");
    check("model:\n  negative_slope: .nan\n", "model.negative_slope: expected a finite number");
    check("loss: l1\n", "bad.yaml:1:7: loss: expected one of mse, cross_entropy, got l1");
    check("optimizer:\n  kind: rmsprop\n",
          "optimizer.kind: expected one of sgd, adam, adamw, got rmsprop");
    check("optimizer:\n  lr: -0.1\n",
          "bad.yaml:2:7: optimizer.lr: expected a finite number > 0, got -0.1");
    check("optimizer:\n  lr: 0\n", "optimizer.lr: expected a finite number > 0, got 0");
    check("optimizer:\n  lr: 1e300\n",
          "optimizer.lr: expected a finite number > 0 that fits a float32");
    check("optimizer:\n  lr: 1e-300\n", "that fits a float32, got 1e-300");
    check("optimizer:\n  momentum: -1\n", "optimizer.momentum: expected a finite number >= 0");
    check("optimizer:\n  dampening: -1\n", "optimizer.dampening: expected");
    check("optimizer:\n  weight_decay: .inf\n", "optimizer.weight_decay: expected");
    check("optimizer:\n  nesterov: true\n",
          "bad.yaml:2:13: optimizer.nesterov: true requires optimizer.momentum > 0 and "
          "optimizer.dampening 0");
    check("optimizer:\n  nesterov: true\n  momentum: 0.9\n  dampening: 0.1\n",
          "optimizer.nesterov: true requires");
    check("seed: -1\n", "seed: expected a non-negative integer (at most 2^64-1), got -1");
    check("seed: 18446744073709551616\n", "got 18446744073709551616");
    check("seed: 1.5\n", "seed: expected an integer (no fraction or exponent), got 1.5");
    check("compare:\n  activations: []\n", "compare.activations: expected at least one activation");
    check("compare:\n  activations: [tanh, swish]\n",
          "bad.yaml:2:23: compare.activations[1]: expected one of sigmoid");
    check("compare:\n  seeds: []\n", "compare.seeds: expected at least one seed");
    check("compare:\n  seeds: [1, -2]\n",
          "bad.yaml:2:14: compare.seeds[1]: expected a non-negative integer");
    check("compare:\n  target_loss: 0\n",
          "compare.target_loss: expected a finite number > 0, got 0");
    check("limits:\n  memory_mb: 0\n",
          "bad.yaml:2:14: limits.memory_mb: expected a finite number > 0, got 0");
    check("limits:\n  memory_mb: -5\n", "bad.yaml:2:14: limits.memory_mb: expected");
    check("limits:\n  memory_mb: .inf\n", "limits.memory_mb: expected a finite number > 0");
    check("limits:\n  memory_mb: lots\n",
          "limits.memory_mb: expected a finite number > 0, got lots");
    check("limits:\n  memory_mb: \"64\"\n", "limits.memory_mb: expected");
    check("limits:\n  memory_mb: [64]\n", "limits.memory_mb: expected");
    check("limits:\n  memroy_mb: 64\n",
          "bad.yaml:2:3: unknown key 'limits.memroy_mb' (did you mean 'memory_mb'?");
    check("limits: 64\n", "bad.yaml:1:9: limits: expected a mapping of keys (memory_mb)");
}

TEST_CASE("Boundary values are accepted", "[config][ranges]") {
    TempDir dir;
    const Config c = load_config(dir.write("edge.yaml", R"(
seed: 18446744073709551615
data: {samples: 10000000, noise: 0, classes: 1000, test_split: 0.999}
model: {hidden: [100000, 1], negative_slope: -3}
optimizer: {lr: 1e-3, momentum: 0.9, nesterov: true, weight_decay: 0}
training: {epochs: 10000000, batch_size: 0, log_every: 1, diagnostics: true}
compare: {seeds: [0, 18446744073709551615], target_loss: 0.05, activations: [relu]}
limits: {memory_mb: 1e-3}
)"));
    CHECK(c.seed == 18446744073709551615ull);
    CHECK(c.data.samples == 10'000'000);
    CHECK(c.data.noise == 0.0);
    CHECK(c.data.classes == 1000);
    CHECK(c.model.activation.negative_slope == -3.0f);
    CHECK(c.optimizer.lr == 1e-3);
    CHECK(c.optimizer.nesterov);
    CHECK(c.training.batch_size == 0);
    CHECK(c.training.diagnostics);
    CHECK(c.compare.seeds == std::vector<uint64_t>{0, 18446744073709551615ull});
    REQUIRE(c.compare.target_loss);
    CHECK(*c.compare.target_loss == 0.05);
    REQUIRE(c.limits.memory_mb);
    CHECK(*c.limits.memory_mb == 1e-3);
}

TEST_CASE("Overrides from --set apply before validation", "[config][set]") {
    TempDir dir;
    const fs::path file = dir.write("base.yaml", kSpecExample);
    const Config c =
        load_config(file, {"model.activation=relu", "model.hidden=[16, 4]", "optimizer.lr=0.5",
                           "training.epochs=7", "compare.target_loss=0.01", "data.target=label",
                           "seed=7", "model.hidden=[3]", "limits.memory_mb=512"});
    CHECK(c.model.activation.kind == Activation::relu);
    CHECK(c.model.hidden == std::vector<int64_t>{3});  // the later --set wins
    CHECK(c.optimizer.lr == 0.5);
    CHECK(c.training.epochs == 7);
    REQUIRE(c.compare.target_loss);
    CHECK(*c.compare.target_loss == 0.01);
    CHECK(c.data.target == "label");
    CHECK(c.seed == 7);
    CHECK(c.limits.memory_mb == 512.0);
    CHECK(c.data.noise == 0.1);  // untouched keys keep the file's values

    // Sections absent from the file are created.
    const Config d = load_config(dir.write("min.yaml", "seed: 1\n"),
                                 {"training.batch_size=0", "model.init_from=w.safetensors",
                                  "data={kind: csv, path: d.csv}"});
    CHECK(d.training.batch_size == 0);
    CHECK(d.model.init_from == fs::absolute(dir.path() / "w.safetensors"));
    CHECK(d.data.kind == "csv");
    CHECK(d.data.path == fs::absolute(dir.path() / "d.csv"));

    // An override can fill a section left empty in the file, or unset an optional key.
    const Config e =
        load_config(dir.write("empty-section.yaml", "compare:\nmodel:\n  init_from: w\n"),
                    {"compare.seeds=[5]", "model.init_from=~"});
    CHECK(e.compare.seeds == std::vector<uint64_t>{5});
    CHECK(e.model.init_from.empty());
}

TEST_CASE("Malformed overrides name the override", "[config][set][errors]") {
    TempDir dir;
    const fs::path file = dir.write("base.yaml", kSpecExample);
    const auto message = [&](const std::string& o) { return error_of(file, {o}); };
    CHECK_THAT(message("model.activation"),
               Contains("base.yaml: --set model.activation: expected KEY=VALUE"));
    CHECK_THAT(message("=relu"), Contains("--set =relu: the key before '=' is empty"));
    CHECK_THAT(message("model..activation=relu"),
               Contains("--set model..activation=relu") && Contains("empty part"));
    CHECK_THAT(message(".seed=1"), Contains("empty part"));
    CHECK_THAT(message("seed.=1"), Contains("empty part"));
    CHECK_THAT(message("model.hidden=[8, 8"),
               Contains("--set model.hidden=[8, 8: the value is not valid YAML"));
    CHECK_THAT(message("data.samples.x=1"),
               Contains("--set data.samples.x=1: 'data.samples' is 200, not a mapping"));
    CHECK_THAT(message("model.hidden.x=1"), Contains("'model.hidden' is a list, not a mapping"));
}

TEST_CASE("Overridden values are validated and named as coming from --set",
          "[config][set][errors]") {
    TempDir dir;
    const fs::path file = dir.write("base.yaml", kSpecExample);
    CHECK_THAT(error_of(file, {"data.sampels=300"}),
               Contains("base.yaml: --set data.sampels=300: unknown key 'data.sampels'") &&
                   Contains("did you mean 'samples'"));
    CHECK_THAT(error_of(file, {"modle.hidden=[1]"}),
               Contains("--set modle.hidden=[1]: unknown key 'modle'"));
    CHECK_THAT(error_of(file, {"optimizer.lr=-0.1"}),
               Contains("base.yaml: --set optimizer.lr=-0.1: optimizer.lr: expected a finite "
                        "number > 0, got -0.1"));
    CHECK_THAT(error_of(file, {"model.hidden=[8, 0]"}),
               Contains("--set model.hidden=[8, 0]: model.hidden[1]: expected an integer"));
    CHECK_THAT(error_of(file, {"data.samples="}),
               Contains("--set data.samples=: data.samples: expected an integer"));
    CHECK_THAT(error_of(file, {"data.kind=csv"}),
               Contains("--set data.kind=csv: data.kind: csv requires data.path"));
    // An error in the file itself still points into the file.
    CHECK_THAT(error_of(dir.write("bad.yaml", "seed: 1\nloss: l2\n"), {"seed=3"}),
               Contains("bad.yaml:2:7: loss:"));
}

TEST_CASE("to_yaml writes every key and reads back to the same config", "[config][to_yaml]") {
    TempDir dir;
    SECTION("the SPEC example") {
        const Config c = load_config(dir.write("configs/spec.yaml", kSpecExample));
        const std::string yaml = to_yaml(c);
        for (const char* key :
             {"name:",           "seed:",        "kind:",          "samples:",     "noise:",
              "classes:",        "path:",        "header:",        "target:",      "task:",
              "normalize:",      "test_split:",  "shuffle_split:", "hidden:",      "activation:",
              "negative_slope:", "output:",      "init:",          "init_from:",   "bias_init:",
              "loss:",           "lr:",          "momentum:",      "dampening:",   "weight_decay:",
              "nesterov:",       "epochs:",      "batch_size:",    "shuffle:",     "log_every:",
              "diagnostics:",    "activations:", "seeds:",         "target_loss:", "memory_mb:"}) {
            CHECK_THAT(yaml, Contains(key));
        }
        CHECK_THAT(yaml,
                   Contains("hidden: [8, 8]") && Contains("lr: 0.1\n") && Contains("noise: 0.1\n"));
        require_equal(round_trip(dir, c), c);
    }
    SECTION("awkward values") {
        // A name that YAML would read as a bool unless quoted.
        tinynn::models::register_model("true", tinynn::models::build_mlp);
        const Config c = load_config(dir.write("odd dir/2024.yaml", R"(
seed: 18446744073709551615
data:
  kind: csv
  path: "data files/x: y.csv"
  target: "007"
  noise: 0.30000000000000004
  test_split: 1e-7
model:
  kind: "true"
  init_from: ../w.safetensors
  layers:
    - {type: linear, in: 3, out: 5, bias: false}
    - {type: leaky_relu, negative_slope: 0.123456789}
    - {type: linear, in: 5, out: 2}
    - {type: log_softmax, dim: -1}
optimizer: {lr: 0.01, momentum: 0.9, dampening: 0.25, weight_decay: 5e-4}
compare: {target_loss: 1e-9, seeds: [0], activations: [leaky_relu]}
limits: {memory_mb: 0.1}
)"));
        CHECK(c.name == "2024");
        CHECK(c.model.kind == "true");
        CHECK(c.data.target == "007");
        const Config back = round_trip(dir, c);
        require_equal(back, c);
        CHECK(back.data.path == dir.path() / "odd dir" / "data files" / "x: y.csv");
    }
    SECTION("a config built in code") {
        Config c;
        c.name = "null";
        c.model.hidden = {};
        c.model.activation.negative_slope = 1.0f / 3.0f;
        // What load_config gives for a shorthand.
        c.model.layers = tinynn::models::expand_shorthand(c.model);
        c.optimizer.lr = 1.0 / 3.0;
        c.data.target = "a \"quoted\" name\\";
        c.compare.activations = {Activation::relu, Activation::tanh};
        c.limits.memory_mb = 1.0 / 3.0;
        require_equal(round_trip(dir, c), c);
    }
}

TEST_CASE("Optimizer, scheduler and early stopping keys", "[config][optimizer]") {
    TempDir dir;
    SECTION("adam takes torch's defaults and round-trips") {
        const Config c = load_config(dir.write("a.yaml", "optimizer:\n  kind: adam\n"));
        CHECK(c.optimizer.kind == tinynn::experiment::OptimizerKind::adam);
        CHECK(learning_rate(c.optimizer) == 0.001);
        CHECK(weight_decay(c.optimizer) == 0.0);
        CHECK(c.optimizer.betas == std::array<double, 2>{0.9, 0.999});
        CHECK(c.optimizer.eps == 1e-8);
        const std::string yaml = to_yaml(c);
        CHECK_THAT(yaml, Contains("kind: adam\n  lr: 0.001\n  weight_decay: 0\n  betas: "
                                  "[0.9, 0.999]\n  eps: 1.0e-08\n  amsgrad: false\n"));
        CHECK_THAT(yaml, !Contains("momentum") && !Contains("nesterov"));
        require_equal(round_trip(dir, c), c);
    }
    SECTION("adamw's weight decay defaults to 0.01") {
        const Config c = load_config(dir.write(
            "w.yaml", "optimizer:\n  kind: adamw\n  amsgrad: true\n  betas: [0.5, 0.6]\n"));
        CHECK(weight_decay(c.optimizer) == 0.01);
        CHECK(c.optimizer.amsgrad);
        CHECK(c.optimizer.betas == std::array<double, 2>{0.5, 0.6});
        require_equal(round_trip(dir, c), c);
    }
    SECTION("a key of another kind is refused, naming the kind's keys") {
        CHECK_THAT(error_of_text(dir, "optimizer:\n  kind: adam\n  momentum: 0.9\n"),
                   Contains("bad.yaml:3:13: optimizer.momentum: is a key of optimizer.kind sgd, "
                            "not of adam (optimizer.kind adam takes lr, weight_decay, betas, eps, "
                            "amsgrad)"));
        CHECK_THAT(error_of_text(dir, "optimizer:\n  betas: [0.9, 0.99]\n"),
                   Contains("optimizer.betas: is a key of optimizer.kind adam, adamw, not of sgd"));
        CHECK_THAT(error_of_text(dir, "scheduler:\n  kind: step\n  t_max: 5\n"),
                   Contains("scheduler.t_max: is a key of scheduler.kind cosine, not of step "
                            "(scheduler.kind step takes step_size, gamma)"));
        CHECK_THAT(error_of_text(dir, "scheduler:\n  gamma: 0.5\n"),
                   Contains("scheduler.kind none takes no other keys"));
        CHECK_THAT(error_of_text(dir, "optimizer:\n  kind: adam\n  betas: [0.9, 1]\n"),
                   Contains("optimizer.betas[1]: expected a number in [0, 1)"));
        CHECK_THAT(error_of_text(dir, "optimizer:\n  kind: adam\n  betas: [0.9]\n"),
                   Contains("optimizer.betas: expected a list of two numbers"));
    }
    SECTION("schedulers") {
        const Config c = load_config(dir.write(
            "s.yaml", "scheduler:\n  kind: multistep\n  milestones: [5, 9]\n  gamma: 0.5\n"));
        CHECK(c.scheduler.kind == tinynn::experiment::SchedulerKind::multistep);
        CHECK(c.scheduler.milestones == std::vector<int64_t>{5, 9});
        CHECK(c.scheduler.gamma == 0.5);
        CHECK_THAT(to_yaml(c), Contains("scheduler:\n  kind: multistep\n  milestones: [5, 9]\n  "
                                        "gamma: 0.5\n\n"));
        require_equal(round_trip(dir, c), c);
        const Config cos = load_config(
            dir.write("c.yaml", "scheduler:\n  kind: cosine\n  t_max: 7\n  eta_min: 0.01\n"));
        CHECK(cos.scheduler.t_max == 7);
        require_equal(round_trip(dir, cos), cos);
    }
    SECTION("early stopping") {
        const Config none = load_config(dir.write("n.yaml", "seed: 1\n"));
        CHECK_FALSE(none.training.early_stopping.has_value());
        const Config c = load_config(dir.write(
            "e.yaml",
            "training:\n  early_stopping:\n    monitor: test_accuracy\n    patience: 3\n"));
        REQUIRE(c.training.early_stopping.has_value());
        CHECK(c.training.early_stopping->monitor == tinynn::experiment::Monitor::test_accuracy);
        CHECK(c.training.early_stopping->patience == 3);
        CHECK(c.training.early_stopping->min_delta == 0.0);
        CHECK(c.training.early_stopping->restore_best);
        CHECK_THAT(to_yaml(c), Contains("  early_stopping:\n    monitor: test_accuracy\n    "
                                        "patience: 3\n    min_delta: 0\n    restore_best: true\n"));
        require_equal(round_trip(dir, c), c);
        const Config set =
            load_config(dir.write("f.yaml", "seed: 1\n"), {"training.early_stopping.patience=4"});
        REQUIRE(set.training.early_stopping.has_value());
        CHECK(set.training.early_stopping->patience == 4);
        CHECK_THAT(error_of_text(dir, "training:\n  early_stopping:\n    patience: 0\n"),
                   Contains("training.early_stopping.patience: expected an integer from 1"));
        CHECK_THAT(
            error_of_text(dir, "training:\n  early_stopping:\n    watch: x\n"),
            Contains("unknown key 'training.early_stopping.watch' (expected one of: monitor, "
                     "patience, min_delta, restore_best)"));
        CHECK_THAT(error_of_text(dir, "data:\n  test_split: 0\ntraining:\n  early_stopping: {}\n"),
                   Contains("training.early_stopping.monitor: test_loss needs a test split"));
    }
}

TEST_CASE("model.kind must name a registered model", "[config][model]") {
    TempDir dir;
    CHECK_THAT(error_of_text(dir, "data:\n  kind: xor\nmodel:\n  kind: skipnet\n"),
               Contains("bad.yaml:4:9: model.kind: no model named 'skipnet' is registered") &&
                   Contains("known: ") && Contains("mlp") && Contains("models::register_model"));
    CHECK_THAT(error_of(dir.write("ok.yaml", "seed: 1\n"), {"model.kind=resnet"}),
               Contains("ok.yaml: --set model.kind=resnet: model.kind: no model named 'resnet'"));
    tinynn::models::register_model("config_test_model", tinynn::models::build_mlp);
    CHECK(load_config(dir.write("mine.yaml", "model:\n  kind: config_test_model\n")).model.kind ==
          "config_test_model");
}

TEST_CASE("Messages escape control characters and stay short", "[config][errors]") {
    TempDir dir;
    const std::string m = error_of_text(dir, "model:\n  kind: \"\\e[31mred\\a\"\n");
    CHECK_THAT(m, Contains("no model named '\\x1b[31mred\\x07'"));
    CHECK(m.find('\x1b') == std::string::npos);
    CHECK(m.find('\a') == std::string::npos);
    CHECK_THAT(error_of_text(dir, "\"da\\nta\": 1\n"), Contains("unknown key 'da\\nta'"));
    CHECK_THAT(error_of_text(dir, "data:\n  kind: \"x\\ty\"\n"), Contains("x\\ty"));
    // A huge value is cut in the message.
    const std::string huge =
        error_of_text(dir, "model:\n  kind: " + std::string(500'000, 'k') + "\n");
    CHECK(huge.size() < 1000);
    CHECK_THAT(huge, Contains("kkk..."));
    CHECK(error_of_text(dir, "data:\n  noise: " + std::string(500'000, '9') + "x\n").size() < 1000);
    // A NUL would cut a path or name short where it is used.
    CHECK_THAT(error_of_text(dir, "data:\n  kind: csv\n  path: \"a\\0b.csv\"\n"),
               Contains("bad.yaml:3:9: data.path: expected a string without NUL characters, "
                        "got the string \"a\\0b.csv\""));
    CHECK_THAT(error_of_text(dir, "model:\n  kind: \"mlp\\0x\"\n"),
               Contains("model.kind: expected a string without NUL"));
}

TEST_CASE("Every activation of the table is a layer type, the shorthand's and compare's",
          "[config][model]") {
    TempDir dir;
    for (const tinynn::nn::ActivationInfo& row : tinynn::nn::activation_table()) {
        const std::string name(row.name);
        INFO(name);
        const Config layers = load_config(dir.write(
            "layers.yaml", "model:\n  layers:\n    - {type: linear, in: 2, out: 4}\n    - {type: " +
                               name + "}\n    - {type: linear, in: 4, out: 1}\n"));
        REQUIRE(layers.model.layers.size() == 3);
        CHECK(layers.model.layers[1].type == LayerType::activation);
        CHECK(layers.model.layers[1].activation.kind == row.kind);
        const Config shorthand =
            load_config(dir.write("shorthand.yaml", "model:\n  activation: " + name + "\n"));
        CHECK(shorthand.model.activation.kind == row.kind);
        CHECK(shorthand.model.layers[1].activation.kind == row.kind);
        const Config compare =
            load_config(dir.write("compare.yaml", "compare:\n  activations: [" + name + "]\n"));
        CHECK(compare.compare.activations == std::vector<Activation>{row.kind});
        require_equal(round_trip(dir, layers), layers);
    }
    CHECK_THAT(error_of_text(dir, "compare:\n  activations: [relu, tanh, relu]\n"),
               Contains("bad.yaml:2:29: compare.activations[2]: activation relu is listed twice"));
    CHECK_THAT(error_of_text(dir, "compare:\n  seeds: [4, 4]\n"),
               Contains("compare.seeds[1]: seed 4 is listed twice"));
}

TEST_CASE("to_yaml writes the layer list when it was given, and the table's order",
          "[config][to_yaml]") {
    TempDir dir;
    const Config c = load_config(dir.write("layers.yaml", R"(
model:
  layers:
    - {type: linear, in: 2, out: 3}
    - {type: leaky_relu, negative_slope: 0.2}
    - {type: linear, in: 3, out: 1, bias: false}
    - {type: softmax}
)"));
    const std::string yaml = to_yaml(c);
    CHECK_THAT(yaml, Contains("model:\n  kind: mlp\n  layers:\n"
                              "    - {type: linear, in: 2, out: 3, bias: true}\n"
                              "    - {type: leaky_relu, negative_slope: 0.2}\n"
                              "    - {type: linear, in: 3, out: 1, bias: false}\n"
                              "    - {type: softmax, dim: 1}\n"
                              "  init: default\n"));
    CHECK_THAT(yaml, !Contains("hidden:") && !Contains("activation:") && !Contains("output:"));
    CHECK_THAT(yaml, Contains("name: layers\nseed: 42\n\ndata:\n  kind: xor\n"));
    CHECK_THAT(yaml, Contains("\n\nloss: mse\n\noptimizer:\n  kind: sgd\n  lr: 0.1\n"));
    require_equal(round_trip(dir, c), c);
}

TEST_CASE("docs/config.md is the schema's reference", "[config][doc]") {
    const fs::path doc = fs::path(TINYNN_SOURCE_DIR) / "docs" / "config.md";
    std::ifstream in(doc, std::ios::binary);
    REQUIRE(in);
    std::ostringstream file;
    file << in.rdbuf();
    const std::string expected = tinynn::cli::config_reference();
    // The first line that differs, rather than both documents.
    std::istringstream a(file.str());
    std::istringstream b(expected);
    std::string line_a;
    std::string line_b;
    int line = 0;
    while (std::getline(a, line_a) && std::getline(b, line_b) && line_a == line_b) {
        ++line;
    }
    INFO("docs/config.md differs from the config schema (apps/config/schema.cpp) at line "
         << line + 1 << ":\n  file:   " << line_a << "\n  schema: " << line_b
         << "\nRegenerate it: cmake --build build --target config_doc");
    CHECK(file.str() == expected);
}

TEST_CASE("The reference names every key config.yaml holds", "[config][doc]") {
    const std::string reference = tinynn::cli::config_reference();
    Config c;
    c.model.layers_given = true;  // both forms of the model section
    c.model.layers = {LayerSpec{}};
    for (const std::string& yaml : {to_yaml(Config{}), to_yaml(c)}) {
        std::istringstream lines(yaml);
        std::string section;
        for (std::string line; std::getline(lines, line);) {
            const size_t colon = line.find(':');
            if (line.empty() || line.starts_with("    ")) {
                continue;  // a blank line, a layer of model.layers
            }
            const bool nested = line.starts_with("  ");
            const std::string key = line.substr(nested ? 2 : 0, colon - (nested ? 2 : 0));
            if (!nested && line.ends_with(":")) {
                section = key;
                continue;
            }
            const std::string path = nested ? section + "." + key : key;
            INFO(path);
            CHECK(reference.find("`" + path + "`") != std::string::npos);
        }
    }
}

TEST_CASE("A config or --set that is not UTF-8 is refused where the bad byte is",
          "[config][errors]") {
    TempDir dir;
    // Found by fuzzing: a name with stray bytes read, but written back
    // (double-quoted) as U+FFFD replacements, a longer and other name.
    CHECK_THAT(error_of_text(dir, "seed: 1\nname: xo\xa9\xba\n"),
               Contains("bad.yaml:2:9: expected UTF-8 text (YAML is Unicode), got the byte"));
    CHECK_THAT(error_of_text(dir, "name: \xc0\xaf\n"), Contains("bad.yaml:1:7: expected UTF-8"));
    CHECK_THAT(error_of_text(dir, "seed: 1\n", {"name=a\xff"}),
               Contains("--set") && Contains("expected UTF-8 text"));
    // Well-formed text of every length reads and writes back as it was.
    const fs::path ok =
        dir.write("ok.yaml", "name: \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"\n");
    const Config c = load_config(ok);
    CHECK(c.name == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    CHECK(load_config(dir.write("again.yaml", to_yaml(c))).name == c.name);
}
