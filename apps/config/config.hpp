#pragma once

// The YAML run configuration of SPEC §3 as typed structs. Every field has
// the default a config may omit; every key is validated on load.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tinynn/optim/sgd.hpp"

namespace tinynn::app {

struct DataConfig {
    std::string kind = "xor";  // xor | sine | spiral | moons | circles | blobs | csv
    int64_t samples = 200;
    double noise = 0.1;
    int64_t classes = 3;  // spiral, blobs
    // csv only
    std::filesystem::path path;  // resolved against the config file's directory
    bool header = true;
    std::string target;             // column name or index; empty: the last column
    std::string task = "classification";  // classification | regression
    std::string normalize = "none";       // none | standard
    double test_split = 0.2;
    bool shuffle_split = true;
};

struct LayerConfig {
    std::string type;  // linear | relu | sigmoid | tanh | leaky_relu | softmax | log_softmax
    int64_t in = 0;    // linear
    int64_t out = 0;   // linear
    bool bias = true;  // linear
    double negative_slope = 0.01;  // leaky_relu
    int64_t dim = 1;               // softmax, log_softmax
};

struct ModelConfig {
    std::string kind = "mlp";  // mlp, or a name in the model registry
    std::vector<int64_t> hidden{8, 8};
    std::string activation = "tanh";  // sigmoid | tanh | relu | leaky_relu
    double negative_slope = 0.01;
    std::string output = "none";   // none | sigmoid | softmax
    std::string init = "default";  // default | xavier_uniform | kaiming_uniform | normal
    // When set, every Linear's bias is filled with it after init (as
    // torch.nn.init.constant_); a negative value starts ReLU units dead.
    std::optional<double> bias_init;
    std::vector<LayerConfig> layers;  // when given, used instead of the mlp shorthand
    std::filesystem::path init_from;  // resolved against the config file's directory
};

struct OptimizerConfig {
    std::string kind = "sgd";
    optim::SGDOptions sgd{.lr = 0.1f};
};

struct TrainingConfig {
    int64_t epochs = 500;
    int64_t batch_size = 32;  // 0: the whole training set
    bool shuffle = true;
    int64_t log_every = 10;
    bool diagnostics = false;
};

struct CompareConfig {
    std::vector<std::string> activations{"sigmoid", "tanh", "relu", "leaky_relu"};
    std::vector<uint64_t> seeds{1, 2, 3};
    std::optional<double> target_loss;
};

// What a run may take from the machine (reliability issue: refuse rather than
// be killed for lack of memory).
struct LimitsConfig {
    // MiB the run's estimated peak memory (apps/train/memory.hpp) may reach.
    // Unset (`memory_mb: ~` or absent): 75% of the physical memory of the
    // machine the run starts on. It stays unset in to_yaml, so a saved
    // config.yaml run elsewhere gets that machine's default, not this one's.
    std::optional<double> memory_mb;
};

struct Config {
    std::string name;  // default: the config file's stem
    uint64_t seed = 42;
    DataConfig data;
    ModelConfig model;
    std::string loss = "mse";  // mse | cross_entropy
    OptimizerConfig optimizer;
    TrainingConfig training;
    CompareConfig compare;
    LimitsConfig limits;
    std::filesystem::path file;  // where it was loaded from
};

// Loads and validates `path`, applying each "dotted.key=yaml value" override
// first. Throws tinynn::Error naming the file, the key, its line:column when
// known, and what was expected.
Config load_config(const std::filesystem::path& path, const std::vector<std::string>& overrides = {});

// The fully resolved config as YAML (every key, defaults filled in), which
// load_config reads back to the same Config.
std::string to_yaml(const Config& config);

}  // namespace tinynn::app
