// load_csv: the accepted forms, and every kind of bad file, whose message must
// point at the file, line and column.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <tinynn/data/dataset.hpp>

#include "support/approx.hpp"

using Catch::Matchers::Contains;
using tinynn::Error;
using tinynn::Shape;
using tinynn::data::CsvOptions;
using tinynn::data::Dataset;
using tinynn::data::load_csv;
using tinynn::data::Task;

namespace fs = std::filesystem;

namespace {

// A CSV file with the given bytes, removed at the end of the test. The
// directory is per process because CTest runs test cases in parallel.
class TempCsv {
  public:
    TempCsv(const std::string& name, const std::string& content)
        : path_(fs::temp_directory_path() / ("tinynn-csv-" + std::to_string(::getpid())) / name) {
        fs::create_directories(path_.parent_path());
        std::ofstream(path_, std::ios::binary) << content;
    }
    ~TempCsv() { fs::remove(path_); }
    TempCsv(const TempCsv&) = delete;
    TempCsv& operator=(const TempCsv&) = delete;

    const fs::path& path() const { return path_; }
    CsvOptions options(std::string target = "", bool header = true,
                       Task task = Task::classification) const {
        return CsvOptions{path_, header, std::move(target), task};
    }

  private:
    fs::path path_;
};

Dataset load(const std::string& content, std::string target = "", bool header = true,
             Task task = Task::classification) {
    const TempCsv file("good.csv", content);
    return load_csv(file.options(std::move(target), header, task));
}

// The message of loading `content`, which must fail.
std::string error_of(const std::string& name, const std::string& content, std::string target = "",
                     bool header = true, Task task = Task::classification) {
    const TempCsv file(name, content);
    try {
        load_csv(file.options(std::move(target), header, task));
    } catch (const Error& e) {
        return e.what();
    }
    FAIL("loading " << name << " did not throw");
    return "";
}

}  // namespace

TEST_CASE("a CSV with a header takes the last column as the target", "[data][csv]") {
    const Dataset d = load("a,b,label\n1,2,0\n3,4.5,1\n-5,6e-1,2\n");
    CHECK(d.task == Task::classification);
    CHECK(d.features.shape() == Shape{3, 2});
    CHECK(d.features.to_vector() == std::vector<float>{1, 2, 3, 4.5f, -5, 0.6f});
    CHECK(d.targets.shape() == Shape{3});
    CHECK(d.targets.to_vector() == std::vector<float>{0, 1, 2});
    CHECK(d.num_classes == 3);
    CHECK(d.feature_names == std::vector<std::string>{"a", "b"});
}

TEST_CASE("a CSV target can be named or indexed", "[data][csv]") {
    const std::string csv = "a,label,b\n1,0,2\n3,1,4\n";
    for (const std::string target : {"label", "1"}) {
        INFO(target);
        const Dataset d = load(csv, target);
        CHECK(d.features.to_vector() == std::vector<float>{1, 2, 3, 4});
        CHECK(d.targets.to_vector() == std::vector<float>{0, 1});
        CHECK(d.feature_names == std::vector<std::string>{"a", "b"});
    }
    const Dataset first = load("1,5,6\n0,7,8\n", "0", false);
    CHECK(first.features.to_vector() == std::vector<float>{5, 6, 7, 8});
    CHECK(first.targets.to_vector() == std::vector<float>{1, 0});
}

TEST_CASE("a CSV without a header reads every line as data", "[data][csv]") {
    const Dataset d = load("1,2,1\n3,4,0\n", "", false);
    CHECK(d.size() == 2);
    CHECK(d.features.to_vector() == std::vector<float>{1, 2, 3, 4});
    CHECK(d.targets.to_vector() == std::vector<float>{1, 0});
    CHECK(d.feature_names.empty());
}

TEST_CASE("a CSV regression target is n by 1 and may be any number", "[data][csv]") {
    const Dataset d = load("x,y\n1,0.25\n2,-3.5\n", "y", true, Task::regression);
    CHECK(d.task == Task::regression);
    CHECK(d.targets.shape() == Shape{2, 1});
    CHECK(d.targets.to_vector() == std::vector<float>{0.25f, -3.5f});
    CHECK(d.num_outputs() == 1);
}

TEST_CASE("classes are inferred from the largest label", "[data][csv]") {
    CHECK(load("a,c\n1,0\n2,2\n").num_classes == 3);
    CHECK(load("a,c\n1,1.0\n2,0\n").num_classes == 2);
}

TEST_CASE("CRLF, padding, a BOM, trailing blank lines and a missing final newline are accepted",
          "[data][csv]") {
    const Dataset d = load("\xEF\xBB\xBF a , \"b\" ,c\r\n 1 ,\t+2.5 , 1\r\n3,4,0\r\n\r\n  \r\n");
    CHECK(d.feature_names == std::vector<std::string>{"a", "b"});
    CHECK(d.features.to_vector() == std::vector<float>{1, 2.5f, 3, 4});
    CHECK(d.targets.to_vector() == std::vector<float>{1, 0});
    CHECK(load("a,c\r\n1,0\r\n2,1").size() == 2);
}

TEST_CASE("the shipped iris CSV has Fisher's 150 flowers", "[data][csv]") {
    const Dataset d = load_csv(CsvOptions{TINYNN_TEST_DATA_DIR "/../../configs/data/iris.csv", true,
                                          "species", Task::classification});
    CHECK(d.features.shape() == Shape{150, 4});
    CHECK(d.num_classes == 3);
    CHECK(d.feature_names ==
          std::vector<std::string>{"sepal_length", "sepal_width", "petal_length", "petal_width"});
    CHECK(d.features[0].to_vector() == std::vector<float>{5.1f, 3.5f, 1.4f, 0.2f});
    CHECK(d.features[149].to_vector() == std::vector<float>{5.9f, 3.0f, 5.1f, 1.8f});
    std::vector<int> counts(3);
    for (float label : d.targets.to_vector())
        ++counts[static_cast<size_t>(label)];
    CHECK(counts == std::vector<int>{50, 50, 50});
}

TEST_CASE("a missing CSV file or a directory is named", "[data][csv]") {
    const fs::path missing = fs::temp_directory_path() / "tinynn-no-such-file.csv";
    CHECK_THROWS_WITH(load_csv(CsvOptions{missing, true, "", Task::classification}),
                      Contains("tinynn-no-such-file.csv") && Contains("no such file"));
    CHECK_THROWS_WITH(
        load_csv(CsvOptions{fs::temp_directory_path(), true, "", Task::classification}),
        Contains(fs::temp_directory_path().string()) && Contains("directory"));
}

TEST_CASE("a FIFO or a device as the CSV file is refused without reading it", "[data][csv]") {
    const TempCsv placeholder("fifo.csv", "");
    fs::remove(placeholder.path());
    REQUIRE(::mkfifo(placeholder.path().c_str(), 0600) == 0);
    // No writer ever opens it: opening it for reading must not wait for one.
    CHECK_THROWS_WITH(load_csv(placeholder.options()),
                      Contains(placeholder.path().string()) && Contains("not a regular file"));
    // A device could be read forever (/dev/zero) or block (a terminal).
    CHECK_THROWS_WITH(load_csv(CsvOptions{"/dev/null", true, "", Task::classification}),
                      Contains("/dev/null") && Contains("not a regular file"));
}

TEST_CASE("an empty CSV or one with only a header is an error", "[data][csv]") {
    CHECK_THAT(error_of("empty.csv", ""), Contains("empty.csv") && Contains("empty"));
    CHECK_THAT(error_of("blank.csv", "\n \r\n\n"), Contains("blank.csv") && Contains("empty"));
    CHECK_THAT(error_of("header_only.csv", "a,b,c\n\n"),
               Contains("header_only.csv: line 1") && Contains("no data rows"));
}

TEST_CASE("a ragged CSV row names the missing or extra column", "[data][csv]") {
    CHECK_THAT(
        error_of("short.csv", "a,b,c\n1,2,0\n4,5\n"),
        Contains("short.csv: line 3, column 3 (c)") && Contains("expected 3 cells, found 2"));
    CHECK_THAT(error_of("long.csv", "1,2,0\n4,5,1,7\n", "", false),
               Contains("long.csv: line 2, column 4") && Contains("expected 3 cells, found 4"));
}

TEST_CASE("a non-numeric CSV cell is quoted with its line and column", "[data][csv]") {
    CHECK_THAT(error_of("word.csv", "a,b,c\n1,2,0\n1,x1y,0\n"),
               Contains("word.csv: line 3, column 2 (b)") && Contains("not a number: 'x1y'"));
    CHECK_THAT(error_of("suffix.csv", "a,b,c\n1.5abc,2,0\n"),
               Contains("suffix.csv: line 2, column 1 (a)") && Contains("'1.5abc'"));
    CHECK_THAT(error_of("quoted.csv", "a,b,c\n\"1\",2,0\n"),
               Contains("quoted.csv: line 2, column 1 (a)") && Contains("'\"1\"'"));
    CHECK_THAT(error_of("empty_cell.csv", "a,b,c\n1, ,0\n"),
               Contains("empty_cell.csv: line 2, column 2 (b)") && Contains("empty cell"));
    const std::string long_cell(200, 'z');
    const std::string message = error_of("long_cell.csv", "a,b\n" + long_cell + ",0\n");
    CHECK_THAT(message, Contains("long_cell.csv: line 2, column 1 (a)") &&
                            Contains("'" + std::string(40, 'z') + "...'"));
    CHECK(message.size() < 200);
    CHECK_THAT(error_of("control.csv",
                        "a,b\n1\x01"
                        "2,0\n"),
               Contains("'1\\x012'"));
}

TEST_CASE("NaN, infinite and overflowing CSV values are errors", "[data][csv]") {
    for (const std::string value : {"nan", "NaN", "inf", "-inf", "infinity"}) {
        INFO(value);
        CHECK_THAT(error_of("nonfinite.csv", "a,b,c\n1,2,0\n3," + value + ",1\n"),
                   Contains("nonfinite.csv: line 3, column 2 (b)") && Contains("not finite"));
    }
    CHECK_THAT(error_of("overflow.csv", "a,b\n1e999,0\n"),
               Contains("overflow.csv: line 2, column 1 (a)") && Contains("out of float range"));
    CHECK_THAT(error_of("nan_target.csv", "x,y\n1,nan\n", "y", true, Task::regression),
               Contains("nan_target.csv: line 2, column 2 (y)") && Contains("not finite"));
}

TEST_CASE("bad CSV class labels are errors", "[data][csv]") {
    CHECK_THAT(error_of("fraction.csv", "a,c\n1,0\n2,1.5\n"),
               Contains("fraction.csv: line 3, column 2 (c)") && Contains("not an integer"));
    CHECK_THAT(error_of("negative.csv", "a,c\n1,-1\n"),
               Contains("negative.csv: line 2, column 2 (c)") && Contains("negative"));
    CHECK_THAT(error_of("huge.csv", "a,c\n1,0\n2,5000\n"),
               Contains("huge.csv: line 3, column 2 (c)") && Contains("'5000'") && Contains("999"));
    CHECK_THAT(error_of("one_class.csv", "a,c\n1,0\n2,0\n"),
               Contains("one_class.csv: column 2 (c)") && Contains("at least 2 classes"));
}

TEST_CASE("a CSV target column that does not exist is an error", "[data][csv]") {
    CHECK_THAT(
        error_of("no_name.csv", "a,b,c\n1,2,0\n", "species"),
        Contains("no_name.csv: line 1") && Contains("'species'") && Contains("columns: a, b, c"));
    CHECK_THAT(error_of("no_index.csv", "a,b,c\n1,2,0\n", "3"),
               Contains("no_index.csv: line 1") && Contains("index 3 is out of range") &&
                   Contains("(0-2)"));
    CHECK_THAT(error_of("huge_index.csv", "1,2,0\n", "99999999999999999999999", false),
               Contains("huge_index.csv: line 1") && Contains("out of range"));
    CHECK_THAT(error_of("name_no_header.csv", "1,2,0\n", "c", false),
               Contains("name_no_header.csv") && Contains("no header"));
    CHECK_THAT(error_of("twice.csv", "a,c,c\n1,2,0\n", "c"),
               Contains("twice.csv: line 1, column 3 (c)") && Contains("appears twice"));
}

TEST_CASE("a CSV needs two columns and bounded lines without gaps", "[data][csv]") {
    CHECK_THAT(error_of("one_column.csv", "a\n1\n"),
               Contains("one_column.csv: line 1") && Contains("at least 2"));
    CHECK_THAT(error_of("gap.csv", "a,c\n1,0\n\n2,1\n"),
               Contains("gap.csv: line 3") && Contains("blank line"));
    const std::string huge = "a,c\n" + std::string(2u << 20, '1') + ",0\n";
    CHECK_THAT(error_of("long_line.csv", huge),
               Contains("long_line.csv: line 2") && Contains("longer than 1 MiB"));
}

namespace {

bool has_control_bytes(const std::string& s) {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

TEST_CASE("header names, the target and the path are escaped and bounded in messages",
          "[data][csv]") {
    // A column name that would recolour the terminal and ring its bell.
    std::string message = error_of("escape.csv", "x\x1b[31m,y\x07,label\n1,abc,0\n");
    CHECK_THAT(message, Contains("column 2 (y\\x07)"));
    CHECK_FALSE(has_control_bytes(message));
    message = error_of("escape.csv", "x\x1b[31m,y\x07,label\n1,2,0\n", "species");
    CHECK_THAT(message, Contains("columns: x\\x1b[31m, y\\x07, label"));
    CHECK_FALSE(has_control_bytes(message));

    message = error_of("newline.csv", "a,b\n1,0\n", "a\nb");
    CHECK_THAT(message, Contains("target column 'a\\nb' is not in the header"));
    CHECK_FALSE(has_control_bytes(message));
    message = error_of("newline.csv", "a,b\n1,0\n", std::string(100'000, 't'));
    CHECK(message.size() < 300);

    // Names listed: the first few, each cut short.
    std::string wide;
    for (int j = 0; j < 5000; ++j)
        wide += "column_with_a_rather_long_name_" + std::to_string(j) + ",";
    // The target is looked for in the header, before any row is read.
    message = error_of("wide.csv", wide + "label\n1,0\n", "species");
    CHECK_THAT(message, Contains("... (5001 columns)"));
    CHECK(message.size() < 2000);
    message = error_of("long_name.csv", std::string(1'000'000, 'n') + ",label\n1,0\n", "species");
    CHECK(message.size() < 1000);
    // A 20 MB name is over the line limit, which the message says in one line.
    message = error_of("huge_name.csv", std::string(20'000'000, 'n') + ",label\n1,0\n");
    CHECK_THAT(message, Contains("longer than 1 MiB"));
    CHECK(message.size() < 1000);

    const fs::path path = fs::temp_directory_path() / "tinynn-\x1b[2J\x07.csv";
    message.clear();
    try {
        load_csv(CsvOptions{path, true, "", Task::classification});
    } catch (const Error& e) {
        message = e.what();
    }
    CHECK_THAT(message, Contains("tinynn-\\x1b[2J\\x07.csv: no such file"));
    CHECK_FALSE(has_control_bytes(message));
}
