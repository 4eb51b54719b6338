#include "tinynn/serialize.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <istream>
#include <limits>
#include <new>
#include <streambuf>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"
#include "io/safetensors_encode.hpp"

namespace tinynn {
namespace {

namespace fs = std::filesystem;
// Not ordered_json: its linear-time key lookup makes a hostile header with
// millions of names quadratic. The header's order is recorded separately.
using Json = nlohmann::json;

// The reference implementation's limit: a larger header is refused before any
// of it is read. The header is parsed as it is read, never held whole, so
// what this bounds is the time spent on a hostile one (and the longest single
// JSON string, which the parser holds whole).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// Lists in a tensor entry hold at most 2 numbers; the cap only has to be small
// enough that a hostile header cannot make the parser build huge arrays, and
// large enough that the error for a rank-3 shape can say which rank it found.
constexpr size_t kMaxListLength = 16;
constexpr std::string_view kMetadataKey = "__metadata__";

// File names are quoted whole where they can be: a real path rarely nears
// this, and a bound still keeps a hostile one from flooding the terminal.
constexpr size_t kPathLength = 512;
// Tensor names and JSON values as messages quote them.
constexpr size_t kNameLength = 60;
// nlohmann's messages are short, but may quote the token being read.
constexpr size_t kJsonMessageLength = 200;

std::string quoted(const fs::path& path) {
    return "\"" + escape_text(path.string(), kPathLength) + "\"";
}

// A JSON value for an error message, cut short, its control bytes escaped so
// that a hostile file cannot garble the one-line error.
std::string brief(const Json& value) {
    return escape_text(value.dump(-1, ' ', false, Json::error_handler_t::replace), kNameLength);
}

std::string tensor_label(const std::string& name) {
    return "tensor \"" + escape_text(name, kNameLength) + "\"";
}

std::string format_u64_pair(uint64_t a, uint64_t b) {
    std::string s = "[";  // appended piecewise: GCC 12 misreports a + chain (-Wrestrict)
    s += std::to_string(a);
    s += ", ";
    s += std::to_string(b);
    return s + "]";
}

// The storage rows x cols of a shape of rank 0-2 (see tinynn::Matrix).
std::pair<Eigen::Index, Eigen::Index> storage_dims(const Shape& shape) {
    if (shape.empty())
        return {1, 1};
    if (shape.size() == 1)
        return {1, shape[0]};
    return {shape[0], shape[1]};
}

// ---------------------------------------------------------------- writing

void append_u64_le(std::string& out, uint64_t v) {
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void append_f32_le(std::string& out, const float* values, size_t count) {
    if (count == 0)
        return;
    if constexpr (std::endian::native == std::endian::little) {
        out.append(reinterpret_cast<const char*>(values), count * sizeof(float));
    } else {
        for (size_t i = 0; i < count; ++i) {
            const auto bits = std::bit_cast<uint32_t>(values[i]);
            for (int b = 0; b < 4; ++b)
                out.push_back(static_cast<char>((bits >> (8 * b)) & 0xff));
        }
    }
}

[[noreturn]] void fail_save(const std::string& what) {
    throw Error("save_safetensors: " + what);
}

// PyTorch keeps BatchNorm's count of batches as int64, and its loaders
// refuse another dtype for it, so a tensor of that name is written as I64.
bool is_integer_buffer(const std::string& name) {
    constexpr std::string_view kCount = "num_batches_tracked";
    return name == kCount || (name.size() > kCount.size() && name.ends_with(kCount) &&
                              name[name.size() - kCount.size() - 1] == '.');
}

void append_i64_le(std::string& out, const std::string& name, const float* values, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        const float v = values[i];
        if (!(std::trunc(v) == v))
            fail_save(tensor_label(name) + " is saved as I64, as torch keeps it, but holds " +
                      std::to_string(v) + "; expected whole numbers");
        append_u64_le(out, static_cast<uint64_t>(static_cast<int64_t>(v)));
    }
}

// What is wrong with metadata of this size (serialize.hpp's bounds), or empty.
std::string metadata_bounds_error(size_t entries, size_t bytes) {
    if (entries > kMaxMetadataEntries)
        return "__metadata__ has more than " + std::to_string(kMaxMetadataEntries) + " entries";
    if (bytes > kMaxMetadataBytes)
        return "__metadata__ holds more than " + std::to_string(kMaxMetadataBytes) +
               " bytes of keys and values";
    return {};
}

std::string encode(const nn::StateDict& tensors, const SafetensorsMetadata& metadata) {
    // Insertion-ordered so the header lists the tensors, and each entry its
    // fields, in the order the reference implementation writes them.
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) {
        size_t bytes = 0;
        for (const auto& [key, value] : metadata)
            bytes += key.size() + value.size();
        if (const std::string error = metadata_bounds_error(metadata.size(), bytes); !error.empty())
            fail_save(error);
        header[std::string(kMetadataKey)] = metadata;
    }
    std::unordered_set<std::string> seen;
    uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        if (!tensor.defined())
            fail_save(tensor_label(name) + " is undefined");
        if (name == kMetadataKey)
            fail_save("a tensor cannot be named \"__metadata__\": the format reserves that key");
        if (!seen.insert(name).second)
            fail_save(tensor_label(name) + " appears twice");
        const bool i64 = is_integer_buffer(name);
        const uint64_t bytes =
            static_cast<uint64_t>(tensor.numel()) * (i64 ? sizeof(int64_t) : sizeof(float));
        header[name] = {{"dtype", i64 ? "I64" : "F32"},
                        {"shape", tensor.shape()},
                        {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }

    std::string json;
    try {
        json = header.dump();
    } catch (const nlohmann::json::exception&) {
        fail_save(
            "a tensor name or __metadata__ entry is not valid UTF-8, which the JSON header "
            "requires");
    }
    // Padding to a multiple of 8 keeps the data 8-byte aligned in the file, as
    // the reference implementation's writer does.
    json.append((8 - json.size() % 8) % 8, ' ');

    std::string out;
    out.reserve(8 + json.size() + offset);
    append_u64_le(out, json.size());
    out += json;
    for (const auto& [name, tensor] : tensors) {
        const auto count = static_cast<size_t>(tensor.numel());
        if (is_integer_buffer(name))
            append_i64_le(out, name, tensor.matrix().data(), count);
        else
            append_f32_le(out, tensor.matrix().data(), count);
    }
    return out;
}

// ---------------------------------------------------------------- reading

// Reads in two steps. First the header: its length is checked against the
// file size and a cap before any of it is read, and it is parsed as it is
// read, in blocks, so it is never held whole; every entry is checked, and for
// a load into a model, against the model's names and shapes. Only then is
// each tensor's range read, into storage of the size already checked. So a
// file is refused at the cost of its header at most, and a file for another
// model before any of its data is read, however large it is.
class Reader {
  public:
    struct Entry {
        std::string name;
        Shape shape;
        uint64_t begin;
        uint64_t end;
        size_t param;      // its index in the expected tensors, when they are given
        bool i64 = false;  // stored as I64 (PyTorch's num_batches_tracked), else F32
    };

    // `expected`, when given, is what the file must hold exactly (a model's
    // state_dict). Names that are not in it are dropped as the parser meets
    // them, so that they cannot grow the parsed header, and reported once the
    // header is read, with the names the file misses.
    // `keep_metadata`: the entries of "__metadata__" are kept for metadata().
    Reader(fs::path path, const nn::StateDict* expected, bool keep_metadata = false)
        : path_(std::move(path)), expected_(expected), keep_metadata_(keep_metadata) {
        if (expected_)
            for (size_t i = 0; i < expected_->size(); ++i)
                expected_index_.emplace((*expected_)[i].first, i);
    }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    ~Reader() {
        if (fd_ >= 0)
            ::close(fd_);
    }

    // Checks the whole header, reading none of the data.
    std::vector<Entry> read_header() {
        const uint64_t size = open_file();
        if (size < 8)
            fail("the file is " + std::to_string(size) +
                 " bytes long, too short for the 8-byte header length");
        unsigned char prefix[8];
        read_at(prefix, 8, 0);
        uint64_t header_len = 0;
        for (int i = 7; i >= 0; --i)
            header_len = (header_len << 8) | prefix[i];
        if (header_len > kMaxHeaderBytes)
            fail("the header length " + std::to_string(header_len) + " exceeds the limit of " +
                 std::to_string(kMaxHeaderBytes) + " bytes (is this a safetensors file?)");
        if (header_len > size - 8)
            fail("the header length " + std::to_string(header_len) + " is more than the " +
                 std::to_string(size - 8) + " bytes that follow it in the file");

        HeaderStream header(*this, header_len);
        std::istream text(&header);
        const Json root = parse_header(text);

        data_start_ = 8 + header_len;
        const uint64_t data_size = size - data_start_;
        std::vector<Entry> entries;
        entries.reserve(order_.size());
        for (const std::string& name : order_) {
            const Json& value = root.at(name);
            if (name == kMetadataKey)
                check_metadata(value);
            if (name == kMetadataKey && keep_metadata_ && value.is_object())
                for (const auto& [key, text] : value.items())
                    metadata_.emplace(key, text.get<std::string>());
            if (name != kMetadataKey)
                entries.push_back(parse_entry(name, value, data_size));
        }
        if (expected_)
            check_against_model(entries);
        check_tiling(entries, data_size);
        return entries;
    }

    // The entry's bytes, as storage of its shape (see tinynn::Matrix).
    Matrix read_storage(const Entry& e) const {
        const auto [rows, cols] = storage_dims(e.shape);
        Matrix storage;
        try {
            storage.resize(rows, cols);
        } catch (const std::bad_alloc&) {
            fail("not enough memory for " + tensor_label(e.name) + " of shape " +
                 format_shape(e.shape));
        }
        const uint64_t bytes = e.end - e.begin;
        if (e.i64) {
            // Counts: a float holds them exactly up to 2^24, beyond rounds.
            std::vector<unsigned char> raw(bytes);
            if (bytes > 0)
                read_at(raw.data(), bytes, data_start_ + e.begin);
            for (Eigen::Index i = 0; i < storage.size(); ++i) {
                uint64_t bits = 0;
                for (int b = 7; b >= 0; --b)
                    bits = (bits << 8) | raw[static_cast<size_t>(i) * 8 + static_cast<size_t>(b)];
                storage.data()[i] = static_cast<float>(static_cast<int64_t>(bits));
            }
        } else if (bytes > 0) {
            read_at(storage.data(), bytes, data_start_ + e.begin);
            if constexpr (std::endian::native == std::endian::big) {
                for (Eigen::Index i = 0; i < storage.size(); ++i) {
                    const auto bits = std::bit_cast<uint32_t>(storage.data()[i]);
                    storage.data()[i] = std::bit_cast<float>(__builtin_bswap32(bits));
                }
            }
        }
        return storage;
    }

  private:
    // The header as the parser reads it, a block at a time. A NUL byte is
    // refused where it is met: nlohmann's lexer would take it for the end of
    // the input and ignore what follows, and no valid JSON text holds one.
    // A run of whitespace between tokens reaches the parser as its first
    // character alone, which means the same JSON: the lexer keeps the
    // whitespace before a token until the token starts, so a header of 100 MB
    // of spaces would otherwise be held whole.
    class HeaderStream : public std::streambuf {
      public:
        HeaderStream(const Reader& reader, uint64_t length) : reader_(reader), left_(length) {}

      protected:
        int_type underflow() override {
            if (gptr() < egptr())
                return traits_type::to_int_type(*gptr());
            size_t kept = 0;
            while (kept == 0) {
                if (left_ == 0)
                    return traits_type::eof();
                const auto n = static_cast<size_t>(std::min<uint64_t>(left_, raw_.size()));
                reader_.read_at(raw_.data(), n, 8 + done_);
                if (const void* nul = std::memchr(raw_.data(), '\0', n))
                    reader_.fail(
                        "the header is not valid JSON: it contains a NUL byte at offset " +
                        std::to_string(done_ + static_cast<uint64_t>(static_cast<const char*>(nul) -
                                                                     raw_.data())));
                done_ += n;
                left_ -= n;
                kept = squeeze(n);
            }
            setg(block_.data(), block_.data(), block_.data() + kept);
            return traits_type::to_int_type(block_[0]);
        }

      private:
        // Copies the first n bytes of raw_ into block_, but for the second
        // and later characters of each whitespace run outside strings, and
        // returns how many it kept.
        size_t squeeze(size_t n) {
            size_t kept = 0;
            for (size_t i = 0; i < n; ++i) {
                const char c = raw_[i];
                if (in_string_) {
                    if (escaped_)
                        escaped_ = false;
                    else if (c == '\\')
                        escaped_ = true;
                    else if (c == '"')
                        in_string_ = false;
                } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    if (after_space_)
                        continue;
                    after_space_ = true;
                } else {
                    after_space_ = false;
                    in_string_ = c == '"';
                }
                block_[kept++] = c;
            }
            return kept;
        }

        const Reader& reader_;
        uint64_t done_ = 0;  // header bytes read so far
        uint64_t left_;
        bool in_string_ = false;
        bool escaped_ = false;      // after a backslash in a string
        bool after_space_ = false;  // after whitespace outside strings
        std::array<char, 64 * 1024> raw_{};
        std::array<char, 64 * 1024> block_{};
    };

    [[noreturn]] void fail(const std::string& what) const {
        throw Error("load_safetensors: " + quoted(path_) + ": " + what);
    }
    // A well-formed file that does not fit the model it is loaded into.
    [[noreturn]] void fail_model(const std::string& what) const {
        throw Error("load: " + quoted(path_) + ": " + what);
    }
    [[noreturn]] void fail_os(int err) const { fail(std::generic_category().message(err)); }

    // Opens the file and returns its size, refusing anything but a regular file.
    uint64_t open_file() {
        // O_NONBLOCK so that opening a FIFO cannot hang; fstat then refuses it.
        fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd_ < 0)
            fail_os(errno);
        struct stat st {};
        if (::fstat(fd_, &st) != 0)
            fail_os(errno);
        if (S_ISDIR(st.st_mode))
            fail("is a directory, not a safetensors file");
        if (!S_ISREG(st.st_mode))
            fail("is not a regular file");
        return static_cast<uint64_t>(st.st_size);
    }

    // Exactly `count` bytes at `offset`, which the caller has checked lie
    // inside the size fstat reported; a file that shrank since is an error.
    void read_at(void* dest, uint64_t count, uint64_t offset) const {
        auto* p = static_cast<char*>(dest);
        while (count > 0) {
            const ssize_t n = ::pread(fd_, p, count, static_cast<off_t>(offset));
            if (n < 0) {
                const int err = errno;
                if (err == EINTR)
                    continue;
                fail_os(err);
            }
            if (n == 0)
                fail("the file ended at byte " + std::to_string(offset) +
                     " while it was read (did it shrink?)");
            p += n;
            offset += static_cast<uint64_t>(n);
            count -= static_cast<uint64_t>(n);
        }
    }

    // Parses the header, refusing as early as the parser lets us what could
    // only make a hostile header expensive: duplicate names (which the JSON
    // object would otherwise silently collapse), unexpected fields, nesting
    // deeper than the format uses, and long lists. What nothing reads is
    // dropped as it is parsed: the names a model does not have and, unless
    // kept, the entries of "__metadata__", once checked.
    Json parse_header(std::istream& text) {
        std::unordered_set<std::string> names;
        std::unordered_set<std::string> fields;
        std::string tensor;
        std::string field;
        size_t list_length = 0;
        using Event = Json::parse_event_t;
        auto check = [&](int depth, Event event, Json& parsed) {
            switch (event) {
                case Event::key: {
                    const auto& key = parsed.get_ref<const std::string&>();
                    if (depth == 1) {
                        tensor = key;
                        if (expected_ && key != kMetadataKey && !expected_index_.contains(key)) {
                            if (unexpected_count_++ == 0)
                                first_unexpected_ = key;
                            return false;
                        }
                        if (!names.insert(key).second)
                            fail("the header lists " + label(key) + " twice");
                        order_.push_back(key);
                    } else if (depth == 2) {
                        if (!fields.insert(key).second)
                            fail(label(tensor) + " has the field " + brief(parsed) + " twice");
                        field = key;
                        if (tensor == kMetadataKey) {
                            if (!keep_metadata_)
                                return false;
                            metadata_bytes_ += key.size();
                            check_metadata_size(fields.size());
                            break;
                        }
                        if (key != "dtype" && key != "shape" && key != "data_offsets")
                            fail(tensor_label(tensor) + " has an unexpected field " +
                                 brief(parsed) + " (expected dtype, shape and data_offsets)");
                    }
                    break;
                }
                case Event::object_start:
                case Event::array_start:
                    if (depth == 0 && event == Event::array_start)
                        fail(
                            "the header is a JSON array; expected an object mapping names to "
                            "tensors");
                    if (depth == 1) {
                        if (event == Event::array_start)
                            fail(label(tensor) + " is an array; expected an object");
                        fields.clear();
                    }
                    if (depth == 2 && tensor == kMetadataKey)
                        fail("__metadata__ entry " + brief(Json(field)) + " is a JSON " +
                             (event == Event::array_start ? "array" : "object") +
                             "; expected a string");
                    if (depth == 2)
                        list_length = 0;
                    if (depth > 2)
                        fail(label(tensor) + ": field " + brief(Json(field)) +
                             " nests deeper than the format allows");
                    break;
                case Event::value:
                    if (depth == 0)
                        fail("the header is a JSON " + std::string(parsed.type_name()) +
                             "; expected an object mapping names to tensors");
                    if (depth == 2 && tensor == kMetadataKey && !parsed.is_string())
                        fail("__metadata__ entry " + brief(Json(field)) + " is a JSON " +
                             std::string(parsed.type_name()) + "; expected a string");
                    if (depth == 2 && tensor == kMetadataKey && keep_metadata_) {
                        metadata_bytes_ += parsed.get_ref<const std::string&>().size();
                        check_metadata_size(fields.size());
                    }
                    if (depth == 3 && ++list_length > kMaxListLength)
                        fail(label(tensor) + ": field " + brief(Json(field)) + " has more than " +
                             std::to_string(kMaxListLength) + " entries");
                    break;
                default:
                    break;
            }
            return true;
        };
        try {
            return Json::parse(text, check);
        } catch (const Json::exception& e) {
            // e.what() is "[json.exception.parse_error.101] parse error at ...":
            // the part after the bracket is what a user can act on. It quotes
            // the token read so far, which a hostile header can make huge.
            std::string why = e.what();
            if (const auto pos = why.find("] "); pos != std::string::npos)
                why = why.substr(pos + 2);
            fail("the header is not valid JSON: " + escape_text(why, kJsonMessageLength));
        }
    }

    static std::string label(const std::string& key) {
        return key == kMetadataKey ? std::string("__metadata__") : tensor_label(key);
    }

    void check_metadata_size(size_t entries) const {
        if (const std::string error = metadata_bounds_error(entries, metadata_bytes_);
            !error.empty())
            fail(error);
    }

    // Its entries were checked (and, unless kept, dropped) as the header was parsed.
    void check_metadata(const Json& value) const {
        if (!value.is_null() && !value.is_object())
            fail("__metadata__ is a JSON " + std::string(value.type_name()) +
                 "; expected an object mapping strings to strings");
    }

    Entry parse_entry(const std::string& name, const Json& value, uint64_t data_size) const {
        const std::string who = tensor_label(name);
        if (!value.is_object())
            fail(who + " is a JSON " + std::string(value.type_name()) +
                 "; expected an object with dtype, shape and data_offsets");
        for (const char* field : {"dtype", "shape", "data_offsets"})
            if (!value.contains(field))
                fail(who + " has no field \"" + field + "\"");

        const Json& dtype = value["dtype"];
        if (!dtype.is_string())
            fail(who + ": dtype is " + brief(dtype) + "; expected a string such as \"F32\"");
        const std::string& dtype_name = dtype.get_ref<const std::string&>();
        if (dtype_name != "F32" && dtype_name != "I64")
            fail(who + " has dtype " + brief(dtype) +
                 "; only F32 (32-bit float) and I64 (64-bit integer, read as float) are "
                 "supported");

        Entry e{name, {}, 0, 0, expected_ ? expected_index_.at(name) : 0, dtype_name == "I64"};
        const uint64_t element_bytes = e.i64 ? sizeof(int64_t) : sizeof(float);
        const Json& shape = value["shape"];
        if (!shape.is_array())
            fail(who + ": shape is " + brief(shape) + "; expected a list of non-negative integers");
        for (const Json& d : shape) {
            if (!d.is_number_unsigned())
                fail(who + ": shape is " + brief(shape) +
                     "; expected a list of non-negative integers");
            if (d.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
                fail(who + ": shape " + brief(shape) + " has a dim too large for tinynn (at most " +
                     std::to_string(std::numeric_limits<int64_t>::max()) + ")");
            e.shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
        }
        if (e.shape.size() > 2)
            fail(who + " has shape " + format_shape(e.shape) + " of rank " +
                 std::to_string(e.shape.size()) + "; tinynn supports ranks 0, 1 and 2");

        const Json& offsets = value["data_offsets"];
        if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
            !offsets[1].is_number_unsigned())
            fail(who + ": data_offsets is " + brief(offsets) +
                 "; expected two non-negative integers [begin, end]");
        e.begin = offsets[0].get<uint64_t>();
        e.end = offsets[1].get<uint64_t>();
        if (e.end < e.begin)
            fail(who + ": data_offsets " + format_u64_pair(e.begin, e.end) +
                 " end before they begin");

        // Checked multiplication: a hostile shape must not wrap around to a
        // byte count that happens to match its range.
        uint64_t count = 1;
        for (int64_t d : e.shape)
            if (__builtin_mul_overflow(count, static_cast<uint64_t>(d), &count))
                fail(who + ": the element count of shape " + format_shape(e.shape) +
                     " overflows 64 bits");
        uint64_t bytes = 0;
        if (__builtin_mul_overflow(count, element_bytes, &bytes))
            fail(who + ": the byte size of shape " + format_shape(e.shape) + " overflows 64 bits");
        if (e.end - e.begin != bytes)
            fail(who + " has shape " + format_shape(e.shape) + ", which needs " +
                 std::to_string(bytes) + " bytes of " + dtype_name + " data, but data_offsets " +
                 format_u64_pair(e.begin, e.end) + " span " + std::to_string(e.end - e.begin));
        if (e.end > data_size)
            fail(who + ": data_offsets " + format_u64_pair(e.begin, e.end) +
                 " reach past the end of the data, which is " + std::to_string(data_size) +
                 " bytes (is the file truncated?)");
        return e;
    }

    // As the reference implementation requires, the ranges sorted by begin
    // must tile the data exactly: no overlaps (two tensors aliasing the same
    // bytes), no holes and no trailing bytes (which would hide unchecked data).
    void check_tiling(const std::vector<Entry>& entries, uint64_t data_size) const {
        std::vector<const Entry*> sorted;
        sorted.reserve(entries.size());
        for (const Entry& e : entries)
            sorted.push_back(&e);
        std::stable_sort(sorted.begin(), sorted.end(), [](const Entry* a, const Entry* b) {
            return std::pair(a->begin, a->end) < std::pair(b->begin, b->end);
        });
        uint64_t covered = 0;
        const Entry* previous = nullptr;
        for (const Entry* e : sorted) {
            if (e->begin < covered)
                fail(tensor_label(e->name) + ": data_offsets " + format_u64_pair(e->begin, e->end) +
                     " overlap those of " + tensor_label(previous->name) + " " +
                     format_u64_pair(previous->begin, previous->end));
            if (e->begin > covered)
                fail("bytes " + format_u64_pair(covered, e->begin) +
                     " of the data belong to no tensor (a hole before " + tensor_label(e->name) +
                     ")");
            covered = e->end;
            previous = e;
        }
        if (covered != data_size)
            fail("the data is " + std::to_string(data_size) + " bytes but the tensors cover " +
                 std::to_string(covered) + " (trailing bytes after the last tensor)");
    }

    // The file must hold every tensor of the model, with its shape, and
    // nothing else. The names it has beyond the model's were dropped while
    // parsing and are reported here, beside the first name it misses.
    void check_against_model(const std::vector<Entry>& entries) const {
        std::vector<bool> found(expected_->size(), false);
        for (const Entry& e : entries)
            found[e.param] = true;
        const auto missing = static_cast<size_t>(std::count(found.begin(), found.end(), false));
        if (missing > 0) {
            const auto first =
                static_cast<size_t>(std::find(found.begin(), found.end(), false) - found.begin());
            const auto& [name, param] = (*expected_)[first];
            std::string what = "the model's " + tensor_label(name) + " (shape " +
                               format_shape(param.shape()) + ") is missing";
            if (missing > 1)
                what += ", as are " + std::to_string(missing - 1) + " more of its tensors";
            if (unexpected_count_ > 0)
                what += "; the file has instead " + unexpected_names();
            fail_model(what);
        }
        if (unexpected_count_ > 0)
            fail_model("the file has " + unexpected_names() + ", which the model does not have (" +
                       model_names() + ")");
        for (const Entry& e : entries) {
            const Shape& want = (*expected_)[e.param].second.shape();
            if (e.shape != want)
                fail_model(tensor_label(e.name) + " has shape " + format_shape(e.shape) +
                           " but the model expects " + format_shape(want));
        }
    }

    std::string unexpected_names() const {
        std::string s = tensor_label(first_unexpected_);
        if (unexpected_count_ > 1)
            s += " and " + std::to_string(unexpected_count_ - 1) + " other tensors";
        return s;
    }

    // The model's tensor names for a message, the first few of them.
    std::string model_names() const {
        constexpr size_t kShown = 6;
        std::string s = "its tensors are ";
        for (size_t i = 0; i < std::min(kShown, expected_->size()); ++i)
            s += (i > 0 ? ", " : "") + escape_text((*expected_)[i].first, kNameLength);
        if (expected_->empty())
            s = "it has no tensors";
        else if (expected_->size() > kShown)
            s += ", ... (" + std::to_string(expected_->size()) + " in all)";
        return s;
    }

  public:
    const SafetensorsMetadata& metadata() const { return metadata_; }

  private:
    fs::path path_;
    const nn::StateDict* expected_;
    bool keep_metadata_;
    SafetensorsMetadata metadata_;
    size_t metadata_bytes_ = 0;  // keys and values kept so far
    std::unordered_map<std::string, size_t> expected_index_;
    int fd_ = -1;
    uint64_t data_start_ = 0;
    std::vector<std::string> order_;  // the header's kept keys, in the file's order
    size_t unexpected_count_ = 0;     // names the model does not have
    std::string first_unexpected_;
};

}  // namespace

std::string detail::encode_safetensors(const nn::StateDict& tensors,
                                       const SafetensorsMetadata& metadata) {
    return encode(tensors, metadata);
}

void save_safetensors(const nn::StateDict& tensors, const std::filesystem::path& path,
                      const SafetensorsMetadata& metadata) {
    const std::string bytes = encode(tensors, metadata);
    try {
        detail::write_file_atomically(path, bytes);
    } catch (const Error& e) {
        throw Error(std::string("save_safetensors: ") + e.what());
    }
}

void save(const nn::Module& module, const std::filesystem::path& path,
          const SafetensorsMetadata& metadata) {
    save_safetensors(module.state_dict(), path, metadata);
}

SafetensorsMetadata load_safetensors_metadata(const std::filesystem::path& path) {
    Reader reader(path, nullptr, /*keep_metadata=*/true);
    reader.read_header();
    return reader.metadata();
}

nn::StateDict load_safetensors(const std::filesystem::path& path) {
    Reader reader(path, nullptr);
    const std::vector<Reader::Entry> entries = reader.read_header();
    nn::StateDict out;
    out.reserve(entries.size());
    for (const Reader::Entry& e : entries)
        out.emplace_back(e.name, Tensor::from_matrix(reader.read_storage(e), e.shape));
    return out;
}

void load(nn::Module& module, const std::filesystem::path& path) {
    const nn::StateDict params = module.state_dict();
    Reader reader(path, &params);
    const std::vector<Reader::Entry> entries = reader.read_header();
    // Every tensor is read before any is copied in, so that a read failing
    // part-way (the file shrank, an I/O error) leaves the module as it was.
    // The header check has bounded this copy by the model's own size.
    std::vector<Matrix> staged;
    staged.reserve(entries.size());
    for (const Reader::Entry& e : entries)
        staged.push_back(reader.read_storage(e));
    for (size_t i = 0; i < entries.size(); ++i) {
        Tensor target = params[entries[i].param].second;
        target.matrix() = staged[i];
    }
}

}  // namespace tinynn
