// load_csv_by_name: new rows for a trained model, its features found by
// header name in any order, the target optional, other columns skipped.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <tinynn/data/dataset.hpp>

using Catch::Matchers::Contains;
using tinynn::data::ColumnsByName;
using tinynn::data::load_csv_by_name;
using tinynn::data::Task;

namespace fs = std::filesystem;

namespace {

// A CSV file with the given text, removed at the end of the test.
class TempCsv {
  public:
    explicit TempCsv(const std::string& content) {
        static std::atomic<int> counter{0};
        path_ = fs::temp_directory_path() / ("tinynn-csv-by-name-" + std::to_string(::getpid()) +
                                             "-" + std::to_string(counter++) + ".csv");
        std::ofstream(path_, std::ios::binary) << content;
    }
    ~TempCsv() {
        std::error_code ec;
        fs::remove(path_, ec);
    }
    TempCsv(const TempCsv&) = delete;
    TempCsv& operator=(const TempCsv&) = delete;
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

ColumnsByName model_columns(const fs::path& path) {
    return {.path = path,
            .features = {"a", "b"},
            .target = "y",
            .task = Task::classification,
            .classes = 3};
}

}  // namespace

TEST_CASE("load_csv_by_name puts the features in the model's order", "[data][csv]") {
    const TempCsv csv("id,b,y,a\nx1,2,0,1\nx2,4,0,3\n");
    const auto rows = load_csv_by_name(model_columns(csv.path()));
    CHECK(rows.data.features.to_vector() == std::vector<float>{1, 2, 3, 4});
    CHECK(rows.data.feature_names == std::vector<std::string>{"a", "b"});
    // One class only, and not the largest: the model's classes count.
    CHECK(rows.data.targets.to_vector() == std::vector<float>{0, 0});
    CHECK(rows.data.num_classes == 3);
    CHECK(rows.data.target_name == "y");
    // The id column is not parsed, only listed.
    CHECK(rows.skipped == std::vector<std::string>{"id"});
}

TEST_CASE("load_csv_by_name reads rows without a target", "[data][csv]") {
    const TempCsv csv("b,a\n2,1\n");
    const auto rows = load_csv_by_name(model_columns(csv.path()));
    CHECK(rows.data.features.to_vector() == std::vector<float>{1, 2});
    CHECK_FALSE(rows.data.targets.defined());
    CHECK(rows.skipped.empty());
}

TEST_CASE("load_csv_by_name names what is missing or wrong", "[data][csv]") {
    const auto refused = [](const std::string& text, const std::vector<std::string>& needles) {
        const TempCsv csv(text);
        try {
            load_csv_by_name(model_columns(csv.path()));
            FAIL("accepted: " << text);
        } catch (const tinynn::Error& e) {
            INFO(e.what());
            CHECK_THAT(e.what(), Contains(csv.path().string()));
            for (const std::string& needle : needles)
                CHECK_THAT(e.what(), Contains(needle));
        }
    };
    refused("a,y\n1,0\n", {"'b'", "missing", "a, y"});
    refused("a,b,a\n1,2,3\n", {"'a'", "twice"});
    refused("a,b,y\n1,2,3\n", {"'3'", "0..2"});
    refused("a,b\n1,x\n", {"line 2", "column 2 (b)", "not a number"});
}
