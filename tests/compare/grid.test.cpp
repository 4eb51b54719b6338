// compare.grid (SPEC §3): more axes of any config keys, one run per
// combination × activation × seed, a compare.csv column per grid key.

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>

#include "support/cli.hpp"
#include "support/xml_check.hpp"
#include "tinynn/cli/config.hpp"
#include "tinynn/experiment/runs.hpp"

using namespace tinynn;
using namespace tinynn::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

constexpr const char* kBase = R"(name: grid
seed: 3
data: {kind: moons, samples: 40, noise: 0.1, test_split: 0.25}
model: {kind: mlp, hidden: [4], activation: tanh}
loss: cross_entropy
optimizer: {kind: sgd, lr: 0.2}
training: {epochs: 3, batch_size: 8, log_every: 1}
compare:
  activations: [tanh, relu]
  seeds: [1, 2]
)";

constexpr const char* kGrid = R"(  grid:
    model.init: [xavier_uniform, kaiming_uniform]
    model.hidden: [[4], [4, 4]]
)";

// RFC 4180 cells of one line (compare.csv quotes cells holding commas).
std::vector<std::string> cells_of(const std::string& line) {
    std::vector<std::string> cells(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
            cells.back() += '"';
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (c == ',' && !quoted) {
            cells.emplace_back();
        } else {
            cells.back() += c;
        }
    }
    return cells;
}

std::vector<std::vector<std::string>> csv_rows(const fs::path& file) {
    std::vector<std::vector<std::string>> rows;
    std::stringstream in(read_file(file));
    for (std::string line; std::getline(in, line);)
        rows.push_back(cells_of(line));
    return rows;
}

size_t column(const std::vector<std::string>& header, const std::string& name) {
    const auto at = std::find(header.begin(), header.end(), name);
    REQUIRE(at != header.end());
    return static_cast<size_t>(at - header.begin());
}

}  // namespace

TEST_CASE("compare.grid trains every combination and gives compare.csv a column per grid key") {
    TempDir dir;
    std::ofstream(dir.path() / "grid.yaml") << kBase << kGrid;
    const CliResult r = run_tinynn({"compare", "grid.yaml", "--out", "out"}, dir.path());
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Contains("4 grid points x 2 activations x 2 seeds = 16 runs"));

    const auto rows = csv_rows(dir.path() / "out" / "compare.csv");
    REQUIRE(rows.size() == 1 + 16 * 3);
    const std::vector<std::string>& header = rows.front();
    REQUIRE(header.size() > 3);
    CHECK(header[0] == "model.init");
    CHECK(header[1] == "model.hidden");
    CHECK(header[2] == "activation");
    // The deeper points' layers have columns of their own, empty for the others.
    const size_t deep = column(header, "grad_norm.4.weight");
    std::map<std::string, size_t> per_point;
    for (size_t i = 1; i < rows.size(); ++i) {
        const auto& row = rows[i];
        REQUIRE(row.size() == header.size());
        ++per_point[row[0] + " " + row[1]];
        CHECK(row[deep].empty() == (row[1] == "[4]"));
    }
    CHECK(per_point == std::map<std::string, size_t>{{"kaiming_uniform [4, 4]", 12},
                                                     {"kaiming_uniform [4]", 12},
                                                     {"xavier_uniform [4, 4]", 12},
                                                     {"xavier_uniform [4]", 12}});

    // The summary has a row per (grid point, activation).
    const std::string summary = read_file(dir.path() / "out" / "summary.md");
    for (const char* row : {"| tanh (model.init=xavier_uniform, model.hidden=[4]) |",
                            "| relu (model.init=kaiming_uniform, model.hidden=[4, 4]) |"})
        CHECK_THAT(summary, Contains(row));

    // summary.csv: a row per (grid point, activation), ranked within its point.
    const auto summary_rows = csv_rows(dir.path() / "out" / "summary.csv");
    REQUIRE(summary_rows.size() == 1 + 4 * 2);
    CHECK(summary_rows[0][0] == "model.init");
    CHECK(summary_rows[0][1] == "model.hidden");
    CHECK(summary_rows[0][2] == "activation");
    const size_t rank = column(summary_rows[0], "rank");
    std::map<std::string, std::vector<std::string>> ranks;
    for (size_t i = 1; i < summary_rows.size(); ++i)
        ranks[summary_rows[i][0] + " " + summary_rows[i][1]].push_back(summary_rows[i][rank]);
    REQUIRE(ranks.size() == 4);
    for (auto& [point, in_point] : ranks) {
        INFO(point);
        std::sort(in_point.begin(), in_point.end());
        CHECK(in_point == std::vector<std::string>{"1", "2"});
    }

    // grid.svg: small multiples, a row per model.init and a panel per
    // model.hidden in it, a line per activation in each; the per-layer
    // pictures have a row per (grid point, activation).
    const std::string grid = read_file(dir.path() / "out" / "grid.svg");
    CHECK(xml_error(grid) == std::nullopt);
    CHECK(count_attribute(grid, "class", "panel") == 4);
    CHECK(count_attribute(grid, "class", "row-title") == 2);
    CHECK_THAT(grid, Contains(">model.init=xavier_uniform</text>") &&
                         Contains(">model.init=kaiming_uniform</text>"));
    CHECK(count_attribute(grid, "data-panel", "model.hidden=[4, 4]") == 2);
    CHECK(count_attribute(grid, "data-series", "tanh") == 4 + 1);  // + legend
    const std::string histograms = read_file(dir.path() / "out" / "output_histograms.svg");
    CHECK(xml_error(histograms) == std::nullopt);
    CHECK(count_attribute(histograms, "class", "row-title") == 8);
    CHECK(count_attribute(histograms, "class", "panel") == 8 * 2);  // up to two hidden layers
    CHECK_THAT(histograms,
               Contains(">relu (model.init=kaiming_uniform, model.hidden=[4, 4])</text>"));

    // A point's runs are the runs of its config without a grid.
    std::ofstream(dir.path() / "one.yaml") << kBase;
    const CliResult one = run_tinynn({"compare", "one.yaml", "--out", "one", "--set",
                                      "model.init=kaiming_uniform", "--set", "model.hidden=[4, 4]"},
                                     dir.path());
    REQUIRE(one.status == 0);
    const auto alone = csv_rows(dir.path() / "one" / "compare.csv");
    REQUIRE(alone.size() == 1 + 4 * 3);
    size_t matched = 0;
    for (size_t i = 1; i < rows.size(); ++i) {
        if (rows[i][0] != "kaiming_uniform" || rows[i][1] != "[4, 4]")
            continue;
        const auto& expected = alone[1 + matched++];
        for (size_t c = 0; c < expected.size(); ++c) {
            INFO(alone.front()[c]);
            CHECK(rows[i][column(header, alone.front()[c])] == expected[c]);
        }
    }
    CHECK(matched == 12);

    // The resolved config holds the grid, and reads back to the same points.
    const std::string resolved = read_file(dir.path() / "out" / "config.yaml");
    CHECK_THAT(resolved, Contains("  grid:\n    model.init: [xavier_uniform, kaiming_uniform]\n"
                                  "    model.hidden: [[4], [4, 4]]\n"));
    const experiment::Config again = cli::load_config(dir.path() / "out" / "config.yaml", {});
    REQUIRE(again.compare.grid_points.size() == 4);
    CHECK(again.compare.grid_points[1].values ==
          std::vector<std::string>{"xavier_uniform", "[4, 4]"});
    CHECK(again.compare.grid_points[1].config->model.hidden == std::vector<int64_t>{4, 4});
    CHECK(experiment::run_specs(again).size() == 16);
}

TEST_CASE("A bad compare.grid is a config error naming the grid key and where it is") {
    TempDir dir;
    const auto refused = [&](const std::string& grid, const std::vector<std::string>& extra = {},
                             std::string base = kBase) {
        std::ofstream(dir.path() / "bad.yaml") << base << grid;
        std::vector<std::string> args{"compare", "bad.yaml", "--out", "out"};
        args.insert(args.end(), extra.begin(), extra.end());
        const CliResult r = run_tinynn(args, dir.path());
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK_FALSE(fs::exists(dir.path() / "out"));
        return r.err;
    };
    CHECK_THAT(refused("  grid:\n    model.inti: [normal]\n"),
               Contains("bad.yaml:12:5: compare.grid.model.inti: expected a config key to vary") &&
                   Contains("did you mean 'model.init'?"));
    CHECK_THAT(refused("  grid:\n    model.init: [normal, gaussian]\n"),
               Contains("bad.yaml:12:26: model.init: expected one of") && Contains("gaussian"));
    CHECK_THAT(refused("  grid:\n    compare.seeds: [[1], [2]]\n"),
               Contains("compare.grid.compare.seeds: expected a config key to vary (not name or "
                        "a compare key)"));
    CHECK_THAT(refused("  grid:\n    model.init: []\n"),
               Contains("compare.grid.model.init: expected a list of 1 to 100 values"));
    CHECK_THAT(refused("  grid: [model.init]\n"), Contains("compare.grid: expected ~ for none"));
    CHECK_THAT(refused("  grid:\n    seed: [1, 2, 3, 4, 5, 6]\n    data.noise: [0, 1, 2, 3, 4, 5]\n"
                       "    training.epochs: [1, 2, 3, 4, 5, 6]\n    optimizer.lr: [1, 2, 3, 4, "
                       "5, 6]\n"),
               Contains("compare.grid: expected at most 1000 combinations of values, got more"));
    CHECK_THAT(refused("  grid:\n    model.init: [normal]\n", {"--set", "model.init=normal"}),
               Contains("varies model.init, which a --set also gives"));
    // Checks that span keys run for each point: this config lists its layers.
    std::string listed = kBase;
    listed.replace(listed.find("hidden: [4], activation: tanh"),
                   std::string_view("hidden: [4], activation: tanh").size(),
                   "layers: [{type: linear, in: 2, out: 2}]");
    CHECK_THAT(refused("  grid:\n    model.hidden: [[4]]\n", {}, listed),
               Contains("cannot be combined with model.layers"));
}

TEST_CASE("compare.grid may vary a key whose section the file leaves out") {
    TempDir dir;
    std::ofstream(dir.path() / "bare.yaml")
        << "compare:\n  grid:\n    optimizer.lr: [0.5, 0.25]\n"
           "    training.early_stopping: [{monitor: train_loss, patience: 3}]\n";
    const experiment::Config c = cli::load_config(dir.path() / "bare.yaml", {});
    REQUIRE(c.compare.grid_points.size() == 2);
    CHECK(c.compare.grid_points[0].config->optimizer.lr == 0.5);
    CHECK(c.compare.grid_points[1].config->optimizer.lr == 0.25);
    CHECK(c.compare.grid_points[1].values ==
          std::vector<std::string>{"0.25", "{monitor: train_loss, patience: 3}"});
    CHECK(c.compare.grid_points[1].config->training.early_stopping->patience == 3);
    CHECK_FALSE(c.optimizer.lr);  // the base keeps the file's (here the default)
}
