#pragma once

// Files that grow with training (metrics.csv, compare.csv) written piece by
// piece as the epochs end, so that memory stays at a buffer's size however
// many epochs and runs there are.

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace tinynn::experiment {

// A file open for writing through a buffer. Every failure (a full disk,
// RLIMIT_FSIZE) throws tinynn::Error naming the file and the OS's reason.
class OutputFile {
  public:
    // Creates `path`, or empties it.
    explicit OutputFile(std::filesystem::path path);
    // A file without a name in `dir`, for bytes kept until they are copied
    // into another: the kernel frees it when it is closed or the process
    // ends, however it ends, so a killed run leaves nothing behind.
    static OutputFile scratch(const std::filesystem::path& dir);
    ~OutputFile();
    OutputFile(OutputFile&& other) noexcept;
    OutputFile& operator=(OutputFile&& other) noexcept;
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    void write(std::string_view bytes);
    // Bytes written so far.
    long long size() const { return written_ + static_cast<long long>(buffer_.size()); }
    // Appends `length` bytes that were written to `other` from `offset` on
    // (other is a scratch file, which can be read back).
    void append(OutputFile& other, long long offset, long long length);
    void append(OutputFile& other) { append(other, 0, other.size()); }
    // Calls `visit` with each line written so far (a scratch file, which can
    // be read back), without its '\n', holding one block and a line at a time.
    void for_each_line(const std::function<void(std::string_view)>& visit);
    // Frees the disk space of those bytes of a scratch file, where the file
    // system can (the bytes are no longer needed; they then read as zeros).
    void discard(long long offset, long long length);
    // Hands the buffered bytes to the kernel: a process killed after this
    // loses none of them.
    void flush();
    // Flushes, syncs and closes: the bytes are on disk or this throws.
    void finish();

  private:
    friend void write_file_atomically(const std::filesystem::path& path,
                                      const std::function<void(OutputFile&)>& write);
    OutputFile(std::filesystem::path shown, int fd);
    [[noreturn]] void fail(int err, const std::string& step) const;

    std::filesystem::path path_;  // as messages name it (a scratch file: its directory)
    int fd_ = -1;
    std::string buffer_;
    long long written_ = 0;  // bytes flushed to fd_
};

// Replaces `path` as a whole with what `write` writes into the OutputFile it
// gets: the bytes go to a temporary beside it ("<path>.tmp.<pid>.<n>", as
// every atomic write of the library names them), which is synced and renamed
// over `path`; on failure it is removed and `path` is left as it was.
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(OutputFile&)>& write);

}  // namespace tinynn::experiment
