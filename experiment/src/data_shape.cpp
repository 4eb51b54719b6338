#include "tinynn/experiment/data_shape.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tinynn::experiment {
namespace {

// The CSV reader refuses longer lines, so looking further is pointless.
constexpr int64_t kMaxLineBytes = int64_t{1} << 20;
constexpr size_t kBlockBytes = size_t{1} << 16;

// The file, when it is a regular one that can be opened; closed when done.
// O_NONBLOCK so that a FIFO without a writer cannot hang the estimate: it is
// left to the CSV reader, which refuses it, as it refuses devices.
class RegularFile {
  public:
    explicit RegularFile(const std::filesystem::path& path)
        : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)) {
        struct stat st {};
        if (fd_ >= 0 && ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode))
            size_ = static_cast<uintmax_t>(st.st_size);
        else
            close();
    }
    RegularFile(const RegularFile&) = delete;
    RegularFile& operator=(const RegularFile&) = delete;
    ~RegularFile() { close(); }

    bool is_open() const { return fd_ >= 0; }
    uintmax_t size() const { return size_; }

    // Up to `count` bytes at `offset`: 0 at the end of the file, -1 when the
    // read fails.
    ssize_t read(char* dest, size_t count, uintmax_t offset) const {
        for (;;) {
            const ssize_t n = ::pread(fd_, dest, count, static_cast<off_t>(offset));
            if (n >= 0 || errno != EINTR)
                return n;
        }
    }

  private:
    void close() {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }

    int fd_;
    uintmax_t size_ = 0;
};

// Cells of the file's first line, when it is one the CSV reader would take
// for a row of at least two columns.
std::optional<int64_t> first_line_columns(const RegularFile& file) {
    std::array<char, kBlockBytes> block{};
    int64_t commas = 0;
    int64_t length = 0;
    bool blank = true;
    for (;;) {
        const ssize_t got = file.read(block.data(), block.size(), static_cast<uintmax_t>(length));
        if (got < 0)
            return std::nullopt;
        if (got == 0)
            break;
        const char* end = std::find(block.data(), block.data() + got, '\n');
        for (const char* c = block.data(); c != end; ++c) {
            commas += *c == ',';
            blank = blank && (*c == ' ' || *c == '\t' || *c == '\r');
        }
        length += end - block.data();
        if (length > kMaxLineBytes)
            return std::nullopt;
        if (end != block.data() + got)
            break;
    }
    if (blank || commas == 0)
        return std::nullopt;
    return commas + 1;
}

DataShape csv_shape(const DataConfig& d, int64_t columns, int64_t samples) {
    return {.samples = std::max<int64_t>(samples, 0),
            .features = columns - 1,
            .target_columns = 1,
            .classes = d.task == data::Task::classification ? 2 : 0};
}

}  // namespace

DataShape synthetic_shape(const DataConfig& d) {
    if (d.kind == "sine")
        return {.samples = d.samples, .features = 1, .target_columns = 1, .classes = 0};
    const bool any_classes = d.kind == "spiral" || d.kind == "blobs";
    return {.samples = d.samples,
            .features = 2,
            .target_columns = 1,
            .classes = any_classes ? d.classes : 2};
}

std::optional<DataShape> csv_shape_bound(const DataConfig& d) {
    const RegularFile file(d.path);
    const std::optional<int64_t> columns = file.is_open() ? first_line_columns(file) : std::nullopt;
    if (!columns)
        return std::nullopt;
    // A row of c cells is at least 2c bytes: a character and a separator
    // each, the last line's newline optional (hence the + 1).
    const uintmax_t rows = (file.size() + 1) / (2 * static_cast<uintmax_t>(*columns));
    return csv_shape(d, *columns, static_cast<int64_t>(rows));
}

std::optional<DataShape> csv_shape_counted(const DataConfig& d) {
    const RegularFile file(d.path);
    const std::optional<int64_t> columns = file.is_open() ? first_line_columns(file) : std::nullopt;
    if (!columns)
        return std::nullopt;
    std::array<char, kBlockBytes> block{};
    int64_t lines = 0;
    char last = '\n';
    for (uintmax_t offset = 0;;) {
        const ssize_t got = file.read(block.data(), block.size(), offset);
        if (got < 0)
            return std::nullopt;
        if (got == 0)
            break;
        lines += std::count(block.data(), block.data() + got, '\n');
        last = block[static_cast<size_t>(got - 1)];
        offset += static_cast<uintmax_t>(got);
    }
    lines += last != '\n';  // a last line without its newline
    return csv_shape(d, *columns, lines - (d.header ? 1 : 0));
}

DataShape shape_of(const data::Dataset& set) {
    const bool classification = set.task == data::Task::classification;
    return {.samples = set.size(),
            .features = set.num_features(),
            .target_columns = set.targets.dim() == 2 ? set.targets.size(1) : 1,
            .classes = classification ? set.num_classes : 0};
}

DataShape shape_of(const data::Split& split) {
    DataShape shape = shape_of(split.train);
    shape.samples += split.test.size();
    return shape;
}

}  // namespace tinynn::experiment
