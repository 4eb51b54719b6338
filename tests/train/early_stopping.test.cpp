// training.early_stopping: training stops once the monitored metric has not
// improved for `patience` epochs, and model.safetensors holds the best
// epoch's weights: byte for byte those of a run that ends at that epoch.

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/experiment/early_stopping.hpp>
#include <tinynn/tinynn.hpp>

#include "support/cli.hpp"

using namespace tinynn;
using namespace tinynn::test;
using Catch::Matchers::Contains;
using tinynn::experiment::EarlyStopping;
using tinynn::experiment::EarlyStoppingConfig;
using tinynn::experiment::EpochMetrics;
using tinynn::experiment::Monitor;
using tinynn::experiment::TrainResult;
using tinynn::experiment::TrainState;
namespace fs = std::filesystem;

namespace {

// Small and noisy, with a wide network and a high learning rate: the test
// loss bottoms out within a few epochs and rises after.
const std::string kOverfitting =
    "name: es\n"
    "data: {kind: moons, samples: 60, noise: 0.3}\n"
    "model: {hidden: [32, 32], activation: relu}\n"
    "loss: cross_entropy\n"
    "optimizer: {lr: 0.2, momentum: 0.9}\n"
    "training:\n"
    "  epochs: 300\n"
    "  batch_size: 8\n"
    "  early_stopping: {monitor: test_loss, patience: 10}\n";

std::vector<std::vector<std::string>> csv_rows(const fs::path& path) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(read_file(path));
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> cells;
        std::istringstream cells_in(line);
        for (std::string cell; std::getline(cells_in, cell, ',');)
            cells.push_back(cell);
        rows.push_back(cells);
    }
    return rows;
}

// Feeds the callback epochs with the given monitored values.
struct Feed {
    nn::Linear model{1, 1};
    EarlyStopping stopping;
    int64_t epoch = 0;

    explicit Feed(EarlyStoppingConfig config) : stopping(config) { stopping.on_train_begin(model); }
    // Sets the weight to `weight`, ends an epoch with `value`; true when it
    // asks training to stop.
    bool epoch_with(double value, float weight) {
        model.weight().matrix().setConstant(weight);
        EpochMetrics m;
        m.epoch = ++epoch;
        m.train_loss = value;
        m.test_loss = value;
        m.test_accuracy = value;
        TrainState state;
        stopping.on_epoch_end(m, state);
        return state.stop;
    }
};

}  // namespace

TEST_CASE("EarlyStopping stops after patience epochs without improvement",
          "[train][early_stopping]") {
    SECTION("a loss: lower is better, by more than min_delta") {
        Feed f({.monitor = Monitor::test_loss, .patience = 2, .min_delta = 0.1});
        CHECK_FALSE(f.epoch_with(1.0, 1));
        CHECK_FALSE(f.epoch_with(0.5, 2));   // best
        CHECK_FALSE(f.epoch_with(0.45, 3));  // better, but not by more than 0.1
        CHECK(f.epoch_with(0.41, 4));        // the second epoch without
        CHECK(f.stopping.best_epoch() == 2);
        CHECK(f.stopping.best_value() == 0.5);
        CHECK(f.stopping.stopped_after() == 4);
        f.stopping.on_train_end(f.model, TrainResult{});
        CHECK(f.stopping.restored());
        CHECK(f.model.weight().item() == 2);
    }
    SECTION("an accuracy: higher is better; an improvement resets the count") {
        Feed f({.monitor = Monitor::test_accuracy, .patience = 2});
        CHECK_FALSE(f.epoch_with(0.5, 1));
        CHECK_FALSE(f.epoch_with(0.5, 2));  // equal is no improvement
        CHECK_FALSE(f.epoch_with(0.6, 3));
        CHECK_FALSE(f.epoch_with(0.4, 4));
        CHECK(f.epoch_with(0.6, 5));
        CHECK(f.stopping.best_epoch() == 3);
        f.stopping.on_train_end(f.model, TrainResult{});
        CHECK(f.model.weight().item() == 3);
    }
    SECTION("without restore_best the last weights stay") {
        Feed f({.monitor = Monitor::train_loss, .patience = 1, .restore_best = false});
        CHECK_FALSE(f.epoch_with(1.0, 1));
        CHECK(f.epoch_with(2.0, 2));
        f.stopping.on_train_end(f.model, TrainResult{});
        CHECK_FALSE(f.stopping.restored());
        CHECK(f.model.weight().item() == 2);
    }
    SECTION("the best epoch being the last leaves the weights") {
        Feed f({.monitor = Monitor::train_loss, .patience = 3});
        CHECK_FALSE(f.epoch_with(1.0, 1));
        CHECK_FALSE(f.epoch_with(0.5, 2));
        f.stopping.on_train_end(f.model, TrainResult{});
        CHECK_FALSE(f.stopping.restored());
        CHECK(f.model.weight().item() == 2);
    }
    CHECK_THROWS_WITH(EarlyStopping({.patience = 0}), Contains("patience 0: expected"));
}

TEST_CASE("tinynn train with early_stopping saves the best epoch's weights",
          "[train][early_stopping][cli]") {
    TempDir dir;
    std::ofstream(dir.path() / "es.yaml") << kOverfitting;
    const CliResult run = run_tinynn({"train", "es.yaml", "--out", "stopped"}, dir.path());
    REQUIRE(run.status == 0);
    const auto rows = csv_rows(dir.path() / "stopped" / "metrics.csv");
    REQUIRE(rows.size() > 2);
    REQUIRE(rows[0][2] == "test_loss");
    // The best epoch by test_loss, and the epochs after it: exactly patience.
    size_t best = 1;
    for (size_t i = 1; i < rows.size(); ++i)
        if (std::stod(rows[i][2]) < std::stod(rows[best][2]))
            best = i;
    const int64_t best_epoch = std::stoll(rows[best][0]);
    const int64_t last_epoch = std::stoll(rows.back()[0]);
    CHECK(last_epoch - best_epoch == 10);
    CHECK(last_epoch < 300);
    CHECK_THAT(run.out,
               Contains("early stopping: stopped after epoch " + std::to_string(last_epoch)) &&
                   Contains("the best test_loss was at epoch " + std::to_string(best_epoch) +
                            ", whose weights model.safetensors holds"));

    // The same run ended at the best epoch saves the same bytes.
    const CliResult shorter = run_tinynn(
        {"train", "es.yaml", "--out", "short", "--quiet", "--set",
         "training.epochs=" + std::to_string(best_epoch), "--set", "training.early_stopping=~"},
        dir.path());
    REQUIRE(shorter.status == 0);
    CHECK(read_file(dir.path() / "stopped" / "model.safetensors") ==
          read_file(dir.path() / "short" / "model.safetensors"));

    // restore_best: false keeps the last epoch's weights.
    const CliResult last = run_tinynn({"train", "es.yaml", "--out", "last", "--quiet", "--set",
                                       "training.early_stopping.restore_best=false"},
                                      dir.path());
    REQUIRE(last.status == 0);
    const CliResult upto = run_tinynn(
        {"train", "es.yaml", "--out", "upto", "--quiet", "--set",
         "training.epochs=" + std::to_string(last_epoch), "--set", "training.early_stopping=~"},
        dir.path());
    REQUIRE(upto.status == 0);
    CHECK(read_file(dir.path() / "last" / "model.safetensors") ==
          read_file(dir.path() / "upto" / "model.safetensors"));
}

TEST_CASE("early_stopping on test_accuracy needs a classification task",
          "[train][early_stopping][cli]") {
    TempDir dir;
    std::ofstream(dir.path() / "sine.yaml")
        << "data: {kind: sine}\ntraining: {epochs: 2, early_stopping: {monitor: test_accuracy}}\n";
    const CliResult run = run_tinynn({"train", "sine.yaml"}, dir.path());
    CHECK(run.status == 2);
    CHECK_THAT(run.err, Contains("training.early_stopping.monitor: test_accuracy needs a "
                                 "classification task"));
}
