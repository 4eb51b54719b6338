#include "support/csv_run.hpp"

#include <cstdio>
#include <fstream>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "support/cli.hpp"

namespace tinynn::test {
namespace {

// A model trained on standardised features is useless on rows prepared any
// other way, since these are far from the origin.
int label_of(double a, double b) {
    return (a - 100) / 20 + (b + 50) / 10 > 0 ? 1 : 0;
}

std::vector<Row> draw(int n, double a_lo, double a_hi, double b_lo, double b_hi, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> a(a_lo, a_hi), b(b_lo, b_hi);
    std::vector<Row> rows;
    for (int i = 0; i < n; ++i) {
        Row r{a(gen), b(gen), 0};
        r.label = label_of(r.a, r.b);
        rows.push_back(r);
    }
    return rows;
}

std::string number(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4f", v);
    return buffer;
}

const char* const kConfig =
    "name: predict\n"
    "seed: 3\n"
    "data:\n"
    "  kind: csv\n"
    "  path: train.csv\n"
    "  target: label\n"
    "  normalize: standard\n"
    "  test_split: 0.25\n"
    "model:\n"
    "  hidden: [16]\n"
    "  activation: tanh\n"
    "loss: cross_entropy\n"
    "optimizer:\n"
    "  lr: 0.1\n"
    "  momentum: 0.9\n"
    "training:\n"
    "  epochs: 60\n"
    "  batch_size: 32\n";

}  // namespace

void train_csv_run(const std::filesystem::path& dir) {
    std::ofstream csv(dir / "train.csv");
    csv << "a,b,label\n";
    for (const Row& r : draw(400, 80, 120, -60, -40, 1))
        csv << number(r.a) << ',' << number(r.b) << ',' << r.label << '\n';
    csv.close();
    std::ofstream(dir / "predict.yaml") << kConfig;
    const auto r = run_tinynn({"train", "predict.yaml", "--out", "run", "--quiet"}, dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
}

std::vector<Row> write_new_rows(const std::filesystem::path& path, bool labelled) {
    const std::vector<Row> rows = draw(50, 95, 120, -52, -40, 2);
    std::ofstream csv(path);
    csv << (labelled ? "id,b,label,a\n" : "id,b,a\n");
    for (size_t i = 0; i < rows.size(); ++i) {
        csv << "row" << i << ',' << number(rows[i].b) << ',';
        if (labelled)
            csv << rows[i].label << ',';
        csv << number(rows[i].a) << '\n';
    }
    return rows;
}

}  // namespace tinynn::test
