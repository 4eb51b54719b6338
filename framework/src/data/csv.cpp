#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tinynn/data/dataset.hpp"
#include "tinynn/error.hpp"

namespace tinynn::data {
namespace {

namespace fs = std::filesystem;

// Longer lines are not CSV a person wrote; refusing them bounds the memory a
// hostile file (say, gigabytes without a newline) can claim.
constexpr size_t kMaxLineBytes = size_t{1} << 20;
// Matches make_synthetic's limit. A larger label is usually an id column
// picked as the target, and would ask for an enormous one-hot matrix.
constexpr int64_t kMaxClasses = 1000;
constexpr size_t kQuoteChars = 40;

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// A cell as the message shows it: quoted, cut short, control bytes masked so
// the message stays one line.
std::string quote(std::string_view cell) {
    std::string q = "'";
    for (char c : cell.substr(0, kQuoteChars))
        q += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
    return q + (cell.size() > kQuoteChars ? "...'" : "'");
}

std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> cells;
    size_t start = 0;
    for (;;) {
        const size_t comma = line.find(',', start);
        cells.push_back(trim(line.substr(start, comma - start)));
        if (comma == std::string_view::npos)
            return cells;
        start = comma + 1;
    }
}

class CsvLoader {
  public:
    explicit CsvLoader(const CsvOptions& options)
        : options_(options), file_(options.path.string()) {}

    Dataset load() {
        open();
        std::string line;
        int64_t blank_line = 0;  // the first of a run of blank lines, 0 if none
        while (next_line(line)) {
            if (line_ == 1 && line.starts_with("\xEF\xBB\xBF"))
                line.erase(0, 3);  // the byte order mark spreadsheet exports start with
            if (trim(line).empty()) {
                if (blank_line == 0)
                    blank_line = line_;
                continue;
            }
            if (blank_line != 0)
                throw Error(
                    at(blank_line) +
                    ": blank line before more rows (only trailing blank lines are allowed)");
            const std::vector<std::string_view> cells = split(line);
            if (columns_ == 0) {
                start(cells);
                if (options_.header)
                    continue;
            }
            add_row(cells);
        }
        return finish();
    }

  private:
    void open() {
        std::error_code ec;
        const fs::file_status status = fs::status(options_.path, ec);
        if (!fs::exists(status))
            throw Error(file_ + ": no such file");
        if (fs::is_directory(status))
            throw Error(file_ + ": is a directory, not a CSV file");
        in_.open(options_.path, std::ios::binary);
        if (!in_)
            throw Error(file_ + ": cannot be read: " + std::strerror(errno));
    }

    // The next line without its "\n" or "\r\n"; false at the end of the file.
    // Reads in blocks rather than with std::getline so that the length cap
    // applies before the memory is taken.
    bool next_line(std::string& line) {
        line.clear();
        bool any = false;
        for (;;) {
            if (pos_ == len_) {
                in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
                len_ = static_cast<size_t>(in_.gcount());
                pos_ = 0;
                if (in_.bad())
                    throw Error(file_ + ": read failed after line " + std::to_string(line_));
                if (len_ == 0)
                    break;
            }
            any = true;
            const char* begin = buffer_.data() + pos_;
            const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', len_ - pos_));
            const size_t take = newline ? static_cast<size_t>(newline - begin) : len_ - pos_;
            if (line.size() + take > kMaxLineBytes)
                throw Error(at(line_ + 1) + ": line longer than " +
                            std::to_string(kMaxLineBytes >> 20) + " MiB");
            line.append(begin, take);
            pos_ += take;
            if (newline) {
                ++pos_;
                break;
            }
        }
        if (!any)
            return false;
        ++line_;
        if (line.ends_with('\r'))
            line.pop_back();
        return true;
    }

    std::string at(int64_t line) const { return file_ + ": line " + std::to_string(line); }

    std::string column_name(size_t column) const {
        std::string s = "column " + std::to_string(column + 1);
        if (column < names_.size() && !names_[column].empty())
            s += " (" + names_[column] + ")";
        return s;
    }

    std::string at(int64_t line, size_t column) const {
        return at(line) + ", " + column_name(column);
    }

    std::string column_list() const {
        std::string s;
        for (const auto& name : names_)
            s += (s.empty() ? "" : ", ") + name;
        return s;
    }

    // The first row fixes the column count and, with a header, the names.
    void start(const std::vector<std::string_view>& cells) {
        columns_ = cells.size();
        first_line_ = line_;
        if (columns_ < 2)
            throw Error(at(line_) + ": found 1 column; a CSV dataset needs at least 2 " +
                        "(features and a target)");
        if (options_.header)
            for (std::string_view cell : cells) {
                if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"')
                    cell = cell.substr(1, cell.size() - 2);
                names_.emplace_back(cell);
            }
        target_ = resolve_target();
        for (size_t j = 0; j < names_.size(); ++j)
            if (j != target_)
                feature_names_.push_back(names_[j]);
    }

    size_t resolve_target() const {
        const std::string& t = options_.target;
        if (t.empty())
            return columns_ - 1;
        if (t.find_first_not_of("0123456789") == std::string::npos) {
            uint64_t index = 0;
            const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), index);
            if (ec != std::errc() || index >= columns_)
                throw Error(at(line_) + ": target column index " + t +
                            " is out of range: " + "the file has " + std::to_string(columns_) +
                            " columns (0-" + std::to_string(columns_ - 1) + ")");
            return static_cast<size_t>(index);
        }
        if (!options_.header)
            throw Error(file_ + ": target '" + t + "' is a column name, but the file has no " +
                        "header; give the column's 0-based index");
        std::optional<size_t> found;
        for (size_t j = 0; j < names_.size(); ++j) {
            if (names_[j] != t)
                continue;
            if (found)
                throw Error(at(line_, j) + ": target column '" + t + "' appears twice, also as " +
                            "column " + std::to_string(*found + 1));
            found = j;
        }
        if (!found)
            throw Error(at(line_) + ": target column '" + t +
                        "' is not in the header; columns: " + column_list());
        return *found;
    }

    void add_row(const std::vector<std::string_view>& cells) {
        if (cells.size() != columns_) {
            const bool short_row = cells.size() < columns_;
            const size_t column = short_row ? cells.size() : columns_;
            throw Error(at(line_, column) + ": expected " + std::to_string(columns_) +
                        " cells, found " + std::to_string(cells.size()) +
                        (short_row ? " (this column is missing)" : " (this column is extra)"));
        }
        for (size_t j = 0; j < columns_; ++j) {
            const float value = parse(cells[j], j);
            if (j != target_) {
                features_.push_back(value);
                continue;
            }
            if (options_.task == Task::classification)
                check_label(value, cells[j], j);
            targets_.push_back(value);
        }
        ++rows_;
    }

    float parse(std::string_view cell, size_t column) const {
        if (cell.empty())
            throw Error(at(line_, column) + ": empty cell");
        // from_chars takes no '+', which people and some exporters write.
        if (cell.size() > 1 && cell[0] == '+' && cell[1] != '-')
            cell.remove_prefix(1);
        float value = 0.0f;
        const char* end = cell.data() + cell.size();
        const auto [ptr, ec] = std::from_chars(cell.data(), end, value, std::chars_format::general);
        if (ec == std::errc::result_out_of_range)
            throw Error(at(line_, column) + ": value " + quote(cell) + " is out of float range");
        if (ec != std::errc() || ptr != end)
            throw Error(at(line_, column) + ": not a number: " + quote(cell));
        if (!std::isfinite(value))
            throw Error(at(line_, column) + ": value " + quote(cell) +
                        " is not finite (NaN or infinity)");
        return value;
    }

    void check_label(float value, std::string_view cell, size_t column) {
        const std::string where = at(line_, column) + ": class label " + quote(cell);
        if (value < 0.0f)
            throw Error(where + " is negative; labels are integers 0..K-1");
        if (value != std::floor(value))
            throw Error(where + " is not an integer; labels are integers 0..K-1 " +
                        "(use task: regression for continuous targets)");
        if (value >= static_cast<float>(kMaxClasses))
            throw Error(where + " is above the largest supported label " +
                        std::to_string(kMaxClasses - 1) + "; is the target the right column?");
        max_label_ = std::max(max_label_, static_cast<int64_t>(value));
    }

    Dataset finish() {
        if (columns_ == 0)
            throw Error(file_ + ": the file is empty");
        if (rows_ == 0)
            throw Error(at(first_line_) + ": the file has a header but no data rows");
        const auto n = static_cast<int64_t>(rows_);
        const auto f = static_cast<int64_t>(columns_ - 1);
        Dataset d;
        d.features = Tensor(std::move(features_), {n, f});
        d.task = options_.task;
        d.feature_names = std::move(feature_names_);
        if (options_.task == Task::regression) {
            d.targets = Tensor(std::move(targets_), {n, 1});
            return d;
        }
        if (max_label_ < 1)
            throw Error(file_ + ": " + column_name(target_) + ": every class label is 0; " +
                        "classification needs at least 2 classes");
        d.targets = Tensor(std::move(targets_), {n});
        d.num_classes = max_label_ + 1;
        return d;
    }

    const CsvOptions& options_;
    std::string file_;
    std::ifstream in_;
    std::vector<char> buffer_ = std::vector<char>(size_t{1} << 16);
    size_t pos_ = 0;
    size_t len_ = 0;
    int64_t line_ = 0;  // lines read so far: the current line's 1-based number

    int64_t first_line_ = 0;  // the header, or the first data row without one
    size_t columns_ = 0;
    size_t target_ = 0;
    std::vector<std::string> names_;  // empty without a header
    std::vector<std::string> feature_names_;
    std::vector<float> features_;
    std::vector<float> targets_;
    size_t rows_ = 0;
    int64_t max_label_ = 0;
};

}  // namespace

Dataset load_csv(const CsvOptions& options) {
    return CsvLoader(options).load();
}

}  // namespace tinynn::data
