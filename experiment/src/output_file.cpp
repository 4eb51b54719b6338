#include "output_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <utility>
#include <vector>

#include "tinynn/error.hpp"

namespace tinynn::experiment {

namespace fs = std::filesystem;

namespace {

constexpr size_t kBufferBytes = size_t{1} << 16;
// A real path rarely nears this; the bound keeps a hostile one from flooding
// the terminal.
constexpr size_t kPathLength = 512;

// Writes all of `bytes`, or returns the errno that stopped it.
int write_all(int fd, const char* bytes, size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, bytes, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        bytes += n;
        size -= static_cast<size_t>(n);
    }
    return 0;
}

// Best effort, as the rename is done: some file systems cannot sync a directory.
void sync_directory(const fs::path& dir) {
    const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

OutputFile::OutputFile(fs::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0)
        fail(errno, "creating it");
    buffer_.reserve(kBufferBytes);
}

OutputFile::OutputFile(fs::path shown, int fd) : path_(std::move(shown)), fd_(fd) {
    buffer_.reserve(kBufferBytes);
}

OutputFile OutputFile::scratch(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        // A file system without O_TMPFILE: a named file, unlinked at once.
        std::string name = (dir / ".tinynn-scratch-XXXXXX").string();
        fd = ::mkostemp(name.data(), O_CLOEXEC);
        if (fd >= 0)
            ::unlink(name.c_str());
    }
    const int err = errno;
    OutputFile file(dir, fd);
    if (fd < 0)
        file.fail(err, "creating a scratch file in it");
    return file;
}

OutputFile::~OutputFile() {
    if (fd_ >= 0)
        ::close(fd_);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)),
      written_(other.written_) {}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
        buffer_ = std::move(other.buffer_);
        written_ = other.written_;
    }
    return *this;
}

void OutputFile::fail(int err, const std::string& step) const {
    throw Error("cannot write \"" + escape_text(path_.string(), kPathLength) +
                "\": " + std::generic_category().message(err) + " (" + step + ")");
}

void OutputFile::flush() {
    if (const int err = write_all(fd_, buffer_.data(), buffer_.size()))
        fail(err, "writing");
    written_ += static_cast<long long>(buffer_.size());
    buffer_.clear();
}

void OutputFile::write(std::string_view bytes) {
    if (buffer_.size() + bytes.size() > kBufferBytes)
        flush();
    if (bytes.size() >= kBufferBytes) {
        if (const int err = write_all(fd_, bytes.data(), bytes.size()))
            fail(err, "writing");
        written_ += static_cast<long long>(bytes.size());
        return;
    }
    buffer_.append(bytes);
}

void OutputFile::append(OutputFile& other, long long offset, long long length) {
    other.flush();
    flush();
    std::vector<char> block(kBufferBytes);
    for (const long long end = offset + length; offset < end;) {
        const auto want = static_cast<size_t>(std::min<long long>(end - offset, kBufferBytes));
        const ssize_t n = ::pread(other.fd_, block.data(), want, offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            other.fail(n < 0 ? errno : EIO, "reading it back");
        if (const int err = write_all(fd_, block.data(), static_cast<size_t>(n)))
            fail(err, "writing");
        offset += n;
        written_ += n;
    }
}

void OutputFile::for_each_line(const std::function<void(std::string_view)>& visit) {
    flush();
    std::vector<char> block(kBufferBytes);
    std::string line;
    for (long long offset = 0; offset < written_;) {
        const auto want = static_cast<size_t>(std::min<long long>(written_ - offset, kBufferBytes));
        const ssize_t n = ::pread(fd_, block.data(), want, offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail(n < 0 ? errno : EIO, "reading it back");
        offset += n;
        for (const char c : std::string_view(block.data(), static_cast<size_t>(n))) {
            if (c != '\n') {
                line += c;
                continue;
            }
            visit(line);
            line.clear();
        }
    }
    if (!line.empty())
        visit(line);
}

void OutputFile::discard(long long offset, long long length) {
    flush();
    // Best effort: where holes cannot be punched the bytes just stay.
    ::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
}

void OutputFile::finish() {
    flush();
    // EINVAL: a file system that cannot sync; nothing to be done about it.
    if (::fsync(fd_) != 0 && errno != EINVAL)
        fail(errno, "syncing");
    const int rc = ::close(fd_);
    fd_ = -1;
    // close() can report a delayed write that failed.
    if (rc != 0)
        fail(errno, "closing");
}

void write_file_atomically(const fs::path& path, const std::function<void(OutputFile&)>& write) {
    // pid + counter keeps concurrent writers of one target apart; O_EXCL
    // makes a clash an error rather than a silent overwrite.
    static std::atomic<unsigned long long> counter{0};
    std::string temp;
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
        temp = path.string() + ".tmp." + std::to_string(::getpid()) + "." +
               std::to_string(counter.fetch_add(1));
        fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    const int err = errno;
    OutputFile file(path, fd);
    if (fd < 0)
        file.fail(err, "creating its temporary file");
    try {
        write(file);
        file.finish();
        if (::rename(temp.c_str(), path.c_str()) != 0)
            file.fail(errno, "renaming its temporary file over it");
    } catch (...) {
        ::unlink(temp.c_str());
        throw;
    }
    sync_directory(path.parent_path());
}

}  // namespace tinynn::experiment
