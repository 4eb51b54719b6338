// A run's files are replaced together or not at all (SPEC §4): however a
// run ends — killed before any of its file operations, out of space, or
// refused because another run holds the directory — the directory holds the
// previous complete set or the new one, never a mix.

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "support/cli.hpp"
#include "support/skip.hpp"

using namespace tinynn::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

using FileSet = std::map<std::string, std::string>;  // name -> bytes

// Every entry of `dir` with its bytes.
FileSet files_of(const fs::path& dir) {
    FileSet set;
    if (!fs::exists(dir))
        return set;
    for (const auto& entry : fs::directory_iterator(dir))
        set[entry.path().filename().string()] = read_file(entry.path());
    return set;
}

std::string quoted(const std::string& s) {
    std::string out(1, '\'');
    out += s;
    out += '\'';
    return out;
}

// A short run of xor.yaml with `hidden` units into `out` (relative to `cwd`).
std::vector<std::string> train_args(const std::string& out, const std::string& hidden) {
    return {"train",
            repo_path("configs/xor.yaml").string(),
            "--quiet",
            "--out",
            out,
            "--set",
            "training.epochs=2",
            "--set",
            "model.hidden=[" + hidden + "]"};
}

std::string shell_command(const std::vector<std::string>& args) {
    std::string command = quoted(TINYNN_CLI_PATH);
    for (const std::string& a : args) {
        command += ' ';
        command += quoted(a);
    }
    return command;
}

int shell_status(int raw) {  // as a shell reports it
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
}

}  // namespace

TEST_CASE("A run killed before any of its file operations leaves one whole set",
          "[cli][run_files][interrupt]") {
    if (std::system("strace -V > /dev/null 2>&1") != 0) {
        skip_test("strace is not installed (.ci/install-deps installs it)");
        return;
    }
    TempDir dir;
    // The old set (2 hidden units) and, in another directory, the new one (6):
    // runs are deterministic, so a complete new set is byte for byte this one.
    REQUIRE(run_tinynn(train_args("run", "2"), dir.path()).status == 0);
    REQUIRE(run_tinynn(train_args("reference", "6"), dir.path()).status == 0);
    const FileSet old_set = files_of(dir.path() / "run");
    const FileSet new_set = files_of(dir.path() / "reference");
    REQUIRE(old_set.size() == 4);
    REQUIRE(old_set != new_set);

    // strace kills the run (SIGKILL, which nothing can catch) when it makes
    // its n-th call that creates, writes, syncs, renames or removes a file,
    // for n = 1, 2, ... until a run gets through them all.
    const std::string calls =
        "openat,creat,mkdir,rename,renameat,renameat2,unlink,unlinkat,"
        "rmdir,fsync,fdatasync,ftruncate,write,pwrite64";
    int killed = 0;
    bool finished = false;
    for (int n = 1; n <= 2000 && !finished; ++n) {
        const std::string command = "cd " + quoted(dir.path().string()) +
                                    // LeakSanitizer cannot run under ptrace: in the
                                    // sanitizer build a run strace lets finish would
                                    // fail at exit.
                                    " && ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o /dev/null"
                                    " -e trace=" +
                                    calls + " -e inject=" + calls +
                                    ":signal=KILL:when=" + std::to_string(n) + " " +
                                    shell_command(train_args("run", "6")) + " > /dev/null 2>&1";
        const int status = shell_status(std::system(command.c_str()));
        INFO("killed at file operation " << n << ", exit status " << status);
        REQUIRE((status == 0 || status == 137));
        finished = status == 0;
        killed += status == 137;
        const FileSet now = files_of(dir.path() / "run");
        CHECK((now == old_set || now == new_set));
        if (now == new_set && !finished) {
            // The new set is in place: back to the old one for the next point.
            fs::remove_all(dir.path() / "run");
            fs::copy(dir.path() / "reference", dir.path() / "run");
            REQUIRE(run_tinynn(train_args("run", "2"), dir.path()).status == 0);
        }
    }
    CHECK(finished);
    CHECK(killed > 20);  // the points before the run's own files were reached too
    CHECK(files_of(dir.path() / "run") == new_set);
    // The staging directories of the killed runs went with the next run.
    for (const auto& entry : fs::directory_iterator(dir.path()))
        CHECK(entry.path().filename().string().find(".staging.") == std::string::npos);
}

TEST_CASE("A write that fails keeps the previous set", "[cli][run_files]") {
    TempDir dir;
    REQUIRE(run_tinynn(train_args("run", "2"), dir.path()).status == 0);
    const FileSet old_set = files_of(dir.path() / "run");
    // RLIMIT_FSIZE of 4 blocks (a few KiB): the model of 256 hidden units
    // cannot be written (EFBIG, as a full disk's ENOSPC), however root the run is.
    const std::string command = "cd " + quoted(dir.path().string()) + " && ulimit -f 4 && " +
                                shell_command(train_args("run", "256")) + " 2> err";
    const int status = shell_status(std::system(command.c_str()));
    CHECK(status == 1);
    const std::string err = read_file(dir.path() / "err");
    CHECK_THAT(err, Contains("File too large"));
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
    CHECK(files_of(dir.path() / "run") == old_set);
    for (const auto& entry : fs::directory_iterator(dir.path()))
        CHECK(entry.path().filename().string().find(".staging.") == std::string::npos);
}

TEST_CASE("A second run into a directory a running run holds is refused", "[cli][run_files]") {
    TempDir dir;
    const std::string long_run =
        "cd " + quoted(dir.path().string()) + " && exec " +
        shell_command({"train", repo_path("configs/xor.yaml").string(), "--quiet", "--out", "run",
                       "--set", "training.epochs=10000000"});
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", long_run.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    // The lock (a file beside the directory, with the holder's PID) is taken
    // before training starts.
    const fs::path lock = dir.path() / ".run.lock";
    for (int i = 0; i < 200 && !(fs::exists(lock) && read_file(lock) == std::to_string(pid) + "\n");
         ++i)
        usleep(50'000);
    const CliResult second = run_tinynn(train_args("run", "2"), dir.path());
    CHECK(second.status == 1);
    CHECK_THAT(second.err, Contains("in use by another run (process " + std::to_string(pid)));
    CHECK_FALSE(fs::exists(dir.path() / "run/config.yaml"));

    // Killed, the holder leaves its lock file behind: a stale lock, taken.
    kill(pid, SIGKILL);
    int raw = 0;
    waitpid(pid, &raw, 0);
    const CliResult third = run_tinynn(train_args("run", "2"), dir.path());
    CHECK(third.status == 0);
    CHECK(files_of(dir.path() / "run").size() == 4);
}

TEST_CASE("A run refuses a directory that holds other files, and cleans its own leftovers",
          "[cli][run_files]") {
    TempDir dir;
    fs::create_directories(dir.path() / "notes");
    std::ofstream(dir.path() / "notes/todo.txt") << "keep me\n";
    const CliResult r = run_tinynn(train_args("notes", "2"), dir.path());
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("todo.txt") && Contains("not a run's"));
    CHECK(read_file(dir.path() / "notes/todo.txt") == "keep me\n");

    // What an older, file-by-file run killed mid-write left, and a staging
    // directory of a killed run: the next run removes both.
    REQUIRE(run_tinynn(train_args("run", "2"), dir.path()).status == 0);
    std::ofstream(dir.path() / "run/metrics.csv.tmp.999.0") << "half";
    fs::create_directories(dir.path() / ".run.staging.999");
    std::ofstream(dir.path() / ".run.staging.999/config.yaml") << "half";
    CHECK(run_tinynn(train_args("run", "3"), dir.path()).status == 0);
    CHECK(files_of(dir.path() / "run").size() == 4);
    CHECK_FALSE(fs::exists(dir.path() / ".run.staging.999"));
}
