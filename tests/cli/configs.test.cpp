// Every shipped config still reaches what configs/README.md states.

#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "support/cli.hpp"

using namespace tinynn::test;

namespace {
// The last row of a metrics.csv as numbers.
std::vector<double> last_row(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::string line, last;
    while (std::getline(in, line))
        if (!line.empty())
            last = line;
    std::vector<double> row;
    std::stringstream cells(last);
    for (std::string cell; std::getline(cells, cell, ',');)
        row.push_back(std::stod(cell));
    return row;
}
}  // namespace

TEST_CASE("Each shipped config converges as configs/README.md states", "[cli][configs]") {
    struct Expectation {
        const char* name;
        double min_accuracy;  // column 3 of a classification run
        double max_test_loss;
    };
    const std::vector<Expectation> expectations{
        {"xor", 0.95, 1.0},   {"sine", -1, 0.01},     {"spiral", 0.95, 1.0},
        {"moons", 0.95, 1.0}, {"circles", 0.95, 1.0}, {"iris", 0.9, 1.0},
    };
    TempDir dir;
    for (const auto& e : expectations) {
        SECTION(e.name) {
            const auto config = repo_path(std::string("configs/") + e.name + ".yaml");
            const auto r =
                run_tinynn({"train", config.string(), "--out", e.name, "--quiet"}, dir.path());
            INFO(r.err);
            REQUIRE(r.status == 0);
            const auto row = last_row(dir.path() / e.name / "metrics.csv");
            REQUIRE(row.size() >= 3);
            CHECK(row[2] <= e.max_test_loss);
            if (e.min_accuracy >= 0) {
                REQUIRE(row.size() == 5);  // epoch,train_loss,test_loss,test_accuracy,lr
                CHECK(row[3] >= e.min_accuracy);
            }
        }
    }
}
