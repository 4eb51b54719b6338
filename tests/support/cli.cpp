#include "support/cli.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tinynn/experiment/distributed.hpp"

namespace tinynn::test {

namespace fs = std::filesystem;

namespace {
std::string quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}
}  // namespace

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

fs::path test_data(const std::string& relative) {
    return fs::path(TINYNN_TEST_DATA_DIR) / relative;
}
fs::path repo_path(const std::string& relative) {
    return fs::path(TINYNN_SOURCE_DIR) / relative;
}

TempDir::TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("tinynn-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path_, ignored);
}

namespace {

// `launcher` then the program with `args`, in `cwd`.
CliResult run_program(const std::string& launcher, const std::vector<std::string>& args,
                      const fs::path& cwd) {
    TempDir capture;
    const fs::path out = capture.path() / "stdout", err = capture.path() / "stderr";
    std::string command = "cd " + quoted(cwd.string()) + " && " + launcher;
    command += quoted(TINYNN_CLI_PATH);
    for (const auto& a : args) {
        command += ' ';
        command += quoted(a);
    }
    command += " < /dev/null > " + quoted(out.string()) + " 2> " + quoted(err.string());
    const int raw = std::system(command.c_str());
    CliResult result;
    result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    result.out = read_file(out);
    result.err = read_file(err);
    return result;
}

}  // namespace

CliResult run_tinynn(const std::vector<std::string>& args, const fs::path& cwd, User user) {
    return run_program(user == User::unprivileged && geteuid() == 0
                           ? "setpriv --reuid=65534 --regid=65534 --clear-groups "
                           : "",
                       args, cwd);
}

std::string mpirun_command(int ranks, const std::string& options) {
    std::string command;
#ifdef TINYNN_LSAN_MPI_SUPPRESSIONS
    // The sanitizer build: the leak check skips what Open MPI keeps, and
    // unwinds through its libraries (built without frame pointers) the slow
    // way, so that it can tell whose allocations those are.
    command +=
        "env ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0\" "
        "LSAN_OPTIONS=print_suppressions=0:suppressions=" TINYNN_LSAN_MPI_SUPPRESSIONS " ";
#endif
    // A rank waiting for another yields its core rather than spinning on it.
    return command + "mpirun --allow-run-as-root --oversubscribe --mca mpi_yield_when_idle 1 " +
           options + " -n " + std::to_string(ranks) + " ";
}

CliResult run_tinynn_on_ranks(int ranks, const std::vector<std::string>& args,
                              const fs::path& cwd) {
    return run_program(mpirun_command(ranks), args, cwd);
}

std::string mpi_unavailable() {
    if (!distributed::built_with_mpi())
        return "tinynn was built without MPI (TINYNN_MPI off; apt-get install libopenmpi-dev)";
    if (std::system("command -v mpirun > /dev/null 2>&1") != 0)
        return "no mpirun on the PATH (apt-get install openmpi-bin)";
    return "";
}

std::string unprivileged_unavailable() {
    TempDir dir;
    const CliResult r = run_tinynn({"--version"}, dir.path(), User::unprivileged);
    if (r.status == 0)
        return "";
    return "cannot run tinynn as the user nobody through setpriv (status " +
           std::to_string(r.status) + "): " + r.err;
}

}  // namespace tinynn::test
