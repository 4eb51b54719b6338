// `tinynn train` and `tinynn eval` run as a user runs them.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/approx.hpp"
#include "support/cli.hpp"
#include "support/skip.hpp"

using namespace tinynn;
using namespace tinynn::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {
std::vector<std::vector<double>> read_csv_numbers(const fs::path& path, std::string& header) {
    std::ifstream in(path);
    std::getline(in, header);
    std::vector<std::vector<double>> rows;
    for (std::string line; std::getline(in, line);) {
        std::vector<double> row;
        std::stringstream cells(line);
        for (std::string cell; std::getline(cells, cell, ',');)
            row.push_back(std::stod(cell));
        rows.push_back(row);
    }
    return rows;
}

void copy_golden(const fs::path& to) {
    for (const char* f : {"golden.yaml", "golden.csv", "init.safetensors"})
        fs::copy_file(test_data(std::string("golden/") + f), to / f);
}

// %.9g: every float32 reads back exactly.
std::string join(const std::vector<float>& values) {
    std::string s;
    char buffer[32];
    for (float v : values) {
        std::snprintf(buffer, sizeof buffer, "%.9g", static_cast<double>(v));
        if (!s.empty())
            s += ',';
        s += buffer;
    }
    return s;
}

bool one_line(const std::string& s) {
    return !s.empty() && s.back() == '\n' && s.find('\n') == s.size() - 1;
}
}  // namespace

TEST_CASE("Training reproduces PyTorch's loss curves from the same weights", "[cli][golden]") {
    // tests/data/golden/make_golden.py's variants, each as golden.yaml with
    // these overrides: SGD with momentum and weight decay; Adam, AdamW with
    // amsgrad, Nesterov SGD, each under a schedule.
    struct Variant {
        const char* expected;
        std::vector<std::string> overrides;
    };
    const std::vector<Variant> variants{
        {"expected_metrics.csv", {}},
        {"expected_metrics_adam_step.csv",
         {"optimizer={kind: adam, lr: 0.01}", "scheduler={kind: step, step_size: 5, gamma: 0.5}"}},
        {"expected_metrics_adamw_amsgrad_cosine.csv",
         {"optimizer={kind: adamw, lr: 0.02, betas: [0.8, 0.99], amsgrad: true}",
          "scheduler={kind: cosine, t_max: 10, eta_min: 0.001}"}},
        {"expected_metrics_sgd_multistep.csv",
         {"optimizer={lr: 0.2, momentum: 0.5, nesterov: true}",
          "scheduler={kind: multistep, milestones: [4, 9, 9], gamma: 0.3}"}},
        {"expected_metrics_adam_exponential.csv",
         {"optimizer={kind: adam, lr: 0.05, weight_decay: 0.01, eps: 1.0e-6}",
          "scheduler={kind: exponential, gamma: 0.8}"}},
    };
    TempDir dir;
    copy_golden(dir.path());
    for (const Variant& v : variants) {
        SECTION(v.expected) {
            std::vector<std::string> args{"train", "golden.yaml", "--out", "run", "--quiet"};
            for (const std::string& o : v.overrides) {
                args.push_back("--set");
                args.push_back(o);
            }
            const auto r = run_tinynn(args, dir.path());
            INFO(r.err);
            REQUIRE(r.status == 0);
            CHECK(r.out.empty());  // --quiet
            std::string got_header, want_header;
            const auto got = read_csv_numbers(dir.path() / "run/metrics.csv", got_header);
            const auto want =
                read_csv_numbers(test_data(std::string("golden/") + v.expected), want_header);
            CHECK(got_header == want_header);
            REQUIRE(got.size() == want.size());
            for (size_t i = 0; i < got.size(); ++i) {
                for (size_t j = 0; j < want[i].size(); ++j) {
                    INFO("epoch " << i + 1 << " column " << j);
                    CHECK(close(got[i][j], want[i][j], 1e-5, 1e-6));
                }
                // The learning rate is torch's to the last bit (a double).
                CHECK(got[i].back() == want[i].back());
            }
        }
    }
}

TEST_CASE("The same config and seed give byte-identical outputs", "[cli][determinism]") {
    TempDir dir;
    const std::string config = repo_path("configs/spiral.yaml").string();
    for (const char* out : {"a", "b"}) {
        const auto r = run_tinynn(
            {"train", config, "--out", out, "--quiet", "--set", "training.epochs=5"}, dir.path());
        INFO(r.err);
        REQUIRE(r.status == 0);
    }
    for (const char* file : {"metrics.csv", "model.safetensors", "config.yaml"})
        CHECK(read_file(dir.path() / "a" / file) == read_file(dir.path() / "b" / file));
    // and another seed gives other weights
    const auto r = run_tinynn(
        {"train", config, "--out", "c", "--quiet", "--set", "training.epochs=5", "--set", "seed=7"},
        dir.path());
    REQUIRE(r.status == 0);
    CHECK(read_file(dir.path() / "a/model.safetensors") !=
          read_file(dir.path() / "c/model.safetensors"));
}

TEST_CASE("The threads option is accepted from 1 and refused at 0", "[cli][threads]") {
    TempDir dir;
    const std::string config = repo_path("configs/spiral.yaml").string();
    for (const char* threads : {"1", "2"}) {
        const auto r = run_tinynn({"train", config, "--out", threads, "--quiet", "--threads",
                                   threads, "--set", "training.epochs=3"},
                                  dir.path());
        INFO(r.err);
        CHECK(r.status == 0);
    }
    // Spiral's products are small enough to sum in one order at any count.
    CHECK(read_file(dir.path() / "1" / "metrics.csv") ==
          read_file(dir.path() / "2" / "metrics.csv"));
    const auto bad = run_tinynn({"train", config, "--threads", "0"}, dir.path());
    CHECK(bad.status == 2);
    CHECK_THAT(bad.err, Contains("--threads"));
}

TEST_CASE("A run writes its resolved config, metrics and weights", "[cli][outputs]") {
    TempDir dir;
    const auto r = run_tinynn({"train", repo_path("configs/xor.yaml").string(), "--set",
                               "training.epochs=3", "--set", "training.log_every=1"},
                              dir.path());
    INFO(r.err);
    REQUIRE(r.status == 0);
    const fs::path run = dir.path() / "runs/xor";  // the default: runs/<name>
    std::string header;
    const auto rows = read_csv_numbers(run / "metrics.csv", header);
    CHECK(header == "epoch,train_loss,test_loss,test_accuracy,lr");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0][0] == 1);
    CHECK(rows[2][0] == 3);
    CHECK(read_file(run / "config.yaml").find("epochs: 3") != std::string::npos);
    // A pipe gets one line per log_every epoch, and a summary.
    CHECK_THAT(r.out, Contains("epoch 1/3") && Contains("epoch 3/3") && Contains("trained xor"));

    auto model = nn::Sequential(nn::Linear(2, 8), nn::Tanh(), nn::Linear(8, 8), nn::Tanh(),
                                nn::Linear(8, 2));
    CHECK_NOTHROW(load(model, run / "model.safetensors"));

    const auto ev = run_tinynn({"eval", repo_path("configs/xor.yaml").string(), "--weights",
                                (run / "model.safetensors").string()},
                               dir.path());
    INFO(ev.err);
    CHECK(ev.status == 0);
    CHECK_THAT(ev.out, Contains("train: loss") && Contains("test: loss") && Contains("accuracy"));
}

TEST_CASE("A diverging run stops with exit 1 and keeps the last finite state",
          "[cli][divergence]") {
    TempDir dir;
    copy_golden(dir.path());
    const auto r = run_tinynn({"train", "golden.yaml", "--out", "run", "--quiet", "--set",
                               "optimizer.lr=1e30", "--set", "loss=cross_entropy"},
                              dir.path());
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
    CHECK_THAT(r.err, Contains("diverged at epoch") && Contains("optimizer.lr"));
    auto model = nn::Sequential(nn::Linear(2, 8), nn::Tanh(), nn::Linear(8, 3));
    REQUIRE_NOTHROW(load(model, dir.path() / "run/model.safetensors"));
    for (const Tensor& p : model.parameters())
        for (float v : p.to_vector())
            CHECK(std::isfinite(v));
    CHECK(fs::exists(dir.path() / "run/metrics.csv"));
}

TEST_CASE("Bad input ends with one line, exit 2, and leaves a previous run intact",
          "[cli][errors]") {
    TempDir dir;
    copy_golden(dir.path());
    REQUIRE(run_tinynn({"train", "golden.yaml", "--out", "run", "--quiet"}, dir.path()).status ==
            0);
    const std::string metrics = read_file(dir.path() / "run/metrics.csv");
    const std::string weights = read_file(dir.path() / "run/model.safetensors");

    struct Case {
        std::vector<std::string> args;
        std::vector<std::string> mentions;
    };
    std::ofstream(dir.path() / "bad.csv") << "x1,x2,label\n1,2,0\n3,abc,1\n";
    std::ofstream(dir.path() / "typo.yaml") << "name: golden\ntraining:\n  epochz: 3\n";
    const std::vector<Case> cases{
        {{"train", "missing.yaml", "--out", "run"}, {"missing.yaml"}},
        {{"train", "typo.yaml", "--out", "run"}, {"typo.yaml", "epochz", "3:"}},
        {{"train", "golden.yaml", "--out", "run", "--set", "training.epochs=-1"},
         {"training.epochs"}},
        {{"train", "golden.yaml", "--out", "run", "--set", "data.path=bad.csv"},
         {"bad.csv", "abc", "3"}},
        {{"train", "golden.yaml", "--out", "run", "--set",
          "model.layers=[{type: linear, in: 2, out: 4}, {type: tanh}, "
          "{type: linear, in: 4, out: 3}]"},
         {"0.weight", "[8, 2]", "[4, 2]"}},
        {{"train", "golden.yaml", "--out", "run", "--set", "model.init_from=nowhere.safetensors"},
         {"nowhere.safetensors"}},
        {{"train"}, {"CONFIG"}},
        {{"fly", "golden.yaml"}, {"fly"}},
    };
    for (const auto& c : cases) {
        const auto r = run_tinynn(c.args, dir.path());
        INFO(c.args[0] << " " << (c.args.size() > 1 ? c.args[1] : "") << ": " << r.err);
        CHECK(r.status == 2);
        CHECK(one_line(r.err));
        for (const auto& word : c.mentions)
            CHECK_THAT(r.err, Contains(word));
    }
    CHECK(read_file(dir.path() / "run/metrics.csv") == metrics);
    CHECK(read_file(dir.path() / "run/model.safetensors") == weights);
}

TEST_CASE("The version and help options succeed", "[cli]") {
    TempDir dir;
    const auto v = run_tinynn({"--version"}, dir.path());
    CHECK(v.status == 0);
    CHECK_THAT(v.out, Contains("tinynn"));
    const auto h = run_tinynn({"train", "--help"}, dir.path());
    CHECK(h.status == 0);
    CHECK_THAT(h.out, Contains("--set") && Contains("--out"));
}

TEST_CASE("Weights trained by tinynn give PyTorch the same predictions", "[cli][interop]") {
    if (std::system("/usr/bin/python3 -c 'import torch.nn' > /dev/null 2>&1") != 0) {
        skip_test("/usr/bin/python3 cannot import torch.nn (apt-get install python3-torch)");
        return;
    }
    TempDir dir;
    copy_golden(dir.path());
    REQUIRE(run_tinynn({"train", "golden.yaml", "--out", "run", "--quiet"}, dir.path()).status ==
            0);
    auto model = nn::Sequential(nn::Linear(2, 8), nn::Tanh(), nn::Linear(8, 3));
    load(model, dir.path() / "run/model.safetensors");
    const Tensor inputs = randn({16, 2});
    const Tensor outputs = model(inputs);
    std::ofstream(dir.path() / "predictions.json")
        << "{\"inputs\": [" << join(inputs.to_vector()) << "], \"outputs\": ["
        << join(outputs.to_vector()) << "]}";
    const std::string command = "/usr/bin/python3 " +
                                test_data("golden/check_interop.py").string() + " " +
                                (dir.path() / "run/model.safetensors").string() + " " +
                                (dir.path() / "predictions.json").string();
    CHECK(std::system(command.c_str()) == 0);
}
