#include "tinynn/serialize.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"

namespace tinynn {
namespace {

namespace fs = std::filesystem;
// Not ordered_json: its linear-time key lookup makes a hostile header with
// millions of names quadratic. The header's order is recorded separately.
using Json = nlohmann::json;

// The reference implementation's limit: a larger header is refused before any
// of it is parsed.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// Lists in a tensor entry hold at most 2 numbers; the cap only has to be small
// enough that a hostile header cannot make the parser build huge arrays, and
// large enough that the error for a rank-3 shape can say which rank it found.
constexpr size_t kMaxListLength = 16;
constexpr std::string_view kMetadataKey = "__metadata__";

std::string quoted(const fs::path& path) {
    return "\"" + path.string() + "\"";
}

// A JSON value for an error message: escaped, so control bytes in a hostile
// file cannot garble the one-line error, and cut short.
std::string brief(const Json& value) {
    std::string s = value.dump(-1, ' ', false, Json::error_handler_t::replace);
    constexpr size_t kMax = 60;
    if (s.size() > kMax)
        s = s.substr(0, kMax) + "...";
    return s;
}

std::string tensor_label(const std::string& name) {
    return "tensor " + brief(Json(name));
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

std::string encode(const nn::StateDict& tensors) {
    // Insertion-ordered so the header lists the tensors, and each entry its
    // fields, in the order the reference implementation writes them.
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    std::unordered_set<std::string> seen;
    uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        if (!tensor.defined())
            fail_save(tensor_label(name) + " is undefined");
        if (name == kMetadataKey)
            fail_save("a tensor cannot be named \"__metadata__\": the format reserves that key");
        if (!seen.insert(name).second)
            fail_save(tensor_label(name) + " appears twice");
        const uint64_t bytes = static_cast<uint64_t>(tensor.numel()) * sizeof(float);
        header[name] = {{"dtype", "F32"},
                        {"shape", tensor.shape()},
                        {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }

    std::string json;
    try {
        json = header.dump();
    } catch (const nlohmann::json::exception&) {
        fail_save("a tensor name is not valid UTF-8, which the JSON header requires");
    }
    // Padding to a multiple of 8 keeps the data 8-byte aligned in the file, as
    // the reference implementation's writer does.
    json.append((8 - json.size() % 8) % 8, ' ');

    std::string out;
    out.reserve(8 + json.size() + offset);
    append_u64_le(out, json.size());
    out += json;
    for (const auto& [name, tensor] : tensors)
        append_f32_le(out, tensor.matrix().data(), static_cast<size_t>(tensor.numel()));
    return out;
}

// ---------------------------------------------------------------- reading

// Reads in two steps: the header, whose length is checked against the file
// size and a cap before anything is allocated, is validated in full; only then
// is each tensor's range read straight into its storage. So a hostile file
// costs at most its header to refuse, and a valid one is held in memory once.
class Reader {
  public:
    explicit Reader(fs::path path) : path_(std::move(path)) {}
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    ~Reader() {
        if (fd_ >= 0)
            ::close(fd_);
    }

    nn::StateDict read() {
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

        std::string text(header_len, '\0');
        read_at(text.data(), header_len, 8);
        const Json root = parse_header(text);

        const uint64_t data_start = 8 + header_len;
        const uint64_t data_size = size - data_start;
        std::vector<Entry> entries;
        entries.reserve(order_.size());
        for (const std::string& name : order_) {
            const Json& value = root.at(name);
            if (name == kMetadataKey)
                check_metadata(value);
            else
                entries.push_back(parse_entry(name, value, data_size));
        }
        check_tiling(entries, data_size);

        nn::StateDict out;
        out.reserve(entries.size());
        for (const Entry& e : entries)
            out.emplace_back(e.name, read_tensor(e, data_start));
        return out;
    }

  private:
    struct Entry {
        std::string name;
        Shape shape;
        uint64_t begin;
        uint64_t end;
    };

    [[noreturn]] void fail(const std::string& what) const {
        throw Error("load_safetensors: " + quoted(path_) + ": " + what);
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
    // deeper than the format uses, and long lists.
    Json parse_header(std::string_view text) {
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
                        if (!names.insert(key).second)
                            fail("the header lists " + label(key) + " twice");
                        order_.push_back(key);
                        tensor = key;
                    } else if (depth == 2) {
                        if (!fields.insert(key).second)
                            fail(label(tensor) + " has the field " + brief(parsed) + " twice");
                        if (tensor != kMetadataKey && key != "dtype" && key != "shape" &&
                            key != "data_offsets")
                            fail(tensor_label(tensor) + " has an unexpected field " +
                                 brief(parsed) + " (expected dtype, shape and data_offsets)");
                        field = key;
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
                    if (depth == 3 && ++list_length > kMaxListLength)
                        fail(label(tensor) + ": field " + brief(Json(field)) + " has more than " +
                             std::to_string(kMaxListLength) + " entries");
                    break;
                default:
                    break;
            }
            return true;
        };
        // nlohmann's lexer takes a NUL byte for the end of the input and would
        // ignore whatever follows it; no valid JSON text contains one.
        if (const auto nul = text.find('\0'); nul != std::string_view::npos)
            fail("the header is not valid JSON: it contains a NUL byte at offset " +
                 std::to_string(nul));
        try {
            return Json::parse(text.begin(), text.end(), check);
        } catch (const Json::exception& e) {
            // e.what() is "[json.exception.parse_error.101] parse error at ...":
            // the part after the bracket is what a user can act on.
            std::string why = e.what();
            if (const auto pos = why.find("] "); pos != std::string::npos)
                why = why.substr(pos + 2);
            fail("the header is not valid JSON: " + why);
        }
    }

    static std::string label(const std::string& key) {
        return key == kMetadataKey ? std::string("__metadata__") : tensor_label(key);
    }

    void check_metadata(const Json& value) const {
        if (value.is_null())
            return;
        if (!value.is_object())
            fail("__metadata__ is a JSON " + std::string(value.type_name()) +
                 "; expected an object mapping strings to strings");
        for (const auto& [key, v] : value.items())
            if (!v.is_string())
                fail("__metadata__ entry " + brief(Json(key)) + " is a JSON " +
                     std::string(v.type_name()) + "; expected a string");
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
        if (dtype.get_ref<const std::string&>() != "F32")
            fail(who + " has dtype " + brief(dtype) + "; only F32 (32-bit float) is supported");

        Entry e{name, {}, 0, 0};
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
        if (__builtin_mul_overflow(count, uint64_t{sizeof(float)}, &bytes))
            fail(who + ": the byte size of shape " + format_shape(e.shape) + " overflows 64 bits");
        if (e.end - e.begin != bytes)
            fail(who + " has shape " + format_shape(e.shape) + ", which needs " +
                 std::to_string(bytes) + " bytes of F32 data, but data_offsets " +
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

    Tensor read_tensor(const Entry& e, uint64_t data_start) const {
        const auto [rows, cols] = storage_dims(e.shape);
        Matrix storage;
        try {
            storage.resize(rows, cols);
        } catch (const std::bad_alloc&) {
            fail("not enough memory for " + tensor_label(e.name) + " of shape " +
                 format_shape(e.shape));
        }
        const uint64_t bytes = e.end - e.begin;
        if (bytes > 0) {
            read_at(storage.data(), bytes, data_start + e.begin);
            if constexpr (std::endian::native == std::endian::big) {
                for (Eigen::Index i = 0; i < storage.size(); ++i) {
                    const auto bits = std::bit_cast<uint32_t>(storage.data()[i]);
                    storage.data()[i] = std::bit_cast<float>(__builtin_bswap32(bits));
                }
            }
        }
        return Tensor::from_matrix(std::move(storage), e.shape);
    }

    fs::path path_;
    int fd_ = -1;
    std::vector<std::string> order_;  // the header's keys, in the file's order
};

}  // namespace

void save_safetensors(const nn::StateDict& tensors, const std::filesystem::path& path) {
    const std::string bytes = encode(tensors);
    try {
        detail::write_file_atomically(path, bytes);
    } catch (const Error& e) {
        throw Error(std::string("save_safetensors: ") + e.what());
    }
}

void save(const nn::Module& module, const std::filesystem::path& path) {
    save_safetensors(module.state_dict(), path);
}

nn::StateDict load_safetensors(const std::filesystem::path& path) {
    return Reader(path).read();
}

void load(nn::Module& module, const std::filesystem::path& path) {
    const nn::StateDict state = load_safetensors(path);
    try {
        module.load_state_dict(state, /*strict=*/true);
    } catch (const Error& e) {
        throw Error("load: " + quoted(path) + ": " + e.what());
    }
}

}  // namespace tinynn
