#pragma once

// A run's output directory, whose files (SPEC §4) are replaced together or
// not at all: a failed, interrupted or killed run leaves the previous
// complete set or the new one, never a new config.yaml beside an old model.
//
// The files are written into a staging directory beside it
// (".<name>.staging.<pid>") and swapped in by one atomic rename (Linux's
// renameat2 RENAME_EXCHANGE when the directory exists). A lock file beside
// it (".<name>.lock", holding the last owner's PID, held with flock so the
// kernel releases it when the owner dies however it dies: a stale one is
// just taken) keeps two runs from writing one directory; staging
// directories that killed runs left are removed by the next run that
// replaces the files (until then --resume may continue from them).

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace tinynn::experiment {

class RunDirectory {
  public:
    // Takes the lock of `dir` and checks that `dir`, when it exists, is a
    // directory holding nothing but `owned` files (the set a run writes), so
    // swapping it never takes anything else away. Throws tinynn::Error
    // naming the directory when another process holds it (with its PID), or
    // when it holds other files; finds stale staging directories.
    RunDirectory(std::filesystem::path dir, std::vector<std::string> owned);
    ~RunDirectory();
    RunDirectory(const RunDirectory&) = delete;
    RunDirectory& operator=(const RunDirectory&) = delete;

    const std::filesystem::path& path() const { return dir_; }
    // The staging directories of killed runs found when the lock was taken,
    // in name order; replace() removes them.
    const std::vector<std::filesystem::path>& stale_staging() const { return stale_; }

    // Calls write(staging) to write the new set into an empty staging
    // directory, then swaps it in for `dir` in one rename and removes the old
    // set. On any failure `dir` is left as it was.
    void replace(const std::function<void(const std::filesystem::path& staging)>& write);

  private:
    std::filesystem::path dir_;
    std::vector<std::string> owned_;
    std::vector<std::filesystem::path> stale_;
    std::filesystem::path lock_path_;
    int lock_fd_ = -1;
};

}  // namespace tinynn::experiment
