// --resume RUN_DIR: after a planned stop, SIGINT or SIGKILL, the resumed
// run's metrics.csv and model.safetensors are byte for byte those of one
// uninterrupted run (SPEC §2); a changed config or data is refused.

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "support/cli.hpp"

using namespace tinynn::test;
namespace fs = std::filesystem;

namespace {

// A small classification run (about a millisecond an epoch) with a test
// split, so early stopping and every metric column take part.
std::vector<std::string> small(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--quiet",
                                     "--set",
                                     "data.samples=150",
                                     "--set",
                                     "model.hidden=[12, 12]",
                                     "--set",
                                     "training.batch_size=16"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

CliResult train(const fs::path& cwd, const std::string& out, const std::vector<std::string>& set,
                const std::vector<std::string>& more = {}) {
    std::vector<std::string> args = {"train", repo_path("configs/spiral.yaml").string(), "--out",
                                     out};
    for (const std::string& s : small(set))
        args.push_back(s);
    args.insert(args.end(), more.begin(), more.end());
    return run_tinynn(args, cwd);
}

CliResult resume(const fs::path& cwd, const std::string& dir, const std::vector<std::string>& set) {
    std::vector<std::string> args = {"train", repo_path("configs/spiral.yaml").string(), "--resume",
                                     dir};
    for (const std::string& s : small(set))
        args.push_back(s);
    return run_tinynn(args, cwd);
}

int64_t rows(const fs::path& metrics) {
    const std::string text = read_file(metrics);
    return std::count(text.begin(), text.end(), '\n') - 1;
}

// The files that must match an uninterrupted run's.
void check_same_run(const fs::path& a, const fs::path& b) {
    CHECK(read_file(a / "metrics.csv") == read_file(b / "metrics.csv"));
    CHECK(read_file(a / "model.safetensors") == read_file(b / "model.safetensors"));
}

// Starts `command` in the background, waits until `ready` (a shell test)
// holds, sends `signal` and returns the command's exit status.
int signal_when(const fs::path& cwd, const std::string& command, const std::string& ready,
                const std::string& signal) {
    const std::string script = "cd '" + cwd.string() + "' && { " + command +
                               " & pid=$!; i=0; until " + ready +
                               " || [ $i -ge 3000 ]; do sleep 0.01; i=$((i+1)); done; kill -" +
                               signal + " $pid; wait $pid; }";
    const int raw = std::system(script.c_str());
    REQUIRE(WIFEXITED(raw));
    return WEXITSTATUS(raw);
}

std::string quoted_command(const std::vector<std::string>& set) {
    std::string command = "'" + std::string(TINYNN_CLI_PATH) + "' train '" +
                          repo_path("configs/spiral.yaml").string() + "' --out run";
    for (const std::string& s : small(set))
        command += " '" + s + "'";
    return command + " >/dev/null 2>err";
}

}  // namespace

TEST_CASE("A run resumed after a planned stop is the uninterrupted run, byte for byte",
          "[cli][resume]") {
    using Sets = std::vector<std::string>;
    const auto [name, set] = GENERATE(
        std::pair{"SGD with momentum", Sets{}},
        std::pair{"Adam, StepLR and diagnostics",
                  Sets{"--set", "optimizer={kind: adam, lr: 0.01}", "--set", "scheduler.kind=step",
                       "--set", "scheduler.step_size=2", "--set", "scheduler.gamma=0.5", "--set",
                       "training.diagnostics=true"}},
        std::pair{"AdamW amsgrad, cosine, early stopping that stops after the resume",
                  Sets{"--set", "optimizer={kind: adamw, lr: 0.05, amsgrad: true}", "--set",
                       "scheduler.kind=cosine", "--set", "scheduler.t_max=5", "--set",
                       "training.early_stopping={monitor: train_loss, patience: 2, min_delta: "
                       "0.03}"}});
    INFO(name);
    TempDir dir;
    Sets whole = set, first = set, rest = set;
    for (auto* s : {&whole, &rest})
        s->insert(s->end(), {"--set", "training.epochs=12"});
    first.insert(first.end(), {"--set", "training.epochs=5"});

    REQUIRE(train(dir.path(), "whole", whole).status == 0);
    REQUIRE(train(dir.path(), "run", first).status == 0);
    CHECK(rows(dir.path() / "run/metrics.csv") == 5);
    CHECK(fs::exists(dir.path() / "run/checkpoint.safetensors"));
    const CliResult resumed = resume(dir.path(), "run", rest);
    INFO(resumed.err);
    REQUIRE(resumed.status == 0);
    check_same_run(dir.path() / "whole", dir.path() / "run");

    // Resumed again with nothing left to train, it stays the same run.
    REQUIRE(resume(dir.path(), "run", rest).status == 0);
    check_same_run(dir.path() / "whole", dir.path() / "run");
}

TEST_CASE("A run resumed after SIGINT is the uninterrupted run, byte for byte",
          "[cli][resume][interrupt]") {
    TempDir dir;
    // Interrupted once its first checkpoint is out, with epochs to spare.
    const int status =
        signal_when(dir.path(), quoted_command({"--set", "training.epochs=10000000"}),
                    "[ -f .run.staging.*/checkpoint.safetensors ]", "INT");
    CHECK(status == 130);
    CHECK_THAT(read_file(dir.path() / "err"), Catch::Matchers::Contains("interrupted by SIGINT"));
    const int64_t done = rows(dir.path() / "run/metrics.csv");
    REQUIRE(done >= 1);
    const std::string epochs = "training.epochs=" + std::to_string(done + 3);
    const CliResult resumed = resume(dir.path(), "run", {"--set", epochs});
    INFO(resumed.err);
    REQUIRE(resumed.status == 0);
    REQUIRE(train(dir.path(), "whole", {"--set", epochs}).status == 0);
    check_same_run(dir.path() / "whole", dir.path() / "run");
}

TEST_CASE("kill -9 leaves a checkpoint that --resume continues", "[cli][resume][interrupt]") {
    TempDir dir;
    // The killed run's only files are in its staging directory.
    const int status =
        signal_when(dir.path(), quoted_command({"--set", "training.epochs=10000000"}),
                    "[ -f .run.staging.*/checkpoint.safetensors ]", "KILL");
    CHECK(status == 128 + 9);
    CHECK_FALSE(fs::exists(dir.path() / "run"));
    fs::path staging;
    for (const auto& entry : fs::directory_iterator(dir.path()))
        if (entry.path().filename().string().starts_with(".run.staging."))
            staging = entry.path();
    REQUIRE_FALSE(staging.empty());
    // Its metrics may hold an epoch more than its checkpoint.
    const std::string epochs =
        "training.epochs=" + std::to_string(rows(staging / "metrics.csv") + 3);
    const CliResult resumed = resume(dir.path(), "run", {"--set", epochs});
    INFO(resumed.err);
    REQUIRE(resumed.status == 0);
    CHECK_FALSE(fs::exists(staging));
    REQUIRE(train(dir.path(), "whole", {"--set", epochs}).status == 0);
    check_same_run(dir.path() / "whole", dir.path() / "run");
}

TEST_CASE("Resuming with a changed model, data or too few epochs is refused, naming it",
          "[cli][resume]") {
    TempDir dir;
    REQUIRE(train(dir.path(), "run", {"--set", "training.epochs=3"}).status == 0);
    const std::string metrics = read_file(dir.path() / "run/metrics.csv");

    SECTION("a changed model") {
        const CliResult r = resume(dir.path(), "run", {"--set", "model.hidden=[12, 13]"});
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("model.hidden") &&
                              Catch::Matchers::Contains("[12, 12] then, hidden: [12, 13] now"));
    }
    SECTION("a changed optimiser") {
        const CliResult r = resume(dir.path(), "run", {"--set", "optimizer.lr=0.2"});
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("optimizer.lr"));
    }
    SECTION("changed data") {
        const CliResult r = resume(dir.path(), "run", {"--set", "data.noise=0.2"});
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("data.noise"));
    }
    SECTION("fewer epochs than the checkpoint's") {
        const CliResult r = resume(dir.path(), "run", {"--set", "training.epochs=2"});
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("training.epochs is 2, below the 3 epochs"));
    }
    SECTION("another --out") {
        const CliResult r = run_tinynn({"train", repo_path("configs/spiral.yaml").string(),
                                        "--resume", "run", "--out", "other"},
                                       dir.path());
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("--resume run and --out other differ"));
    }
    SECTION("a directory without a checkpoint") {
        fs::remove(dir.path() / "run/checkpoint.safetensors");
        const CliResult r = resume(dir.path(), "run", {"--set", "training.epochs=4"});
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("holds no checkpoint.safetensors"));
    }
    // None of them touched the run.
    CHECK(read_file(dir.path() / "run/metrics.csv") == metrics);
}

TEST_CASE("Resuming a CSV run whose file changed is refused as changed data", "[cli][resume]") {
    TempDir dir;
    std::string csv = "x,y,label\n";
    for (int i = 0; i < 40; ++i)
        csv += std::to_string(i % 7) + "," + std::to_string(i % 5) + "," + std::to_string(i % 2) +
               "\n";
    std::ofstream(dir.path() / "data.csv") << csv;
    std::ofstream(dir.path() / "run.yaml")
        << "data: {kind: csv, path: data.csv, target: label, task: classification}\n"
           "model: {hidden: [4]}\nloss: cross_entropy\ntraining: {epochs: 2, batch_size: 8}\n";
    REQUIRE(run_tinynn({"train", "run.yaml", "--out", "run", "--quiet"}, dir.path()).status == 0);
    csv.replace(csv.find("\n0,0,0"), 6, "\n9,0,0");
    std::ofstream(dir.path() / "data.csv") << csv;
    const CliResult r = run_tinynn(
        {"train", "run.yaml", "--resume", "run", "--set", "training.epochs=3"}, dir.path());
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Matchers::Contains("the data differs from the checkpoint's"));
}
