// The command under mpirun (SPEC §8, docs/distributed.md): compare spread
// over the ranks writes what one process writes, byte for byte; train is
// data-parallel, matches one process to float32 round-off, and is
// reproducible bit for bit with the same rank count. Skipped where there is
// no mpirun or tinynn was built without MPI.

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/cli.hpp"
#include "support/skip.hpp"

using namespace tinynn::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

constexpr const char* kCompare = R"(name: ranks
seed: 3
data: {kind: moons, samples: 120, noise: 0.15, test_split: 0.25}
model: {kind: mlp, hidden: [8, 8], activation: tanh}
loss: cross_entropy
optimizer: {kind: sgd, lr: 0.2, momentum: 0.9}
training: {epochs: 15, batch_size: 16}
compare:
  activations: [sigmoid, relu, elu]
  seeds: [1, 2]
  grid:
    model.init: [default, kaiming_uniform]
)";

// A batch of 25 rows splits unevenly over 2 and 3 ranks.
constexpr const char* kTrain = R"(name: dp
seed: 5
data: {kind: spiral, samples: 150, noise: 0.1, classes: 3, test_split: 0.2}
model: {kind: mlp, hidden: [16, 16], activation: relu}
loss: cross_entropy
optimizer: {kind: adam, lr: 0.01}
training: {epochs: 20, batch_size: 25, diagnostics: true}
)";

// Every regular file under `dir`, by its path relative to it.
std::vector<fs::path> files_under(const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir))
        if (entry.is_regular_file())
            files.push_back(fs::relative(entry.path(), dir));
    std::sort(files.begin(), files.end());
    return files;
}

// Whether the tests can run mpirun here; if not, the test case is skipped.
bool mpirun_here() {
    const std::string why = mpi_unavailable();
    if (!why.empty())
        skip_test(why);
    return why.empty();
}

// metrics.csv's columns by name.
std::map<std::string, std::vector<double>> metrics_of(const fs::path& file) {
    const std::vector<std::string> lines = lines_of(read_file(file));
    REQUIRE(!lines.empty());
    const auto cells = [](const std::string& line) {
        std::vector<std::string> out;
        std::stringstream in(line);
        for (std::string cell; std::getline(in, cell, ',');)
            out.push_back(cell);
        return out;
    };
    const std::vector<std::string> header = cells(lines.front());
    std::map<std::string, std::vector<double>> columns;
    for (size_t i = 1; i < lines.size(); ++i) {
        const std::vector<std::string> row = cells(lines[i]);
        for (size_t c = 0; c < header.size() && c < row.size(); ++c)
            columns[header[c]].push_back(row[c].empty() ? NAN : std::stod(row[c]));
    }
    return columns;
}

void check_same_files(const fs::path& a, const fs::path& b) {
    const std::vector<fs::path> files = files_under(a);
    REQUIRE(files.size() > 5);
    CHECK(files == files_under(b));
    for (const fs::path& f : files) {
        INFO(f.string());
        CHECK(read_file(a / f) == read_file(b / f));
    }
}

}  // namespace

TEST_CASE("mpirun -n 3 tinynn compare writes the files one process writes, byte for byte",
          "[cli][mpi]") {
    if (!mpirun_here())
        return;
    TempDir dir;
    std::ofstream(dir.path() / "ranks.yaml") << kCompare;
    const CliResult one =
        run_tinynn({"compare", "ranks.yaml", "--out", "one", "--jobs", "1"}, dir.path());
    INFO(one.err);
    REQUIRE(one.status == 0);
    for (const int ranks : {2, 3}) {
        INFO(ranks << " ranks");
        const std::string out = "ranks" + std::to_string(ranks);
        const CliResult r = run_tinynn_on_ranks(
            ranks, {"compare", "ranks.yaml", "--out", out, "--jobs", "2"}, dir.path());
        INFO(r.err);
        REQUIRE(r.status == 0);
        check_same_files(dir.path() / "one", dir.path() / out);
        // Rank 0 alone prints, every run once.
        CHECK_THAT(r.out, Contains("on each of " + std::to_string(ranks) + " MPI ranks"));
        CHECK_THAT(r.out, Contains("[12/12]"));
        CHECK(r.out.find("[13/12]") == std::string::npos);
        CHECK(r.err.empty());
    }
}

TEST_CASE(
    "mpirun -n 2 and -n 3 tinynn train are data-parallel: one process's losses, "
    "reproducible bit for bit",
    "[cli][mpi]") {
    if (!mpirun_here())
        return;
    TempDir dir;
    std::ofstream(dir.path() / "dp.yaml") << kTrain;
    const CliResult one = run_tinynn({"train", "dp.yaml", "--out", "one"}, dir.path());
    INFO(one.err);
    REQUIRE(one.status == 0);
    const auto single = metrics_of(dir.path() / "one" / "metrics.csv");
    for (const int ranks : {2, 3}) {
        INFO(ranks << " ranks");
        const std::string a = "a" + std::to_string(ranks), b = "b" + std::to_string(ranks);
        const CliResult first =
            run_tinynn_on_ranks(ranks, {"train", "dp.yaml", "--out", a}, dir.path());
        INFO(first.err);
        REQUIRE(first.status == 0);
        const CliResult second =
            run_tinynn_on_ranks(ranks, {"train", "dp.yaml", "--out", b}, dir.path());
        REQUIRE(second.status == 0);
        // Two runs with the same rank count: the same bits.
        for (const char* file : {"metrics.csv", "model.safetensors", "config.yaml"}) {
            INFO(file);
            CHECK(read_file(dir.path() / a / file) == read_file(dir.path() / b / file));
        }
        // One process's losses, to float32 round-off (the sums run in
        // another order): within 1e-4 relative at every epoch.
        const auto split = metrics_of(dir.path() / a / "metrics.csv");
        for (const char* column : {"train_loss", "test_loss"}) {
            const std::vector<double>& want = single.at(column);
            const std::vector<double>& got = split.at(column);
            REQUIRE(got.size() == 20);
            REQUIRE(want.size() == 20);
            for (size_t row = 0; row < want.size(); ++row) {
                INFO(column << " at epoch " << row + 1);
                CHECK(std::abs(got[row] - want[row]) <= 1e-4 * std::abs(want[row]));
            }
        }
        // Rank 0 alone printed.
        CHECK(std::count(first.out.begin(), first.out.end(), '\n') ==
              std::count(one.out.begin(), one.out.end(), '\n'));
    }
}

TEST_CASE("mpirun tinynn train with BatchNorm is reproducible bit for bit, and trains",
          "[cli][mpi]") {
    if (!mpirun_here())
        return;
    // Each rank normalises its own rows (as PyTorch's DistributedDataParallel
    // without SyncBatchNorm), so the losses are not one process's; the
    // running statistics are averaged over the ranks at each epoch's end.
    TempDir dir;
    std::ofstream(dir.path() / "dp.yaml") << kTrain;
    for (const char* out : {"a", "b"}) {
        const CliResult r = run_tinynn_on_ranks(
            2, {"train", "dp.yaml", "--set", "model.batchnorm=true", "--out", out}, dir.path());
        INFO(r.err);
        REQUIRE(r.status == 0);
    }
    for (const char* file : {"metrics.csv", "model.safetensors"}) {
        INFO(file);
        CHECK(read_file(dir.path() / "a" / file) == read_file(dir.path() / "b" / file));
    }
    const auto m = metrics_of(dir.path() / "a" / "metrics.csv");
    CHECK(m.at("train_loss").back() < 0.7 * m.at("train_loss").front());
}

TEST_CASE("mpirun tinynn train refuses --resume, once", "[cli][mpi]") {
    if (!mpirun_here())
        return;
    TempDir dir;
    std::ofstream(dir.path() / "dp.yaml") << kTrain;
    REQUIRE(run_tinynn({"train", "dp.yaml", "--out", "run"}, dir.path()).status == 0);
    const CliResult r = run_tinynn_on_ranks(2, {"train", "dp.yaml", "--resume", "run"}, dir.path());
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--resume under mpirun"));
    CHECK(r.err.find("--resume under mpirun") == r.err.rfind("--resume under mpirun"));
}

TEST_CASE("Ctrl-C to mpirun stops every rank, and rank 0 writes the report on what it has",
          "[cli][mpi][interrupt]") {
    if (!mpirun_here())
        return;
    TempDir dir;
    // Once training has started on every rank (the first line is printed
    // when the set-up is done: slow in the sanitizer build) and has had time
    // for an epoch, a Ctrl-C to mpirun. It turns that into a SIGTERM for
    // each rank, and a SIGKILL later: 10 s, for a busy machine.
    std::ofstream(dir.path() / "interrupt.sh")
        << mpirun_command(2, "--mca odls_base_sigkill_timeout 10") << "'" << TINYNN_CLI_PATH
        << "' compare '" << repo_path("configs/compare/shallow.yaml").string()
        << "' --out run --jobs 1 --set training.epochs=10000000 > out 2> err &\n"
           "pid=$!\n"
           "for i in $(seq 1200); do grep -q comparing out && break; sleep 0.1; done\n"
           "sleep 3\n"
           "kill -INT $pid\n"
           "wait $pid\n";
    const int raw = std::system(("cd '" + dir.path().string() + "' && bash interrupt.sh").c_str());
    REQUIRE(WIFEXITED(raw));
    CHECK(WEXITSTATUS(raw) != 0);  // mpirun's status for an aborted job
    const std::string err = read_file(dir.path() / "err");
    CHECK_THAT(err, Contains("interrupted by SIGTERM"));
    CHECK(err.find("interrupted") == err.rfind("interrupted"));  // rank 0 alone says it
    // The run on each rank kept its complete epochs.
    const std::string csv = read_file(dir.path() / "run/compare.csv");
    CHECK(csv.find("\nsigmoid,1,1,") != std::string::npos);
    CHECK(csv.find("\nsigmoid,2,1,") != std::string::npos);
    CHECK(fs::file_size(dir.path() / "run/report.html") > 0);
}
