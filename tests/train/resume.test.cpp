// Checkpoints from C++: a run stopped mid-epoch at any batch and resumed
// with train_into is the uninterrupted run, and a checkpoint reads back as it
// was written.

#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/cli.hpp"
#include "tinynn/cli/config.hpp"
#include "tinynn/experiment/checkpoint.hpp"
#include "tinynn/experiment/run_files.hpp"

using namespace tinynn;
using namespace tinynn::test;
namespace app = tinynn::experiment;
namespace fs = std::filesystem;

namespace {

// Momentum, a schedule and early stopping: every part of a checkpoint
// matters to the epochs after it.
const std::string kConfig =
    "data: {kind: moons, samples: 90, noise: 0.2}\n"
    "model: {hidden: [10, 10], activation: tanh}\n"
    "loss: cross_entropy\n"
    "optimizer: {lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.001}\n"
    "scheduler: {kind: multistep, milestones: [3, 5], gamma: 0.5}\n"
    "training:\n"
    "  epochs: 8\n"
    "  batch_size: 16\n"
    "  diagnostics: true\n"
    "  early_stopping: {monitor: test_loss, patience: 50}\n";

app::Config config(const fs::path& dir) {
    std::ofstream(dir / "c.yaml") << kConfig;
    return cli::load_config(dir / "c.yaml");
}

// Trains into `out`, asking to stop at the `stop_at`-th batch (never when 0),
// and resuming from the directory's checkpoint when `resume`.
app::TrainResult run(const fs::path& dir, const std::string& out, int64_t stop_at, bool resume) {
    const app::Config c = config(dir);
    app::Experiment e = app::prepare_experiment(c);
    app::RunDirectory run_dir(dir / out, app::run_file_names());
    std::optional<app::ResumePoint> point;
    if (resume)
        point = app::find_resume_point(run_dir);
    int64_t batches = 0;
    return app::train_into(
        run_dir, cli::to_yaml(c), e, {}, [&] { return ++batches == stop_at; },
        point ? &*point : nullptr);
}

}  // namespace

TEST_CASE("A run stopped at any batch and resumed is the uninterrupted run", "[train][resume]") {
    TempDir dir;
    run(dir.path(), "whole", 0, false);
    const std::string metrics = read_file(dir.path() / "whole/metrics.csv");
    const std::string weights = read_file(dir.path() / "whole/model.safetensors");
    // 90 samples, 72 for training: 5 batches an epoch. Stopped mid-epoch and
    // at an epoch's last batch (whose epoch is then not recorded), then
    // again before the next checkpoint, then resumed to the end.
    for (const int64_t stop_at : {7, 10, 13, 24}) {
        INFO("stopped at batch " << stop_at);
        const std::string out = "run" + std::to_string(stop_at);
        CHECK(run(dir.path(), out, stop_at, false).interrupted);
        CHECK(read_file(dir.path() / out / "metrics.csv").size() < metrics.size());
        CHECK(run(dir.path(), out, 3, true).interrupted);
        CHECK_FALSE(run(dir.path(), out, 0, true).interrupted);
        CHECK(read_file(dir.path() / out / "metrics.csv") == metrics);
        CHECK(read_file(dir.path() / out / "model.safetensors") == weights);
    }
}

TEST_CASE("A checkpoint reads back as it was written", "[train][resume]") {
    TempDir dir;
    run(dir.path(), "run", 0, false);
    const app::Checkpoint c = app::load_checkpoint(dir.path() / "run/checkpoint.safetensors");
    CHECK(c.epoch == 8);
    CHECK(c.optimizer.kind == "SGD");
    REQUIRE(c.scheduler);
    CHECK(c.scheduler->kind == "MultiStepLR");
    CHECK(c.scheduler->counts.at("last_epoch") == 8);
    REQUIRE(c.early_stopping);
    CHECK(c.early_stopping->last_epoch == 8);
    CHECK(c.model.size() == 6);
    CHECK(c.config.find("milestones: [3, 5]") != std::string::npos);

    app::save_checkpoint(c, dir.path() / "again.safetensors");
    const app::Checkpoint d = app::load_checkpoint(dir.path() / "again.safetensors");
    CHECK(d.epoch == c.epoch);
    CHECK(d.shuffling == c.shuffling);
    CHECK(d.random == c.random);
    CHECK(d.optimizer.counts == c.optimizer.counts);
    CHECK(d.optimizer.values == c.optimizer.values);
    CHECK(d.scheduler->values == c.scheduler->values);
    CHECK(d.early_stopping->best_value == c.early_stopping->best_value);
    CHECK(d.early_stopping->best_weights.size() == c.early_stopping->best_weights.size());
    for (const auto& [name, t] : c.optimizer.tensors)
        CHECK(d.optimizer.tensors.at(name).to_vector() == t.to_vector());
    CHECK(read_file(dir.path() / "again.safetensors") ==
          read_file(dir.path() / "run/checkpoint.safetensors"));

    SECTION("weights alone are no checkpoint") {
        CHECK_THROWS_WITH(app::load_checkpoint(dir.path() / "run/model.safetensors"),
                          Catch::Matchers::Contains("not a tinynn checkpoint"));
    }
}
