#pragma once

// A run's configuration (SPEC §3) as typed values: what the YAML loader of
// the command produces, and what a C++ program fills in to train or compare
// without a config file. Every field has the default a config may omit.

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinynn/data/dataset.hpp"
#include "tinynn/models/spec.hpp"
#include "tinynn/nn/activation_table.hpp"

namespace tinynn::experiment {

struct DataConfig {
    std::string kind = "xor";  // xor | sine | spiral | moons | circles | blobs | csv
    int64_t samples = 200;
    double noise = 0.1;
    int64_t classes = 3;  // spiral, blobs
    // csv only
    std::filesystem::path path;  // resolved against the config file's directory
    bool header = true;
    std::string target;  // column name or index; empty: the last column
    data::Task task = data::Task::classification;
    bool normalize = false;  // standard: statistics from the training split only
    double test_split = 0.2;
    bool shuffle_split = true;
};

enum class Loss { mse, cross_entropy };
std::string_view loss_name(Loss loss);
std::span<const std::string_view> loss_names();
std::optional<Loss> loss_from_name(std::string_view name);

// torch.optim's SGD, Adam and AdamW.
enum class OptimizerKind { sgd, adam, adamw };
std::string_view optimizer_name(OptimizerKind kind);
std::span<const std::string_view> optimizer_names();
std::optional<OptimizerKind> optimizer_from_name(std::string_view name);

// One field per YAML key of `optimizer:`; each optimiser reads the fields of
// its kind (make_optimizer in trainer.hpp).
struct OptimizerConfig {
    OptimizerKind kind = OptimizerKind::sgd;
    // Unset: the kind's default, learning_rate() and weight_decay().
    // Doubles, as torch's (Python floats): Adam computes with them in double,
    // and SGD rounds them to float as torch's kernel does.
    std::optional<double> lr;
    std::optional<double> weight_decay;
    // sgd
    float momentum = 0.0f;
    float dampening = 0.0f;
    bool nesterov = false;
    // adam, adamw
    std::array<double, 2> betas{0.9, 0.999};
    double eps = 1e-8;
    bool amsgrad = false;
};
// The learning rate: `lr`, else 0.1 for sgd (tinynn's default; torch has
// none) and torch's 0.001 for adam and adamw.
double learning_rate(const OptimizerConfig& optimizer);
// `weight_decay`, else torch's default: 0.01 for adamw, 0 for the others.
double weight_decay(const OptimizerConfig& optimizer);

// torch.optim.lr_scheduler's StepLR, MultiStepLR, ExponentialLR and
// CosineAnnealingLR, stepped once after each epoch.
enum class SchedulerKind { none, step, multistep, exponential, cosine };
std::string_view scheduler_name(SchedulerKind kind);
std::span<const std::string_view> scheduler_names();
std::optional<SchedulerKind> scheduler_from_name(std::string_view name);

struct SchedulerConfig {
    SchedulerKind kind = SchedulerKind::none;
    int64_t step_size = 10;                   // step
    std::vector<int64_t> milestones{30, 60};  // multistep
    double gamma = 0.1;                       // step, multistep, exponential
    int64_t t_max = 100;                      // cosine (T_max)
    double eta_min = 0.0;                     // cosine
};

// What early stopping watches; lower is better for the losses.
enum class Monitor { test_loss, test_accuracy, train_loss };
std::string_view monitor_name(Monitor monitor);
std::span<const std::string_view> monitor_names();
std::optional<Monitor> monitor_from_name(std::string_view name);

struct EarlyStoppingConfig {
    Monitor monitor = Monitor::test_loss;
    int64_t patience = 20;  // epochs without an improvement of more than min_delta
    double min_delta = 0.0;
    bool restore_best = true;  // the saved weights are the best epoch's
};

struct TrainingConfig {
    int64_t epochs = 500;
    int64_t batch_size = 32;  // 0: the whole training set
    bool shuffle = true;
    int64_t log_every = 10;
    bool diagnostics = false;
    std::optional<EarlyStoppingConfig> early_stopping;
};

struct Config;

// An axis of compare's grid: a config key and the values it takes.
struct GridAxis {
    std::string key;                  // dotted, as in a config: "model.init"
    std::vector<std::string> values;  // each as config.yaml writes it: "[16, 16]"
};

// One combination of the axes' values: the config its runs start from.
struct GridPoint {
    std::vector<std::string> values;       // one per axis, in axis order
    std::shared_ptr<const Config> config;  // the base config with those values
};

struct CompareConfig {
    std::vector<nn::Activation> activations{nn::Activation::sigmoid, nn::Activation::tanh,
                                            nn::Activation::relu, nn::Activation::leaky_relu};
    // Each seed draws the initial weights and the shuffling; the data and
    // its split stay those of the config's own seed.
    std::vector<uint64_t> seeds{1, 2, 3};
    std::optional<double> target_loss;
    // Further axes, each run per (point, activation, seed). The axes name
    // the points (compare.csv's columns, the summary's rows); each point's
    // config is the one its runs train, so a C++ program may set either
    // freely. No axes: one point, the config itself.
    std::vector<GridAxis> grid;
    std::vector<GridPoint> grid_points;  // every combination, the last axis varying fastest
};

// What a run may take from the machine: refuse rather than be killed for
// lack of memory.
struct LimitsConfig {
    // MiB the run's estimated peak memory (memory.hpp) may reach. Unset: 75%
    // of the physical memory of the machine the run starts on (so a saved
    // config.yaml run elsewhere gets that machine's default, not this one's).
    std::optional<double> memory_mb;
};

struct Config {
    std::string name;  // the run's name; the command's default is the config file's stem
    uint64_t seed = 42;
    DataConfig data;
    models::ModelSpec model;
    Loss loss = Loss::mse;
    OptimizerConfig optimizer;
    SchedulerConfig scheduler;
    TrainingConfig training;
    CompareConfig compare;
    LimitsConfig limits;
    // Not a config key: compare's seed for one run, which draws the initial
    // weights and the shuffling while `seed` keeps drawing the data and its
    // split. Unset: `seed` draws everything.
    std::optional<uint64_t> run_seed;
    std::filesystem::path file;  // where it was loaded from, if anywhere
};

}  // namespace tinynn::experiment
