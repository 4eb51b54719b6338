// Only finite numbers (issue 18): a run that diverges saves the weights of
// its last finite epoch and metrics.csv holds no nan or inf; eval refuses
// weights that are not finite or make the loss so; compare fails when every
// run diverged, and its summary never prints a non-number.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/cli.hpp"

using namespace tinynn;
using namespace tinynn::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// The repro: 50 rows y = 1e6 x, which a learning rate of 1e33 on
// the whole set at once (batch_size: 0) overflows in the first step.
std::string linear_rows() {
    std::string csv = "x,y\n";
    for (int i = 0; i < 50; ++i) {
        const double x = (i - 25) / 10.0;
        csv += std::to_string(x) + "," + std::to_string(1e6 * x) + "\n";
    }
    return csv;
}

const std::string kDiverging =
    "name: lin\n"
    "data: {kind: csv, path: lin.csv, target: y, task: regression}\n"
    "model: {hidden: [4]}\n"
    "optimizer: {lr: 1.0e33}\n"
    "training: {epochs: 5, batch_size: 0, diagnostics: true}\n"
    "compare: {activations: [tanh, relu], seeds: [1, 2]}\n";

bool one_line(const std::string& s) {
    return !s.empty() && s.back() == '\n' && s.find('\n') == s.size() - 1;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Whether the text shows a non-number: "nan", "-nan", "inf", "infinity"
// in any case, also inside words (so its prose avoids them too).
bool shows_non_finite(const std::string& text) {
    const std::string l = lower(text);
    return l.find("nan") != std::string::npos || l.find("inf") != std::string::npos;
}

// Every cell after the header reads back as a finite number (or is empty).
void check_cells_finite(const std::string& csv) {
    std::istringstream lines(csv);
    std::string line;
    std::getline(lines, line);  // the header
    while (std::getline(lines, line)) {
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, ',');) {
            if (cell.empty() || std::isalpha(static_cast<unsigned char>(cell[0])))
                continue;  // no value, or compare.csv's activation
            char* end = nullptr;
            const double value = std::strtod(cell.c_str(), &end);
            INFO(line);
            CHECK(*end == '\0');
            CHECK(std::isfinite(value));
        }
    }
}

void check_weights_finite(const fs::path& file) {
    for (const auto& [name, tensor] : load_safetensors(file)) {
        INFO(name);
        CHECK(tensor.matrix().allFinite());
    }
}

}  // namespace

TEST_CASE("A run that overflows in its first step saves finite weights and no nan",
          "[cli][bad_input][finite]") {
    TempDir dir;
    write(dir.path() / "lin.csv", linear_rows());
    write(dir.path() / "lin.yaml", kDiverging);
    const CliResult r = run_tinynn({"train", "lin.yaml", "--out", "run", "--quiet"}, dir.path());
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
    CHECK_THAT(r.err, Contains("diverged at epoch 1"));
    const std::string metrics = read_file(dir.path() / "run/metrics.csv");
    CHECK(metrics == "epoch,train_loss,test_loss,lr\n");
    check_weights_finite(dir.path() / "run/model.safetensors");
    // The weights of the last finite epoch evaluate to finite numbers.
    const CliResult eval = run_tinynn(
        {"eval", "lin.yaml", "--weights", "run/model.safetensors", "--set", "optimizer.lr=0.1"},
        dir.path());
    INFO(eval.err);
    CHECK(eval.status == 0);
    CHECK_FALSE(shows_non_finite(eval.out));
}

TEST_CASE("A run that diverges after finite epochs writes only finite numbers",
          "[cli][bad_input][finite]") {
    TempDir dir;
    write(dir.path() / "lin.csv", linear_rows());
    write(dir.path() / "lin.yaml", kDiverging);
    // Small enough steps for some finite epochs (16 here), each overshooting more.
    const CliResult r = run_tinynn({"train", "lin.yaml", "--out", "run", "--quiet", "--set",
                                    "optimizer.lr=1", "--set", "training.epochs=200"},
                                   dir.path());
    INFO(r.err);
    REQUIRE(r.status == 1);
    CHECK_THAT(r.err, Contains("diverged at epoch"));
    const std::string metrics = read_file(dir.path() / "run/metrics.csv");
    CHECK(std::count(metrics.begin(), metrics.end(), '\n') > 2);
    CHECK_THAT(metrics, Contains("grad_norm.0.weight"));
    CHECK_FALSE(shows_non_finite(metrics));
    check_cells_finite(metrics);
    check_weights_finite(dir.path() / "run/model.safetensors");
}

TEST_CASE("A test loss that overflows is divergence", "[cli][bad_input][finite]") {
    TempDir dir;
    // The last rows, held out unshuffled, are far beyond the training rows:
    // finite weights fitted to the first rows overflow float32 on them.
    std::string csv = "x,y\n";
    for (int i = 0; i < 40; ++i)
        csv += std::to_string(i % 5) + "," + std::to_string(i % 3) + "\n";
    for (int i = 0; i < 10; ++i)
        csv += "1e37,1\n";
    write(dir.path() / "far.csv", csv);
    write(dir.path() / "far.yaml",
          "data: {kind: csv, path: far.csv, target: y, task: regression, test_split: 0.2,"
          " shuffle_split: false}\n"
          "model: {hidden: [4], activation: relu}\n"
          "training: {epochs: 3}\n");
    const CliResult r = run_tinynn({"train", "far.yaml", "--out", "run", "--quiet"}, dir.path());
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("diverged at epoch 1"));
    CHECK(read_file(dir.path() / "run/metrics.csv") == "epoch,train_loss,test_loss,lr\n");
}

TEST_CASE("eval refuses weights that are not finite or make the loss so",
          "[cli][bad_input][finite]") {
    TempDir dir;
    write(dir.path() / "xor.yaml",
          "data: {kind: xor, samples: 40}\nmodel: {hidden: [4]}\ntraining: {epochs: 2}\n");
    REQUIRE(run_tinynn({"train", "xor.yaml", "--out", "run", "--quiet"}, dir.path()).status == 0);
    const nn::StateDict good = load_safetensors(dir.path() / "run/model.safetensors");
    const auto saved = [&](const std::string& file, float value, bool scale) {
        nn::StateDict changed;
        for (const auto& [name, tensor] : good) {
            Tensor copy = Tensor::from_matrix(tensor.matrix(), tensor.shape());
            if (scale)
                copy.matrix() *= value;
            else if (name == "2.weight")
                copy.matrix()(0, 1) = value;
            changed.emplace_back(name, copy);
        }
        save_safetensors(changed, dir.path() / file);
        return file;
    };
    struct Case {
        std::string what, file, says;
    };
    const std::vector<Case> cases{
        {"a NaN weight", saved("nan.safetensors", NAN, false), "\"2.weight\" holds NaN"},
        {"an infinite weight", saved("inf.safetensors", INFINITY, false), "\"2.weight\" holds"},
        {"weights that overflow the loss", saved("big.safetensors", 1e30f, true),
         "the loss on the train split is NaN or infinite with these weights"},
    };
    for (const Case& c : cases) {
        const CliResult r = run_tinynn({"eval", "xor.yaml", "--weights", c.file}, dir.path());
        INFO(c.what << "\nstderr: " << r.err << "stdout: " << r.out);
        CHECK(r.status == 1);
        CHECK(one_line(r.err));
        CHECK_THAT(r.err, Contains("tinynn: " + c.file + ": ") && Contains(c.says));
        CHECK(r.out.empty());
    }
}

TEST_CASE("compare fails when every run diverged, and prints no non-number",
          "[cli][bad_input][compare][finite]") {
    TempDir dir;
    write(dir.path() / "lin.csv", linear_rows());
    write(dir.path() / "lin.yaml", kDiverging);
    const CliResult r = run_tinynn({"compare", "lin.yaml", "--out", "out"}, dir.path());
    INFO(r.err << r.out);
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
    CHECK_THAT(r.err, Contains("lin.yaml: every run of experiment 'lin' diverged"));
    CHECK_THAT(r.err, Contains("lower optimizer.lr"));
    // The report is written all the same, and says what happened.
    const std::string md = read_file(dir.path() / "out/summary.md");
    CHECK_THAT(md, Contains("2 of 2 runs diverged"));
    CHECK_THAT(md, Contains("| tanh | — (2 diverged) | — |"));
    CHECK_FALSE(shows_non_finite(md));
    const std::string findings = r.out.substr(r.out.find("\n- "));
    CHECK_FALSE(shows_non_finite(findings));
    CHECK(read_file(dir.path() / "out/compare.csv") ==
          "activation,seed,epoch,train_loss,test_loss,test_accuracy,lr\n");
}

TEST_CASE("compare leaves diverged runs out of its numbers", "[cli][compare][finite]") {
    TempDir dir;
    write(dir.path() / "lin.csv", linear_rows());
    write(dir.path() / "lin.yaml", kDiverging);
    // At this rate the bounded sigmoid trains while ReLU's outputs blow up
    // in the second epoch.
    const std::vector<std::string> args{
        "compare", "lin.yaml",          "--out", "out",
        "--set",   "optimizer.lr=0.1",  "--set", "compare.activations=[sigmoid, relu]",
        "--set",   "training.epochs=30"};
    const CliResult r = run_tinynn(args, dir.path());
    INFO(r.err << r.out);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    const std::string md = read_file(dir.path() / "out/summary.md");
    CHECK_THAT(md, Contains("| relu | — (2 diverged) | — | — |"));
    CHECK_THAT(md, Contains("relu: 2 of 2 runs diverged"));
    // Sigmoid's numbers are over its two seeds.
    CHECK_THAT(md, Contains("| sigmoid | ") && !Contains("| sigmoid | —"));
    CHECK_THAT(md, Contains("By final test loss, mean over the seeds (lower is better): sigmoid"));
    CHECK_FALSE(shows_non_finite(md));
    CHECK_FALSE(shows_non_finite(r.out.substr(r.out.find("\n- "))));
    const std::string csv = read_file(dir.path() / "out/compare.csv");
    CHECK_FALSE(shows_non_finite(csv));
    check_cells_finite(csv);
}
