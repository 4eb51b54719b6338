#include "apps/train/data_shape.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <system_error>

namespace tinynn::app {
namespace {

namespace fs = std::filesystem;

// The CSV reader refuses longer lines, so looking further is pointless.
constexpr int64_t kMaxLineBytes = int64_t{1} << 20;

// Cells of the file's first line, when it is one the CSV reader would take
// for a row of at least two columns.
std::optional<int64_t> first_line_columns(std::ifstream& in) {
    int64_t commas = 0;
    int64_t length = 0;
    bool blank = true;
    for (std::istreambuf_iterator<char> it(in), end; it != end && *it != '\n'; ++it) {
        if (++length > kMaxLineBytes)
            return std::nullopt;
        commas += *it == ',';
        blank = blank && (*it == ' ' || *it == '\t' || *it == '\r');
    }
    if (blank || commas == 0)
        return std::nullopt;
    return commas + 1;
}

DataShape csv_shape(const DataConfig& d, int64_t columns, int64_t samples) {
    return {.samples = std::max<int64_t>(samples, 0),
            .features = columns - 1,
            .target_columns = 1,
            .classes = d.task == "classification" ? 2 : 0};
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
    std::error_code ec;
    const uintmax_t bytes = fs::file_size(d.path, ec);
    if (ec)
        return std::nullopt;
    std::ifstream in(d.path, std::ios::binary);
    const std::optional<int64_t> columns = in ? first_line_columns(in) : std::nullopt;
    if (!columns)
        return std::nullopt;
    // A row of c cells is at least 2c bytes: a character and a separator
    // each, the last line's newline optional (hence the + 1).
    const uintmax_t rows = (bytes + 1) / (2 * static_cast<uintmax_t>(*columns));
    return csv_shape(d, *columns, static_cast<int64_t>(rows));
}

std::optional<DataShape> csv_shape_counted(const DataConfig& d) {
    std::ifstream in(d.path, std::ios::binary);
    const std::optional<int64_t> columns = in ? first_line_columns(in) : std::nullopt;
    if (!columns)
        return std::nullopt;
    in.clear();
    in.seekg(0);
    std::array<char, 1 << 16> block{};
    int64_t lines = 0;
    char last = '\n';
    while (in) {
        in.read(block.data(), block.size());
        const std::streamsize got = in.gcount();
        if (got <= 0)
            break;
        lines += std::count(block.data(), block.data() + got, '\n');
        last = block[static_cast<size_t>(got - 1)];
    }
    if (in.bad())
        return std::nullopt;
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

}  // namespace tinynn::app
