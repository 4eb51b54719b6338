#include "io/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include "tinynn/error.hpp"

namespace tinynn::detail {
namespace {

// A real path rarely nears this; the bound keeps a hostile one from flooding
// the terminal.
constexpr size_t kPathLength = 512;

// The path and the step (which quotes the temporary's path) are escaped: a
// control byte in an --out path must not reach the terminal raw.
[[noreturn]] void fail(const std::filesystem::path& path, int err, const std::string& step) {
    // Appended piecewise: GCC 12 misreports a + chain (-Wrestrict).
    std::string message = "cannot write \"";
    message += escape_text(path.string(), kPathLength);
    message += "\": ";
    message += std::generic_category().message(err);
    message += " (";
    message += escape_text(step, 2 * kPathLength);
    message += ")";
    throw Error(message);
}

// Closes the descriptor and removes the temporary unless the rename happened,
// so every early exit leaves the directory as it was.
class TempFile {
  public:
    explicit TempFile(const std::filesystem::path& target) {
        // pid + counter keeps concurrent writers (threads or processes) of the
        // same target from sharing a temporary; O_EXCL makes a clash an error
        // rather than a silent overwrite, so a few retries settle it.
        static std::atomic<unsigned long long> counter{0};
        for (int attempt = 0; attempt < 100; ++attempt) {
            path_ = target.string() + ".tmp." + std::to_string(::getpid()) + "." +
                    std::to_string(counter.fetch_add(1));
            fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd_ >= 0 || errno != EEXIST)
                break;
        }
        if (fd_ < 0) {
            const int err = errno;
            fail(target, err, "creating the temporary file \"" + path_ + "\"");
        }
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        if (fd_ >= 0)
            ::close(fd_);
        if (!renamed_)
            ::unlink(path_.c_str());
    }

    int fd() const { return fd_; }
    const std::string& path() const { return path_; }
    // Returns 0 or the errno of close(), which can report a failed delayed write.
    int close() {
        const int rc = ::close(fd_);
        fd_ = -1;
        return rc == 0 ? 0 : errno;
    }
    void mark_renamed() { renamed_ = true; }

  private:
    std::string path_;
    int fd_ = -1;
    bool renamed_ = false;
};

// Makes the rename itself durable; best effort, since the new file is already
// complete and some file systems cannot sync a directory.
void sync_directory(const std::filesystem::path& target) {
    std::filesystem::path dir = target.parent_path();
    if (dir.empty())
        dir = ".";
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes, Sync sync) {
    if (path.empty())
        throw Error("cannot write a file with an empty path");
    TempFile temp(path);

    const char* p = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(temp.fd(), p, left);
        if (n < 0) {
            const int err = errno;
            if (err == EINTR)
                continue;
            fail(path, err, "writing \"" + temp.path() + "\"");
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    // Without the fsync a crash soon after the rename can leave an empty file
    // under the new name on file systems that reorder metadata and data.
    // EINVAL means the file system cannot sync (nothing to be done about it).
    if (sync == Sync::yes && ::fsync(temp.fd()) != 0) {
        const int err = errno;
        if (err != EINVAL)
            fail(path, err, "syncing \"" + temp.path() + "\"");
    }
    if (const int err = temp.close())
        fail(path, err, "closing \"" + temp.path() + "\"");
    if (::rename(temp.path().c_str(), path.c_str()) != 0) {
        const int err = errno;
        fail(path, err, "renaming \"" + temp.path() + "\" over it");
    }
    temp.mark_renamed();
    if (sync == Sync::yes)
        sync_directory(path);
}

}  // namespace tinynn::detail
