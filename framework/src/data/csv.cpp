#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tinynn/data/dataset.hpp"
#include "tinynn/error.hpp"

namespace tinynn::data {
namespace {

// Longer lines are not CSV a person wrote; refusing them bounds the memory a
// hostile file (say, gigabytes without a newline) can claim.
constexpr size_t kMaxLineBytes = size_t{1} << 20;
// Matches make_synthetic's limit. A larger label is usually an id column
// picked as the target, and would ask for an enormous one-hot matrix.
constexpr int64_t kMaxClasses = 1000;
// What a message quotes of a cell, a column name or data.target; the path is
// quoted whole where it can be (a real one rarely nears the bound).
constexpr size_t kQuoteChars = 40;
constexpr size_t kPathChars = 512;
// The header names an error lists, at most.
constexpr size_t kListedColumns = 20;

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// User text (a cell, a column name, data.target) as a message shows it:
// quoted, cut short, control bytes escaped so the message stays one line.
std::string quote(std::string_view text) {
    std::string q = "'";  // appended piecewise: GCC 12 misreports "'" + s (-Wrestrict)
    q += escape_text(text, kQuoteChars);
    return q + "'";
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

// What a column of the file is for: a feature (its index in the rows), the
// target, or nothing (a column load_csv_by_name skips).
constexpr int64_t kTargetColumn = -1;
constexpr int64_t kSkippedColumn = -2;

class CsvLoader {
  public:
    // `by_name`, when given, picks the columns by header name
    // (load_csv_by_name); `options` then gives the path and the task.
    explicit CsvLoader(const CsvOptions& options, const ColumnsByName* by_name = nullptr)
        : options_(options),
          by_name_(by_name),
          file_(escape_text(options.path.string(), kPathChars)) {}
    CsvLoader(const CsvLoader&) = delete;
    CsvLoader& operator=(const CsvLoader&) = delete;
    ~CsvLoader() {
        if (fd_ >= 0)
            ::close(fd_);
    }

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
        // O_NONBLOCK so that opening a FIFO without a writer cannot hang;
        // fstat then refuses it, as it refuses devices (/dev/zero never ends).
        fd_ = ::open(options_.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd_ < 0) {
            const int err = errno;
            if (err == ENOENT)
                throw Error(file_ + ": no such file");
            throw Error(file_ + ": cannot be read: " + std::strerror(err));
        }
        struct stat st {};
        if (::fstat(fd_, &st) != 0)
            throw Error(file_ + ": cannot be read: " + std::strerror(errno));
        if (S_ISDIR(st.st_mode))
            throw Error(file_ + ": is a directory, not a CSV file");
        if (!S_ISREG(st.st_mode))
            throw Error(file_ + ": is not a regular file (a FIFO, socket or device); " +
                        "expected a CSV file");
    }

    // The next line without its "\n" or "\r\n"; false at the end of the file.
    // Reads in blocks rather than with std::getline so that the length cap
    // applies before the memory is taken.
    bool next_line(std::string& line) {
        line.clear();
        bool any = false;
        for (;;) {
            if (pos_ == len_) {
                fill();
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

    // The next block of the file into buffer_; len_ is 0 at its end.
    void fill() {
        pos_ = 0;
        for (;;) {
            const ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
            if (n >= 0) {
                len_ = static_cast<size_t>(n);
                return;
            }
            const int err = errno;
            if (err != EINTR)
                throw Error(file_ + ": read failed after line " + std::to_string(line_) + ": " +
                            std::strerror(err));
        }
    }

    std::string at(int64_t line) const { return file_ + ": line " + std::to_string(line); }

    std::string column_name(size_t column) const {
        std::string s = "column " + std::to_string(column + 1);
        if (column < names_.size() && !names_[column].empty())
            s += " (" + escape_text(names_[column], kQuoteChars) + ")";
        return s;
    }

    std::string at(int64_t line, size_t column) const {
        return at(line) + ", " + column_name(column);
    }

    // The header's first names, so that a wide file gives a short message.
    std::string column_list() const {
        std::string s;
        for (size_t j = 0; j < std::min(names_.size(), kListedColumns); ++j)
            s += (j > 0 ? ", " : "") + escape_text(names_[j], kQuoteChars);
        if (names_.size() > kListedColumns)
            s += ", ... (" + std::to_string(names_.size()) + " columns)";
        return s;
    }

    // The first row fixes the column count and, with a header, the names.
    void start(const std::vector<std::string_view>& cells) {
        columns_ = cells.size();
        first_line_ = line_;
        // New rows for a model may hold a single feature and no target.
        if (columns_ < 2 && !by_name_)
            throw Error(at(line_) + ": found 1 column; a CSV dataset needs at least 2 " +
                        "(features and a target)");
        if (options_.header)
            for (std::string_view cell : cells) {
                if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"')
                    cell = cell.substr(1, cell.size() - 2);
                names_.emplace_back(cell);
            }
        if (by_name_) {
            assign_by_name();
            return;
        }
        target_ = resolve_target();
        for (size_t j = 0; j < columns_; ++j) {
            if (j != target_ && j < names_.size())
                feature_names_.push_back(names_[j]);
            roles_.push_back(j == target_ ? kTargetColumn : features_per_row_++);
        }
    }

    // The columns of load_csv_by_name: each feature where the header names
    // it, the target if it is there, the rest skipped.
    void assign_by_name() {
        roles_.assign(columns_, kSkippedColumn);
        target_ = columns_;  // none
        const auto find = [&](const std::string& name, const char* what) {
            std::optional<size_t> found;
            for (size_t j = 0; j < names_.size(); ++j) {
                if (names_[j] != name)
                    continue;
                if (found)
                    throw Error(at(line_, j) + ": " + what + " column " + quote(name) +
                                " appears twice, also as column " + std::to_string(*found + 1));
                found = j;
            }
            return found;
        };
        for (const std::string& name : by_name_->features) {
            const std::optional<size_t> j = find(name, "feature");
            if (!j)
                throw Error(at(line_) + ": the model's feature column " + quote(name) +
                            " is missing; columns: " + column_list());
            if (roles_[*j] != kSkippedColumn)
                throw Error(at(line_, *j) + ": the model names the feature " + quote(name) +
                            " twice");
            roles_[*j] = features_per_row_++;
            feature_names_.push_back(name);
        }
        if (!by_name_->target.empty())
            if (const std::optional<size_t> j = find(by_name_->target, "target")) {
                if (roles_[*j] != kSkippedColumn)
                    throw Error(at(line_, *j) + ": the target " + quote(by_name_->target) +
                                " is also a feature of the model");
                roles_[*j] = kTargetColumn;
                target_ = *j;
            }
        for (size_t j = 0; j < columns_; ++j)
            if (roles_[j] == kSkippedColumn)
                skipped_.push_back(names_[j]);
    }

    size_t resolve_target() const {
        const std::string& t = options_.target;
        if (t.empty())
            return columns_ - 1;
        if (t.find_first_not_of("0123456789") == std::string::npos) {
            uint64_t index = 0;
            const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), index);
            if (ec != std::errc() || index >= columns_)
                throw Error(at(line_) + ": target column index " + escape_text(t, kQuoteChars) +
                            " is out of range: " + "the file has " + std::to_string(columns_) +
                            " columns (0-" + std::to_string(columns_ - 1) + ")");
            return static_cast<size_t>(index);
        }
        if (!options_.header)
            throw Error(file_ + ": target " + quote(t) + " is a column name, but the file has no " +
                        "header; give the column's 0-based index");
        std::optional<size_t> found;
        for (size_t j = 0; j < names_.size(); ++j) {
            if (names_[j] != t)
                continue;
            if (found)
                throw Error(at(line_, j) + ": target column " + quote(t) +
                            " appears twice, also as " + "column " + std::to_string(*found + 1));
            found = j;
        }
        if (!found)
            throw Error(at(line_) + ": target column " + quote(t) +
                        " is not in the header; columns: " + column_list());
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
        row_.resize(static_cast<size_t>(features_per_row_));
        for (size_t j = 0; j < columns_; ++j) {
            if (roles_[j] == kSkippedColumn)
                continue;
            const float value = parse(cells[j], j);
            if (roles_[j] != kTargetColumn) {
                row_[static_cast<size_t>(roles_[j])] = value;
                continue;
            }
            if (options_.task == Task::classification)
                check_label(value, cells[j], j);
            targets_.push_back(value);
        }
        features_.insert(features_.end(), row_.begin(), row_.end());
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
        if (by_name_ && value >= static_cast<float>(by_name_->classes))
            throw Error(where + " is not a class of the model, whose classes are 0.." +
                        std::to_string(by_name_->classes - 1));
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
        Dataset d;
        d.features = Tensor(std::move(features_), {n, features_per_row_});
        d.task = options_.task;
        d.feature_names = std::move(feature_names_);
        if (target_ < names_.size())
            d.target_name = names_[target_];
        if (by_name_) {
            d.num_classes = by_name_->classes;
            if (target_ < columns_)
                d.targets = options_.task == Task::regression ? Tensor(std::move(targets_), {n, 1})
                                                              : Tensor(std::move(targets_), {n});
            return d;
        }
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

  public:
    std::vector<std::string> take_skipped() { return std::move(skipped_); }

  private:
    const CsvOptions& options_;
    const ColumnsByName* by_name_;
    std::string file_;  // the path as messages show it
    int fd_ = -1;
    std::vector<char> buffer_ = std::vector<char>(size_t{1} << 16);
    size_t pos_ = 0;
    size_t len_ = 0;
    int64_t line_ = 0;  // lines read so far: the current line's 1-based number

    int64_t first_line_ = 0;  // the header, or the first data row without one
    size_t columns_ = 0;
    size_t target_ = 0;           // columns_ when there is none (load_csv_by_name)
    std::vector<int64_t> roles_;  // per column: its index in a row of features, or
                                  // kTargetColumn or kSkippedColumn
    int64_t features_per_row_ = 0;
    std::vector<float> row_;            // the current row's features
    std::vector<std::string> skipped_;  // load_csv_by_name: the skipped columns' names
    std::vector<std::string> names_;    // empty without a header
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

NamedRows load_csv_by_name(const ColumnsByName& columns) {
    const CsvOptions options{
        .path = columns.path, .header = true, .target = columns.target, .task = columns.task};
    CsvLoader loader(options, &columns);
    NamedRows rows;
    rows.data = loader.load();
    rows.skipped = loader.take_skipped();
    return rows;
}

}  // namespace tinynn::data
