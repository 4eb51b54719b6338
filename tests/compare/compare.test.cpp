// `tinynn compare` run as a user runs it, on a config small enough for a test.

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

#include "support/cli.hpp"
#include "support/skip.hpp"
#include "support/xml_check.hpp"
#include "tinynn/experiment/config.hpp"
#include "tinynn/experiment/runs.hpp"

using namespace tinynn;
using namespace tinynn::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;
namespace app = tinynn::experiment;

namespace {

const std::vector<std::string> kActivations{"sigmoid", "tanh", "relu", "leaky_relu"};

void write_tiny_config(const fs::path& path) {
    std::ofstream(path) << R"(name: tiny
seed: 7
data: {kind: xor, samples: 40, noise: 0.05, test_split: 0.25}
model: {kind: mlp, hidden: [4, 4], activation: tanh}
loss: cross_entropy
optimizer: {kind: sgd, lr: 0.3, momentum: 0.5}
training: {epochs: 5, batch_size: 8, log_every: 1}
compare:
  activations: [sigmoid, tanh, relu, leaky_relu]
  seeds: [1, 2]
  target_loss: 0.6
)";
}

// A compare of the tiny config into dir/out, shared by the tests below.
struct TinyCompare {
    TempDir dir;
    CliResult result;
    fs::path out;
    explicit TinyCompare(const std::vector<std::string>& extra = {}) {
        write_tiny_config(dir.path() / "tiny.yaml");
        out = dir.path() / "out";
        std::vector<std::string> args{"compare", "tiny.yaml", "--out", "out"};
        args.insert(args.end(), extra.begin(), extra.end());
        result = run_tinynn(args, dir.path());
    }
};

// Debian's Chromium, or empty when it is not installed.
// Chromium on the PATH (Debian's package installs /usr/bin/chromium), or empty.
std::string find_chromium() {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');)
        for (const char* name : {"chromium", "chromium-browser"}) {
            const fs::path program = fs::path(dir) / name;
            if (!dir.empty() && access(program.c_str(), X_OK) == 0)
                return program.string();
        }
    return "";
}

std::string capture(const std::string& command) {
    std::string out;
    if (FILE* pipe = popen(command.c_str(), "r")) {
        char buffer[4096];
        for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;)
            out.append(buffer, n);
        pclose(pipe);
    }
    return out;
}

// The page's DOM after Chromium loaded it and ran its scripts. The flags
// keep Chromium off the network and out of the user's profile.
std::string rendered_dom(const std::string& chromium, const fs::path& page) {
    TempDir profile;
    return capture("timeout 120 " + chromium +
                   " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                   " --disable-background-networking --disable-component-update --disable-sync"
                   " --user-data-dir='" +
                   profile.path().string() + "' --virtual-time-budget=10000 --dump-dom 'file://" +
                   fs::absolute(page).string() + "' 2>/dev/null");
}

}  // namespace

TEST_CASE("compare writes every file of the run directory", "[compare][cli]") {
    TinyCompare run;
    INFO(run.result.err);
    REQUIRE(run.result.status == 0);
    for (const char* file :
         {"config.yaml", "compare.csv", "summary.csv", "summary.md", "loss_curves.svg",
          "grad_norms.svg", "update_ratios.svg", "unit_health.svg", "activation_means.svg",
          "distributions.svg", "unit_inputs.svg", "output_histograms.svg",
          "gradient_histograms.svg", "firing.svg", "decision_boundary.svg", "report.html"}) {
        INFO(file);
        CHECK(fs::file_size(run.out / file) > 0);
    }
    CHECK_THAT(run.result.out, Contains("report: out/report.html"));
    CHECK_THAT(run.result.out, Contains("[8/8]"));
}

TEST_CASE("compare.csv holds one row per run and epoch with the diagnostics", "[compare][cli]") {
    TinyCompare run;
    REQUIRE(run.result.status == 0);
    const auto lines = lines_of(read_file(run.out / "compare.csv"));
    REQUIRE(lines.size() == 1 + 4 * 2 * 5);
    const auto probe_columns = [](const std::string& layer) {
        std::string out;
        for (const char* c : {"probe_mean", "probe_std", "probe_p2", "probe_p50", "probe_p98",
                              "unit0_input_p15", "unit0_input_p50", "unit0_input_p85"})
            out += std::string(",") + c + "." + layer;
        return out;
    };
    CHECK(lines[0] ==
          "activation,seed,epoch,train_loss,test_loss,test_accuracy,lr,grad_norm.0.weight,"
          "grad_norm.2.weight,grad_norm.4.weight,update_ratio.0.weight,update_ratio.2.weight,"
          "update_ratio.4.weight,dead_fraction.1,saturated_fraction.1,activation_mean.1" +
              probe_columns("1") + ",dead_fraction.3,saturated_fraction.3,activation_mean.3" +
              probe_columns("3") + ",dead_fraction,saturated_fraction");
    CHECK(lines[1].starts_with("sigmoid,1,1,"));
    CHECK(lines[6].starts_with("sigmoid,2,1,"));
    CHECK(lines[40].starts_with("leaky_relu,2,5,"));
    // relu rows have a dead fraction and no saturation; tanh rows the reverse.
    const std::regex relu_row(
        R"(relu,1,1,([^,]+,){10}[0-9.e-]+,,[-0-9.e]+,([-0-9.e]+,){8}[0-9.e-]+,,.*)");
    CHECK(std::regex_match(lines[21], relu_row));
    const std::regex tanh_row(
        R"(tanh,1,1,([^,]+,){10},[0-9.e-]+,[-0-9.e]+,([-0-9.e]+,){8},[0-9.e-]+,.*)");
    CHECK(std::regex_match(lines[11], tanh_row));
}

TEST_CASE("compare results do not depend on --jobs", "[compare][cli]") {
    TinyCompare one({"--jobs", "1"});
    TinyCompare two({"--jobs", "2"});
    REQUIRE(one.result.status == 0);
    REQUIRE(two.result.status == 0);
    CHECK(read_file(one.out / "compare.csv") == read_file(two.out / "compare.csv"));
    CHECK(read_file(one.out / "summary.csv") == read_file(two.out / "summary.csv"));
    CHECK(read_file(one.out / "summary.md") == read_file(two.out / "summary.md"));
}

TEST_CASE("summary.csv ranks every activation by test loss once", "[compare][cli]") {
    TinyCompare run;
    REQUIRE(run.result.status == 0);
    const auto lines = lines_of(read_file(run.out / "summary.csv"));
    REQUIRE(lines.size() == 1 + 4);
    CHECK(lines[0].starts_with("activation,runs,diverged,loss,final_mean,"));
    std::vector<int> ranks;
    for (size_t i = 1; i < lines.size(); ++i) {
        INFO(lines[i]);
        CHECK(lines[i].starts_with(kActivations[i - 1] + ",2,0,test_loss,"));
        // rank is the 11th column.
        std::stringstream cells(lines[i]);
        std::string cell;
        for (int c = 0; c < 11; ++c)
            std::getline(cells, cell, ',');
        ranks.push_back(std::stoi(cell));
    }
    std::sort(ranks.begin(), ranks.end());
    CHECK(ranks == std::vector<int>{1, 2, 3, 4});
    // The verdict in summary.md and report.html is the same, from the test loss.
    const std::string md = read_file(run.out / "summary.md");
    CHECK_THAT(md, Contains("By final test loss, mean over the seeds (lower is better)"));
    CHECK_THAT(read_file(run.out / "report.html"),
               Contains("By final test loss, mean over the seeds (lower is better)"));
}

TEST_CASE("a compare run equals tinynn train with that activation and seed", "[compare][cli]") {
    // A run's seed draws its initial weights and shuffling, the config's seed
    // the data: they are one training when the two are equal.
    TinyCompare run({"--set", "seed=2"});
    REQUIRE(run.result.status == 0);
    const CliResult train =
        run_tinynn({"train", "tiny.yaml", "--out", "single", "--quiet", "--set", "seed=2", "--set",
                    "model.activation=relu", "--set", "training.diagnostics=true"},
                   run.dir.path());
    REQUIRE(train.status == 0);
    const auto metrics = lines_of(read_file(run.dir.path() / "single" / "metrics.csv"));
    const auto rows = lines_of(read_file(run.out / "compare.csv"));
    REQUIRE(metrics.size() == 6);
    CHECK(metrics[0] == rows[0].substr(std::string("activation,seed,").size()));
    for (size_t epoch = 1; epoch <= 5; ++epoch)
        CHECK("relu,2," + metrics[epoch] == rows[25 + epoch]);
}

TEST_CASE("compare pictures are well-formed with one series per activation", "[compare][chart]") {
    TinyCompare run;
    REQUIRE(run.result.status == 0);
    for (const char* file : {"loss_curves.svg", "grad_norms.svg", "unit_health.svg",
                             "activation_means.svg", "decision_boundary.svg"}) {
        INFO(file);
        const std::string svg = read_file(run.out / file);
        CHECK(xml_error(svg) == std::nullopt);
        CHECK(svg.find("nan") == std::string::npos);
    }
    const std::string loss = read_file(run.out / "loss_curves.svg");
    // Panels: train loss, test loss, test accuracy; each draws every activation once.
    CHECK(count_attribute(loss, "class", "panel") == 3);
    for (const std::string& a : kActivations) {
        INFO(a);
        CHECK(count_attribute(loss, "data-series", a) == 3 + 1);  // + its legend entry
    }
    const std::string grads = read_file(run.out / "grad_norms.svg");
    const std::string boundary = read_file(run.out / "decision_boundary.svg");
    for (const std::string& a : kActivations) {
        CHECK(count_attribute(grads, "data-panel", a) == 1);
        CHECK(count_attribute(boundary, "data-panel", a + " (seed 1)") == 1);
    }
    // Three Linear layers: one series each in every activation's panel.
    CHECK(count_attribute(grads, "data-series", "Linear 0 (first)") == 4 + 1);
    CHECK(count_attribute(grads, "data-series", "Linear 4 (last)") == 4 + 1);
    const std::string health = read_file(run.out / "unit_health.svg");
    CHECK(count_attribute(health, "class", "panel") == 2);
    for (const std::string& a : kActivations)
        CHECK(count_attribute(health, "data-series", a) == 1 + 1);
}

TEST_CASE("the summary names every activation and the target", "[compare][cli]") {
    TinyCompare run;
    REQUIRE(run.result.status == 0);
    const std::string md = read_file(run.out / "summary.md");
    CHECK_THAT(md, Contains("epochs to loss ≤ 0.6"));
    for (const std::string& a : kActivations)
        CHECK_THAT(md, Contains("| " + a + " | "));
    const std::string html = read_file(run.out / "report.html");
    CHECK(html.find("http://") == std::string::npos);  // nothing to fetch
    CHECK(html.find("https://") == std::string::npos);
    size_t images = 0;
    for (size_t at = html.find("<img"); at != std::string::npos; at = html.find("<img", at + 1))
        ++images;
    CHECK(images == 11);
}

TEST_CASE("report.html renders every picture in headless Chromium", "[compare][browser]") {
    const std::string chromium = find_chromium();
    if (chromium.empty()) {
        skip_test("no chromium on the PATH (apt-get install chromium)");
        return;
    }
    TinyCompare run;
    REQUIRE(run.result.status == 0);
    SECTION("every picture renders") {
        const std::string dom = rendered_dom(chromium, run.out / "report.html");
        INFO(dom.substr(0, 300));
        CHECK_THAT(dom, Contains("data-pictures-rendered=\"11 of 11\""));
        CHECK(dom.find("<p class=\"broken\">") == std::string::npos);
    }
    SECTION("a broken picture shows") {
        // Truncating one embedded picture must be caught, or the check above proves nothing.
        std::string html = read_file(run.out / "report.html");
        const size_t at = html.find("base64,") + 7;
        html.erase(at + 40, html.find('"', at) - (at + 40));
        std::ofstream(run.out / "report.html") << html;
        const std::string dom = rendered_dom(chromium, run.out / "report.html");
        CHECK_THAT(dom, Contains("data-pictures-rendered=\"10 of 11\""));
        CHECK_THAT(dom, Contains("<p class=\"broken\">This picture did not render: "));
    }
}

TEST_CASE("compare varies the hidden activations of a layer list only", "[compare]") {
    app::Config base;
    base.model.layers = {
        models::linear_layer(2, 4), models::activation_layer({.kind = nn::Activation::tanh}),
        models::linear_layer(4, 1), models::activation_layer({.kind = nn::Activation::sigmoid})};
    base.model.layers_given = true;
    base.model.activation.negative_slope = 0.2f;
    const app::Config c = app::run_config(base, {nn::Activation::leaky_relu, 9});
    CHECK(c.seed == base.seed);  // the data's seed stays
    CHECK(c.run_seed == 9u);
    CHECK(c.training.diagnostics);
    CHECK(c.model.layers[1].activation.kind == nn::Activation::leaky_relu);
    CHECK(c.model.layers[1].activation.negative_slope == 0.2f);
    CHECK(c.model.layers[3].activation.kind == nn::Activation::sigmoid);  // the output stays
}

TEST_CASE("compare refuses bad input with exit 2 and one line", "[compare][cli]") {
    TempDir dir;
    write_tiny_config(dir.path() / "tiny.yaml");
    SECTION("--jobs 0") {
        const CliResult r = run_tinynn({"compare", "tiny.yaml", "--jobs", "0"}, dir.path());
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Contains("--jobs"));
    }
    SECTION("an unknown activation") {
        const CliResult r = run_tinynn(
            {"compare", "tiny.yaml", "--set", "compare.activations=[relu, swish]"}, dir.path());
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Contains("compare.activations"));
        CHECK(lines_of(r.err).size() == 1);
        CHECK_FALSE(fs::exists(dir.path() / "runs"));
    }
}

TEST_CASE("compare of several configs writes one directory each and one report", "[compare][cli]") {
    TempDir dir;
    write_tiny_config(dir.path() / "tiny.yaml");
    std::string other = read_file(dir.path() / "tiny.yaml");
    other.replace(other.find("name: tiny"), 10, "name: other");
    std::ofstream(dir.path() / "other.yaml") << other;
    const CliResult r = run_tinynn({"compare", "tiny.yaml", "other.yaml", "--out", "out", "--set",
                                    "compare.activations=[relu, tanh]"},
                                   dir.path());
    INFO(r.err);
    REQUIRE(r.status == 0);
    for (const char* name : {"tiny", "other"}) {
        CHECK(fs::file_size(dir.path() / "out" / name / "compare.csv") > 0);
        CHECK(fs::file_size(dir.path() / "out" / name / "report.html") > 0);
    }
    CHECK(lines_of(read_file(dir.path() / "out" / "other" / "compare.csv")).size() ==
          1 + 2 * 2 * 5);
    const std::string html = read_file(dir.path() / "out" / "report.html");
    CHECK_THAT(html, Contains("<section id=\"tiny\">") && Contains("<section id=\"other\">"));
    CHECK_THAT(html, Contains("href=\"#other\""));
    CHECK_THAT(r.out, Contains("report: out/report.html"));

    const CliResult same = run_tinynn({"compare", "tiny.yaml", "tiny.yaml"}, dir.path());
    CHECK(same.status == 2);
    CHECK_THAT(same.err, Contains("name 'tiny'"));
}
