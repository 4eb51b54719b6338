#include "tinynn/experiment/run_directory.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>

#include "tinynn/error.hpp"

namespace tinynn::experiment {

namespace fs = std::filesystem;

namespace {

std::string shown(const fs::path& p) {
    return "\"" + escape_text(p.string(), 200) + "\"";
}

[[noreturn]] void fail_errno(const fs::path& p, const std::string& what, int err) {
    throw Error("cannot " + what + " " + shown(p) + ": " + std::generic_category().message(err));
}

// The directory the run's entries live in, and the run directory's own name
// ("." and a trailing "/" resolved, so siblings land beside it).
std::pair<fs::path, std::string> parent_and_name(const fs::path& dir) {
    const fs::path absolute = fs::absolute(dir).lexically_normal();
    fs::path p = absolute;
    if (!p.has_filename())  // "runs/x/"
        p = p.parent_path();
    if (p == p.root_path())
        throw Error("a run directory cannot be the root directory " + shown(dir));
    return {p.parent_path(), p.filename().string()};
}

void sync_directory(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    ::fsync(fd);
    ::close(fd);
}

// ".name.staging.<pid>" beside the run directory.
std::string staging_prefix(const std::string& name) {
    return "." + name + ".staging.";
}

}  // namespace

RunDirectory::RunDirectory(fs::path dir, std::vector<std::string> owned)
    : dir_(std::move(dir)), owned_(std::move(owned)) {
    const auto [parent, name] = parent_and_name(dir_);
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec)
        throw Error("cannot write to " + shown(dir_) + ": creating " + shown(parent) + ": " +
                    ec.message());
    lock_path_ = parent / ("." + name + ".lock");
    lock_fd_ = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (lock_fd_ < 0)
        throw Error("cannot write to " + shown(dir_) + ": creating its lock file " +
                    shown(lock_path_) + ": " + std::generic_category().message(errno));
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char text[32] = {};
        const ssize_t n = ::pread(lock_fd_, text, sizeof text - 1, 0);
        ::close(lock_fd_);
        lock_fd_ = -1;
        if (err != EWOULDBLOCK)
            fail_errno(lock_path_, "lock", err);
        const std::string pid = n > 0 ? std::string(text, static_cast<size_t>(n)) : "unknown";
        throw Error(shown(dir_) + " is in use by another run (process " +
                    escape_text(pid.substr(0, pid.find('\n')), 20) +
                    "); wait for it to end or choose another --out");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(lock_fd_, 0) != 0 ||
        ::pwrite(lock_fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
        fail_errno(lock_path_, "write the lock file", errno);

    // Holding the lock, every staging directory of this name is a dead run's:
    // kept until this run replaces the files, for --resume to continue it.
    for (const auto& entry : fs::directory_iterator(parent, ec))
        if (entry.path().filename().string().starts_with(staging_prefix(name)))
            stale_.push_back(entry.path());
    std::sort(stale_.begin(), stale_.end());

    const fs::file_status status = fs::symlink_status(dir_, ec);
    if (status.type() == fs::file_type::not_found)
        return;
    if (status.type() != fs::file_type::directory)
        throw Error(shown(dir_) + " exists and is not a directory; expected a run directory");
    std::vector<std::string> foreign;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
        const std::string file = entry.path().filename().string();
        // A killed run of the old, file-by-file kind left these.
        if (file.find(".tmp.") != std::string::npos &&
            std::any_of(owned_.begin(), owned_.end(),
                        [&](const std::string& o) { return file.starts_with(o + ".tmp."); })) {
            fs::remove(entry.path(), ec);
            continue;
        }
        if (std::find(owned_.begin(), owned_.end(), file) == owned_.end())
            foreign.push_back(file);
    }
    if (ec)
        throw Error("cannot read the directory " + shown(dir_) + ": " + ec.message());
    if (!foreign.empty()) {
        std::sort(foreign.begin(), foreign.end());
        std::string list;
        for (size_t i = 0; i < foreign.size() && i < 3; ++i)
            list += (i ? ", " : "") + escape_text(foreign[i], 60);
        if (foreign.size() > 3)
            list += " and " + std::to_string(foreign.size() - 3) + " more";
        throw Error(shown(dir_) + " holds files that are not a run's (" + list +
                    "); a run replaces its directory as a whole, so it writes only into a new "
                    "directory, an empty one or one a run wrote: choose another --out");
    }
}

RunDirectory::~RunDirectory() {
    // The lock file stays: removing it would let a run that opened it just
    // before lock the removed file while a third locks a new one.
    if (lock_fd_ >= 0)
        ::close(lock_fd_);
}

void RunDirectory::replace(const std::function<void(const fs::path& staging)>& write) {
    const auto [parent, name] = parent_and_name(dir_);
    const fs::path staging = parent / (staging_prefix(name) + std::to_string(::getpid()));
    std::error_code ec;
    fs::remove_all(staging, ec);
    if (::mkdir(staging.c_str(), 0777) != 0)
        fail_errno(staging, "create the staging directory", errno);
    try {
        write(staging);
        sync_directory(staging);
        const fs::path target = parent / name;
        if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) !=
            0) {
            const int err = errno;
            if (err != EEXIST && err != ENOTEMPTY)
                fail_errno(target, "move the new files into", err);
            // The old set now sits in `staging`, the new one in `target`.
            if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) !=
                0)
                fail_errno(target, "swap the new files into", errno);
        }
        sync_directory(parent);
    } catch (...) {
        fs::remove_all(staging, ec);
        throw;
    }
    fs::remove_all(staging, ec);
    // Only now: a resumed run reads its epochs from one of them while it writes.
    for (const fs::path& dead : stale_)
        fs::remove_all(dead, ec);
    stale_.clear();
}

}  // namespace tinynn::experiment
