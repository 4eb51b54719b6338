#pragma once

// Runs the real tinynn binary as a user would, capturing what it prints.

#include <filesystem>
#include <string>
#include <vector>

namespace tinynn::test {

struct CliResult {
    int status = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

// Who runs the program. `unprivileged` is for the tests of files it may not
// read or write, which root (CI runs as root) reads and writes regardless:
// as root it runs as the user nobody (65534, through util-linux's setpriv),
// who must be able to reach the files it needs; otherwise as the caller.
enum class User { caller, unprivileged };

// `args` are passed unquoted by the shell (each is single-quoted); runs in
// `cwd`, with stdin from /dev/null.
CliResult run_tinynn(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                     User user = User::caller);

// The shell words that start a program on `ranks` MPI ranks: mpirun as
// root too, with more ranks than cores allowed, waiting ranks yielding their
// core, and `options` of its own.
std::string mpirun_command(int ranks, const std::string& options = "");

// As run_tinynn, started by mpirun_command(ranks).
CliResult run_tinynn_on_ranks(int ranks, const std::vector<std::string>& args,
                              const std::filesystem::path& cwd);

// Why run_tinynn_on_ranks cannot run here (no mpirun on the PATH, or a
// tinynn built without MPI), or empty when it can.
std::string mpi_unavailable();

// Why run_tinynn cannot run the program as User::unprivileged here (as root,
// no working setpriv, or a program nobody may run), or empty when it can.
std::string unprivileged_unavailable();

// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);
std::vector<std::string> lines_of(const std::string& text);    // without their '\n'
std::filesystem::path test_data(const std::string& relative);  // under tests/data
std::filesystem::path repo_path(const std::string& relative);  // under the source tree

}  // namespace tinynn::test
