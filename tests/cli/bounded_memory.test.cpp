// Memory that grows with the input is bounded (issue 18): a run's per-epoch
// metrics go to metrics.csv as the epochs end, and compare's to compare.csv,
// with its summary folded from the runs one at a time, so neither the
// epochs nor the seeds make the program grow. Measured on the real command:
// its peak resident set (VmHWM) while it trains, and ru_maxrss at its end.

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support/cli.hpp"

using namespace tinynn::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// The command run in `cwd` with stdout and stderr to files there. ASan (a
// sanitizer build) would keep freed memory in its quarantine, and its leak
// check at exit takes memory of its own: neither is what is measured here.
class Running {
  public:
    Running(const std::vector<std::string>& args, const fs::path& cwd) : cwd_(cwd) {
        pid_ = fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            if (chdir(cwd.c_str()) != 0)
                _exit(127);
            const int out = open("tinynn.stdout", O_WRONLY | O_CREAT | O_TRUNC, 0644);
            const int err = open("tinynn.stderr", O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(out, STDOUT_FILENO);
            dup2(err, STDERR_FILENO);
            setenv("ASAN_OPTIONS",
                   "quarantine_size_mb=0:thread_local_quarantine_size_kb=0:detect_leaks=0", 1);
            std::vector<char*> argv{const_cast<char*>(TINYNN_CLI_PATH)};
            for (const std::string& a : args)
                argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            execv(TINYNN_CLI_PATH, argv.data());
            _exit(127);
        }
    }
    Running(const Running&) = delete;
    Running& operator=(const Running&) = delete;
    ~Running() {
        if (pid_ > 0 && !waited_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }

    // The peak resident set so far, in KiB, from /proc.
    long peak_kib() const {
        std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
        for (std::string line; std::getline(status, line);)
            if (line.rfind("VmHWM:", 0) == 0)
                return std::stol(line.substr(6));
        return -1;
    }

    // Waits for the end; the exit status as a shell shows it, and the peak
    // resident set in KiB.
    std::pair<int, long> wait() {
        int raw = 0;
        rusage usage{};
        wait4(pid_, &raw, 0, &usage);
        waited_ = true;
        return {WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw), usage.ru_maxrss};
    }
    void stop() const { kill(pid_, SIGTERM); }
    std::string err() const { return read_file(cwd_ / "tinynn.stderr"); }

  private:
    fs::path cwd_;
    pid_t pid_ = -1;
    bool waited_ = false;
};

void sleep_for(double seconds) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

size_t lines(const std::string& text) {
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// xor with four hidden layers and diagnostics: many columns per epoch.
const std::string kLong =
    "name: long\n"
    "data: {kind: xor, samples: 40}\n"
    "model: {hidden: [4, 4, 4, 4]}\n"
    "training: {epochs: 10000000, batch_size: 0, diagnostics: true}\n"
    "compare: {activations: [tanh], seeds: [1, 2]}\n"
    "limits: {memory_mb: 1}\n";

// The growth allowed while the run goes on: buffers and allocator slack,
// far below what keeping the epochs would take (over 100 MB at these rates).
constexpr long kGrowthKiB = 8 * 1024;

}  // namespace

TEST_CASE("Ten million epochs with diagnostics under memory_mb: 1 do not grow the run",
          "[cli][bad_input][memory]") {
    TempDir dir;
    write(dir.path() / "long.yaml", kLong);
    Running run({"train", "long.yaml", "--out", "run", "--quiet"}, dir.path());
    sleep_for(1.5);
    const long early = run.peak_kib();
    sleep_for(3);
    const long late = run.peak_kib();
    // The rows are on disk already, in the run's staging directory.
    uintmax_t streamed = 0;
    for (const auto& entry : fs::directory_iterator(dir.path()))
        if (entry.path().filename().string().starts_with(".run.staging."))
            streamed = fs::file_size(entry.path() / "metrics.csv");
    run.stop();
    const auto [status, peak] = run.wait();
    INFO(run.err() << "peak at 1.5 s " << early << " KiB, at 4.5 s " << late << " KiB, at the end "
                   << peak << " KiB; metrics.csv at 4.5 s: " << streamed << " bytes");
    REQUIRE(early > 0);
    CHECK(late - early < kGrowthKiB);
    CHECK(peak - early < kGrowthKiB);
    CHECK(streamed > 10'000);
    CHECK(status == 143);
    // The epochs the message counts are all in metrics.csv, one row each.
    const std::string err = run.err();
    const size_t after = err.find("after ") + 6;
    const long epochs = std::stol(err.substr(after));
    CHECK(epochs > 100);
    CHECK(lines(read_file(dir.path() / "run/metrics.csv")) == static_cast<size_t>(epochs) + 1);
}

TEST_CASE("compare's memory does not grow with its runs' epochs", "[cli][bad_input][memory]") {
    TempDir dir;
    write(dir.path() / "long.yaml", kLong);
    // What compare keeps of each run (its curve, its rows until its turn
    // and where they are on disk, the decision boundary) counts: 1 MiB does
    // not hold two runs at once.
    const CliResult refused =
        run_tinynn({"compare", "long.yaml", "--out", "out", "--jobs", "2"}, dir.path());
    CHECK(refused.status == 2);
    CHECK_THAT(refused.err, Contains("limits.memory_mb: 2 runs at once (--jobs) need about") &&
                                Contains("what compare keeps of its results"));
    CHECK_FALSE(fs::exists(dir.path() / "out"));

    Running run(
        {"compare", "long.yaml", "--out", "out", "--jobs", "2", "--set", "limits.memory_mb=64"},
        dir.path());
    sleep_for(1.5);
    const long early = run.peak_kib();
    sleep_for(3);
    const long late = run.peak_kib();
    run.stop();
    const auto [status, peak] = run.wait();
    INFO(run.err() << "peak at 1.5 s " << early << " KiB, at 4.5 s " << late << " KiB, at the end "
                   << peak << " KiB");
    REQUIRE(early > 0);
    CHECK(late - early < kGrowthKiB);
    CHECK(status == 143);
    // Writing the outputs copies the rows from disk; the pictures draw at
    // most kCurvePoints epochs of each run.
    CHECK(peak - early < kGrowthKiB);
    const std::string csv = read_file(dir.path() / "out/compare.csv");
    CHECK(lines(csv) > 200);
    CHECK(
        csv.rfind("activation,seed,epoch,train_loss,test_loss,test_accuracy,lr,grad_norm.0.weight",
                  0) == 0);
    CHECK(fs::file_size(dir.path() / "out/loss_curves.svg") < 200'000);
}

TEST_CASE("compare's memory does not grow with its seeds", "[cli][bad_input][memory]") {
    TempDir dir;
    const auto config = [&](const std::string& name, int seeds) {
        std::ostringstream yaml;
        yaml << "name: " << name
             << "\ndata: {kind: xor, samples: 40}\nmodel: {hidden: [4]}\n"
                "training: {epochs: 2}\ncompare:\n  activations: [relu]\n  seeds: [";
        for (int s = 1; s <= seeds; ++s)
            yaml << (s > 1 ? ", " : "") << s;
        yaml << "]\n";
        write(dir.path() / (name + ".yaml"), yaml.str());
        return name + ".yaml";
    };
    const auto peak_of = [&](const std::string& file) {
        Running run({"compare", file, "--out", file + ".out", "--jobs", "2"}, dir.path());
        const auto [status, peak] = run.wait();
        INFO(file << ": " << run.err());
        CHECK(status == 0);
        return peak;
    };
    const long few = peak_of(config("few", 100));
    const long many = peak_of(config("many", 3000));
    INFO("peak with 100 seeds " << few << " KiB, with 3000 " << many << " KiB");
    // Each run's result kept (its history and decision-boundary map) took
    // some 40 KiB: 3000 runs, about 120 MB.
    CHECK(many - few < kGrowthKiB);
    CHECK(lines(read_file(dir.path() / "many.yaml.out/compare.csv")) == 1 + 3000 * 2);
}
