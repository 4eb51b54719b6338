// predict and eval RUN_DIR --input (issue 13): a run trained on a CSV file
// with normalize: standard is used on new rows through the preprocessing
// stored in its model.safetensors, never statistics of the new file.

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <tinynn/tinynn.hpp>

#include "support/cli.hpp"
#include "support/csv_run.hpp"

using namespace tinynn;
using namespace tinynn::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        std::vector<std::string> cells;
        std::istringstream cell_stream(line);
        for (std::string cell; std::getline(cell_stream, cell, ',');)
            cells.push_back(cell);
        out.push_back(cells);
    }
    return out;
}

// "new.csv: loss 0.1, accuracy 0.96 (50 samples)" -> 0.96
double printed_accuracy(const std::string& out) {
    const auto at = out.find("accuracy ");
    REQUIRE(at != std::string::npos);
    return std::stod(out.substr(at + 9));
}

bool one_line(const std::string& s) {
    return !s.empty() && s.back() == '\n' && s.find('\n') == s.size() - 1;
}

}  // namespace

TEST_CASE("predict uses the stored standardisation on rows whose own statistics differ",
          "[cli][predict]") {
    TempDir dir;
    train_csv_run(dir.path());
    const std::vector<Row> rows = write_new_rows(dir.path() / "new.csv", false);
    int ones = 0;
    for (const Row& r : rows)
        ones += r.label;
    REQUIRE(ones >= 40);  // mostly one class: the file's own mean is far from the training's

    const auto r = run_tinynn({"predict", "run", "--input", "new.csv"}, dir.path());
    INFO(r.err);
    REQUIRE(r.status == 0);
    // The id column is not the model's: a note, and the predictions still.
    CHECK(one_line(r.err));
    CHECK_THAT(r.err, Contains("note") && Contains("'id'"));
    const auto table = parse_csv(r.out);
    REQUIRE(table.size() == rows.size() + 1);
    CHECK(table[0] == std::vector<std::string>{"prediction", "score_0", "score_1"});
    int right = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
        const auto& cells = table[i + 1];
        REQUIRE(cells.size() == 3);
        const int predicted = std::stoi(cells[0]);
        const double p0 = std::stod(cells[1]), p1 = std::stod(cells[2]);
        CHECK(std::abs(p0 + p1 - 1) < 1e-5);  // softmax probabilities for cross_entropy
        CHECK(predicted == (p1 > p0 ? 1 : 0));
        right += predicted == rows[i].label;
    }
    const double accuracy = static_cast<double>(right) / static_cast<double>(rows.size());
    // Statistics recomputed from this file would centre it on the class
    // boundary and get about half of it wrong.
    CHECK(accuracy >= 0.9);

    // eval on the same rows with their labels says the same.
    write_new_rows(dir.path() / "labelled.csv", true);
    const auto ev = run_tinynn({"eval", "run", "--input", "labelled.csv"}, dir.path());
    INFO(ev.err);
    REQUIRE(ev.status == 0);
    CHECK_THAT(ev.out, Contains("labelled.csv") && Contains("(50 samples)"));
    CHECK(std::abs(printed_accuracy(ev.out) - accuracy) < 1e-6);

    // --output writes the same table to the file, nothing to stdout.
    const auto to_file =
        run_tinynn({"predict", "run", "--input", "new.csv", "--output", "out.csv"}, dir.path());
    REQUIRE(to_file.status == 0);
    CHECK(to_file.out.empty());
    CHECK(read_file(dir.path() / "out.csv") == r.out);
}

TEST_CASE("model.safetensors holds the preprocessing in its metadata", "[cli][predict]") {
    TempDir dir;
    train_csv_run(dir.path());
    const SafetensorsMetadata m = load_safetensors_metadata(dir.path() / "run/model.safetensors");
    CHECK(nlohmann::json::parse(m.at("features")) == nlohmann::json({"a", "b"}));
    CHECK(m.at("target") == "label");
    CHECK(m.at("task") == "classification");
    CHECK(m.at("classes") == "2");
    CHECK(m.at("normalize") == "standard");
    const auto mean = nlohmann::json::parse(m.at("mean"));
    const auto std = nlohmann::json::parse(m.at("std"));
    REQUIRE(mean.size() == 2);
    REQUIRE(std.size() == 2);
    // The training split's: about the middle and spread of U(80, 120), U(-60, -40).
    CHECK(std::abs(mean[0].get<double>() - 100) < 3);
    CHECK(std::abs(mean[1].get<double>() + 50) < 2);
    CHECK(std::abs(std[0].get<double>() - 40 / std::sqrt(12.0)) < 1.5);
    // PyTorch-style loading of the weights alone is unaffected.
    CHECK(load_safetensors(dir.path() / "run/model.safetensors").size() == 4);

    // A built-in dataset's features are x0, x1 and its target y.
    const auto r = run_tinynn({"train", repo_path("configs/xor.yaml").string(), "--out", "xor",
                               "--quiet", "--set", "training.epochs=1"},
                              dir.path());
    REQUIRE(r.status == 0);
    const SafetensorsMetadata x = load_safetensors_metadata(dir.path() / "xor/model.safetensors");
    CHECK(x.at("features") == R"(["x0","x1"])");
    CHECK(x.at("target") == "y");
    CHECK(x.at("normalize") == "none");
    CHECK(x.count("mean") == 0);
}

TEST_CASE("predict and eval --input refuse what they cannot use, naming it", "[cli][predict]") {
    TempDir dir;
    train_csv_run(dir.path());
    std::ofstream(dir.path() / "no_b.csv") << "a,label\n100,1\n";
    std::ofstream(dir.path() / "unlabelled.csv") << "b,a\n-45,110\n";
    std::ofstream(dir.path() / "bad_label.csv") << "a,b,label\n110,-45,5\n";
    struct Case {
        std::vector<std::string> args;
        std::vector<std::string> mentions;
    };
    const std::vector<Case> cases = {
        {{"predict", "run", "--input", "no_b.csv"}, {"no_b.csv", "'b'", "missing"}},
        {{"eval", "run", "--input", "no_b.csv"}, {"no_b.csv", "'b'", "missing"}},
        {{"eval", "run", "--input", "unlabelled.csv"}, {"unlabelled.csv", "'label'"}},
        {{"eval", "run", "--input", "bad_label.csv"}, {"bad_label.csv", "'5'", "0..1"}},
        {{"predict", "nowhere", "--input", "no_b.csv"}, {"nowhere", "run directory"}},
        {{"predict", "run", "--input", "missing.csv"}, {"missing.csv"}},
        {{"predict", "run"}, {"--input"}},
        {{"eval", "run", "--input", "no_b.csv", "--weights", "run/model.safetensors"},
         {"--weights", "--input"}},
        {{"eval", "predict.yaml"}, {"predict.yaml", "--weights"}},
    };
    for (const auto& c : cases) {
        const auto r = run_tinynn(c.args, dir.path());
        INFO(c.args[0] << " " << c.args[1] << ": " << r.err);
        CHECK(r.status == 2);
        CHECK(one_line(r.err));
        for (const auto& word : c.mentions)
            CHECK_THAT(r.err, Contains(word));
    }
    const auto unknown = run_tinynn({"fly"}, dir.path());
    CHECK_THAT(unknown.err, Contains("predict"));
}

TEST_CASE("predict refuses a run whose CSV file had no header to name its features",
          "[cli][predict]") {
    TempDir dir;
    std::ofstream(dir.path() / "h.csv") << "1,2,0\n3,4,1\n5,6,0\n7,8,1\n";
    std::ofstream(dir.path() / "h.yaml") << "data: {kind: csv, path: h.csv, header: false}\n"
                                            "model: {hidden: [2]}\n"
                                            "training: {epochs: 1}\n";
    REQUIRE(run_tinynn({"train", "h.yaml", "--out", "run", "--quiet"}, dir.path()).status == 0);
    std::ofstream(dir.path() / "new.csv") << "0,1\n1,2\n";
    const auto r = run_tinynn({"predict", "run", "--input", "new.csv"}, dir.path());
    CHECK(r.status == 2);
    CHECK(one_line(r.err));
    CHECK_THAT(r.err, Contains("model.safetensors") && Contains("without a header"));
}

TEST_CASE("eval RUN_DIR scores the run on its own data, as eval CONFIG --weights",
          "[cli][predict]") {
    TempDir dir;
    train_csv_run(dir.path());
    const auto by_dir = run_tinynn({"eval", "run"}, dir.path());
    INFO(by_dir.err);
    REQUIRE(by_dir.status == 0);
    CHECK_THAT(by_dir.out, Contains("train: loss") && Contains("test: loss"));
    const auto by_config =
        run_tinynn({"eval", "predict.yaml", "--weights", "run/model.safetensors"}, dir.path());
    REQUIRE(by_config.status == 0);
    CHECK(by_config.out == by_dir.out);
}
