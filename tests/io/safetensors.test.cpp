// safetensors weights I/O: the exact bytes written, round trips, the atomic
// write, and a reader that refuses every malformed file with tinynn::Error.

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <typeinfo>
#include <vector>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/approx.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using tinynn::Error;
using tinynn::Shape;
using tinynn::Tensor;
using tinynn::nn::StateDict;

namespace {

// A fresh directory per test, removed afterwards, so tests can list it to see
// that nothing was left behind.
class TempDir {
  public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ = fs::temp_directory_path() /
                ("tinynn-io-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& name) const { return path_ / name; }
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(path_))
            names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

  private:
    fs::path path_;
};

void write_bytes(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out.good());
}

std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string u64_le(uint64_t v) {
    std::string s;
    for (int i = 0; i < 8; ++i)
        s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return s;
}

std::string f32_le(std::initializer_list<float> values) {
    std::string s;
    for (float f : values) {
        const auto bits = std::bit_cast<uint32_t>(f);
        for (int i = 0; i < 4; ++i)
            s.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
    }
    return s;
}

// A file from a hand-written header: how the malformed cases are built.
std::string file_with(const std::string& header, const std::string& data) {
    return u64_le(header.size()) + header + data;
}

// Two tensors are the same when shapes and every bit of every value agree
// (so NaN payloads, -0.0 and denormals must survive).
void check_bitwise_equal(const Tensor& got, const Tensor& want) {
    REQUIRE(got.defined());
    REQUIRE(got.shape() == want.shape());
    const std::vector<float> a = got.to_vector();
    const std::vector<float> b = want.to_vector();
    REQUIRE(a.size() == b.size());
    size_t differing = 0;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::bit_cast<uint32_t>(a[i]) != std::bit_cast<uint32_t>(b[i])) {
            if (differing++ < 5)
                UNSCOPED_INFO("element " << i << ": got " << a[i] << ", want " << b[i]);
        }
    CHECK(differing == 0);
}

// Writes `bytes`, then requires load_safetensors to throw tinynn::Error whose
// message names the file and contains every one of `needles`.
void check_rejected(const std::string& bytes, std::initializer_list<std::string> needles) {
    TempDir dir;
    const fs::path path = dir / "bad.safetensors";
    write_bytes(path, bytes);
    REQUIRE_THROWS_AS(tinynn::load_safetensors(path), Error);
    try {
        tinynn::load_safetensors(path);
    } catch (const Error& e) {
        const std::string msg = e.what();
        INFO("message: " << msg);
        CHECK_THAT(msg, Contains(path.string()));
        for (const std::string& needle : needles)
            CHECK_THAT(msg, Contains(needle));
    }
}

const std::string kOneTensor = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";

}  // namespace

TEST_CASE("save_safetensors writes the exact safetensors layout", "[io][safetensors]") {
    TempDir dir;
    const fs::path path = dir / "small.safetensors";
    tinynn::save_safetensors(
        {{"a.weight", Tensor({1.0f, -2.0f}, {1, 2})}, {"a.bias", Tensor({0.5f})}}, path);

    // Header: compact JSON, tensors in the order given, fields in the
    // reference's order, padded with spaces to 128 = 16 * 8 bytes.
    const std::string header = R"({"a.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},)"
                               R"("a.bias":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})"
                               "      ";
    REQUIRE(header.size() == 128);
    const std::string want = std::string("\x80\0\0\0\0\0\0\0", 8) + header +
                             std::string(
                                 "\x00\x00\x80\x3f"   // 1.0f
                                 "\x00\x00\x00\xc0"   // -2.0f
                                 "\x00\x00\x00\x3f",  // 0.5f
                                 12);
    const std::string got = read_bytes(path);
    CHECK(got.size() == 148);
    CHECK(got == want);
}

TEST_CASE("save_safetensors pads the header to a multiple of 8", "[io][safetensors]") {
    TempDir dir;
    for (const std::string name :
         {"a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh"}) {
        const fs::path path = dir / "p.safetensors";
        tinynn::save_safetensors({{name, Tensor({1.0f})}}, path);
        const std::string bytes = read_bytes(path);
        REQUIRE(bytes.size() >= 8);
        uint64_t n = 0;
        for (int i = 7; i >= 0; --i)
            n = (n << 8) | static_cast<unsigned char>(bytes[i]);
        CHECK(n % 8 == 0);
        CHECK(bytes.size() == 8 + n + 4);
        CHECK(tinynn::load_safetensors(path).at(0).first == name);
    }
}

TEST_CASE("safetensors round trip of a StateDict is bitwise exact", "[io][safetensors]") {
    TempDir dir;
    const fs::path path = dir / "state.safetensors";
    const float nan_payload = std::bit_cast<float>(0x7fc01234u);
    const StateDict state = {
        {"scalar", tinynn::full({}, 3.25f)},
        {"vector", Tensor({-0.0f, 1e-45f, nan_payload})},
        {"matrix",
         Tensor({1.0f, 2.0f, 3.0f, -4.0f, 5.5f, std::numeric_limits<float>::infinity()}, {2, 3})},
        {"empty", tinynn::zeros({0})},
        {"empty_matrix", tinynn::zeros({2, 0})},
        {"random", tinynn::randn({7, 5})},
    };
    tinynn::save_safetensors(state, path);
    const StateDict loaded = tinynn::load_safetensors(path);
    REQUIRE(loaded.size() == state.size());
    for (size_t i = 0; i < state.size(); ++i) {
        INFO("tensor " << state[i].first);
        CHECK(loaded[i].first == state[i].first);  // the file's order
        check_bitwise_equal(loaded[i].second, state[i].second);
    }
}

TEST_CASE("safetensors round trip of an empty StateDict", "[io][safetensors]") {
    TempDir dir;
    const fs::path path = dir / "empty.safetensors";
    tinynn::save_safetensors({}, path);
    CHECK(read_bytes(path) == u64_le(8) + "{}      ");
    CHECK(tinynn::load_safetensors(path).empty());
}

TEST_CASE("save and load a Sequential model", "[io][safetensors]") {
    using namespace tinynn;
    TempDir dir;
    const fs::path path = dir / "model.safetensors";

    manual_seed(1);
    nn::Sequential saved(nn::Linear(2, 3), nn::Tanh(), nn::Linear(3, 1), nn::Sigmoid());
    save(saved, path);

    // The names and shapes torch.nn.Sequential's state_dict uses.
    const StateDict file = load_safetensors(path);
    REQUIRE(file.size() == 4);
    CHECK(file[0].first == "0.weight");
    CHECK(file[0].second.shape() == Shape{3, 2});
    CHECK(file[1].first == "0.bias");
    CHECK(file[1].second.shape() == Shape{3});
    CHECK(file[2].first == "2.weight");
    CHECK(file[2].second.shape() == Shape{1, 3});
    CHECK(file[3].first == "2.bias");
    CHECK(file[3].second.shape() == Shape{1});

    manual_seed(2);
    nn::Sequential fresh(nn::Linear(2, 3), nn::Tanh(), nn::Linear(3, 1), nn::Sigmoid());
    const StateDict before = fresh.named_parameters();
    REQUIRE(before[0].second.to_vector() != saved.named_parameters()[0].second.to_vector());

    load(fresh, path);
    const StateDict want = saved.named_parameters();
    const StateDict got = fresh.named_parameters();
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        INFO("parameter " << want[i].first);
        check_bitwise_equal(got[i].second, want[i].second);
    }
    // Loading writes into the parameters themselves, so handles taken before
    // (an optimiser's, say) see the new values.
    check_bitwise_equal(before[0].second, want[0].second);

    const Tensor x = randn({4, 2});
    check_bitwise_equal(fresh(x), saved(x));
}

TEST_CASE("save replaces an existing file atomically", "[io][safetensors]") {
    TempDir dir;
    const fs::path path = dir / "model.safetensors";
    write_bytes(path, "not a safetensors file, about to be replaced");

    tinynn::save_safetensors({{"w", Tensor({1.0f, 2.0f})}}, path);
    const StateDict loaded = tinynn::load_safetensors(path);
    REQUIRE(loaded.size() == 1);
    check_bitwise_equal(loaded[0].second, Tensor({1.0f, 2.0f}));
    // No temporary file survives beside it.
    CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});

    tinynn::save_safetensors({{"w", Tensor({3.0f})}}, path);
    check_bitwise_equal(tinynn::load_safetensors(path).at(0).second, Tensor({3.0f}));
    CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});
}

TEST_CASE("save into a missing directory throws and leaves nothing behind", "[io][safetensors]") {
    TempDir dir;
    const fs::path path = dir / "missing" / "model.safetensors";
    REQUIRE_THROWS_AS(tinynn::save_safetensors({{"w", Tensor({1.0f})}}, path), Error);
    REQUIRE_THROWS_WITH(tinynn::save_safetensors({{"w", Tensor({1.0f})}}, path),
                        Contains(path.string()) && Contains("No such file or directory"));
    CHECK(dir.entries().empty());
}

TEST_CASE("save over a directory throws and removes its temporary file", "[io][safetensors]") {
    // Here the temporary is created and written, and only the rename fails.
    TempDir dir;
    const fs::path path = dir / "taken";
    fs::create_directory(path);
    REQUIRE_THROWS_WITH(tinynn::save_safetensors({{"w", Tensor({1.0f})}}, path),
                        Contains(path.string()) && Contains("renaming"));
    CHECK(dir.entries() == std::vector<std::string>{"taken"});
    CHECK(fs::is_empty(path));
}

TEST_CASE("save_safetensors refuses state it cannot write", "[io][safetensors]") {
    TempDir dir;
    const fs::path path = dir / "m.safetensors";
    CHECK_THROWS_WITH(
        tinynn::save_safetensors({{"w", Tensor({1.0f})}, {"w", Tensor({2.0f})}}, path),
        Contains("\"w\"") && Contains("twice"));
    CHECK_THROWS_WITH(tinynn::save_safetensors({{"__metadata__", Tensor({1.0f})}}, path),
                      Contains("__metadata__"));
    CHECK_THROWS_WITH(tinynn::save_safetensors({{"w", Tensor()}}, path), Contains("undefined"));
    CHECK_THROWS_WITH(tinynn::save_safetensors({{"bad\xff", Tensor({1.0f})}}, path),
                      Contains("UTF-8"));
    CHECK(dir.entries().empty());
}

TEST_CASE("load_safetensors accepts what the format allows", "[io][safetensors]") {
    TempDir dir;
    const fs::path path = dir / "ok.safetensors";

    SECTION("metadata, unpadded header, other key order") {
        write_bytes(path, file_with(R"({"__metadata__":{"format":"pt"},"b":{"shape":[1],)"
                                    R"("data_offsets":[4,8],"dtype":"F32"},)"
                                    R"("a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})",
                                    f32_le({1.5f, -2.5f})));
        const StateDict s = tinynn::load_safetensors(path);
        REQUIRE(s.size() == 2);
        CHECK(s[0].first == "b");  // the header's order
        check_bitwise_equal(s[0].second, Tensor({-2.5f}));
        CHECK(s[1].first == "a");
        check_bitwise_equal(s[1].second, tinynn::full({}, 1.5f));
    }
    SECTION("empty tensors sharing an offset, and whitespace around the JSON") {
        write_bytes(path, file_with(R"(  {"e1":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
                                    R"( "e2":{"dtype":"F32","shape":[3,0],"data_offsets":[4,4]},)"
                                    R"( "v":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]}}  )"
                                    "\n\t ",
                                    f32_le({7.0f})));
        const StateDict s = tinynn::load_safetensors(path);
        REQUIRE(s.size() == 3);
        CHECK(s[0].second.shape() == Shape{0});
        CHECK(s[1].second.shape() == Shape{3, 0});
        check_bitwise_equal(s[2].second, Tensor({7.0f}, {1, 1}));
    }
    SECTION("null metadata") {
        write_bytes(path, file_with(R"({"__metadata__":null})", ""));
        CHECK(tinynn::load_safetensors(path).empty());
    }
}

TEST_CASE("load_safetensors refuses malformed files", "[io][safetensors]") {
    const std::string two_floats = f32_le({1.0f, 2.0f});

    SECTION("missing file, a directory") {
        TempDir dir;
        const fs::path missing = dir / "nope.safetensors";
        REQUIRE_THROWS_AS(tinynn::load_safetensors(missing), Error);
        REQUIRE_THROWS_WITH(tinynn::load_safetensors(missing),
                            Contains(missing.string()) && Contains("No such file"));
        REQUIRE_THROWS_AS(tinynn::load_safetensors(dir.path()), Error);
        REQUIRE_THROWS_WITH(tinynn::load_safetensors(dir.path()),
                            Contains(dir.path().string()) && Contains("directory"));
    }
    SECTION("not a regular file") {
        TempDir dir;
        const fs::path fifo = dir / "fifo.safetensors";
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        // Must not block waiting for a writer.
        REQUIRE_THROWS_WITH(tinynn::load_safetensors(fifo),
                            Contains(fifo.string()) && Contains("not a regular file"));
    }
    SECTION("empty file") {
        check_rejected("", {"0 bytes", "too short"});
    }
    SECTION("truncated length prefix") {
        check_rejected(std::string("\x10\0\0\0\0", 5), {"5 bytes", "too short"});
    }
    SECTION("header length beyond the file") {
        check_rejected(u64_le(100) + "{}", {"100", "2 bytes"});
    }
    SECTION("header length huge") {
        check_rejected(u64_le(uint64_t{1} << 63) + "{}", {"9223372036854775808", "limit"});
        check_rejected(u64_le(~uint64_t{0}) + "{}", {"18446744073709551615", "limit"});
    }
    SECTION("bad JSON") {
        check_rejected(file_with(R"({"x": )", ""), {"not valid JSON"});
        check_rejected(file_with(R"({"x":1} junk)", ""), {"not valid JSON"});
        check_rejected(file_with(std::string("{}\0\0", 4), ""), {"not valid JSON"});
        check_rejected(file_with("{\"\xff\":1}", ""), {"not valid JSON"});
    }
    SECTION("JSON that is not an object") {
        check_rejected(file_with("[1, 2]", ""), {"array", "expected an object"});
        check_rejected(file_with("42", ""), {"number", "expected an object"});
    }
    SECTION("entry that is not an object") {
        check_rejected(file_with(R"({"x":5})", ""), {"\"x\"", "expected an object"});
        check_rejected(file_with(R"({"x":[0,4]})", ""), {"\"x\"", "expected an object"});
    }
    SECTION("unknown dtype") {
        check_rejected(
            file_with(R"({"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", "abcd"),
            {"\"x\"", "F16", "only F32"});
        // I64 is read (BatchNorm's count), at 8 bytes an element.
        check_rejected(
            file_with(R"({"x":{"dtype":"I64","shape":[1],"data_offsets":[0,4]}})", "abcd"),
            {"\"x\"", "8 bytes of I64 data"});
        check_rejected(file_with(R"({"x":{"dtype":32,"shape":[1],"data_offsets":[0,4]}})", "abcd"),
                       {"dtype", "32"});
    }
    SECTION("missing or extra fields") {
        check_rejected(file_with(R"({"x":{"dtype":"F32","shape":[2]}})", two_floats),
                       {"\"x\"", "data_offsets"});
        check_rejected(file_with(R"({"x":{"dtype":"F32","data_offsets":[0,8]}})", two_floats),
                       {"\"x\"", "shape"});
        check_rejected(file_with(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"y":1}})",
                                 two_floats),
                       {"\"x\"", "unexpected field", "\"y\""});
        check_rejected(
            file_with(R"({"x":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                      two_floats),
            {"dtype", "twice"});
    }
    SECTION("duplicate tensor names") {
        check_rejected(file_with(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                 R"("x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                 two_floats),
                       {"\"x\"", "twice"});
    }
    SECTION("data_offsets out of range") {
        check_rejected(file_with(kOneTensor, f32_le({1.0f})),
                       {"[0, 8]", "past the end", "4 bytes"});
    }
    SECTION("data_offsets end before begin") {
        check_rejected(
            file_with(R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", two_floats),
            {"[8, 4]", "end before"});
    }
    SECTION("data_offsets not two non-negative integers") {
        for (const char* offsets : {"[0]", "[0,8,8]", "[-4,4]", "[0,8.0]", "\"0-8\"", "null"}) {
            check_rejected(
                file_with(std::string(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":)") +
                              offsets + "}}",
                          two_floats),
                {"data_offsets", "two non-negative integers"});
        }
    }
    SECTION("overlapping data_offsets") {
        check_rejected(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                 R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                 f32_le({1, 2, 3})),
                       {"overlap", "\"a\"", "\"b\""});
        // The same bytes claimed twice.
        check_rejected(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                 R"("b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                 two_floats),
                       {"overlap"});
    }
    SECTION("a hole between tensors, or bytes after them") {
        check_rejected(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                 R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                                 f32_le({1, 2, 3})),
                       {"[4, 8]", "no tensor", "\"b\""});
        check_rejected(
            file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", two_floats),
            {"[0, 4]", "no tensor"});
        check_rejected(
            file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", two_floats),
            {"8 bytes", "cover 4", "trailing"});
    }
    SECTION("shape and byte range disagree") {
        check_rejected(
            file_with(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", two_floats),
            {"\"x\"", "[3]", "12 bytes", "[0, 8]"});
    }
    SECTION("rank-3 shape") {
        check_rejected(
            file_with(R"({"x":{"dtype":"F32","shape":[1,1,2],"data_offsets":[0,8]}})", two_floats),
            {"[1, 1, 2]", "rank 3", "ranks 0, 1 and 2"});
    }
    SECTION("shape not a list of non-negative integers") {
        for (const char* shape :
             {"[-2]", "[2.0]", "[\"2\"]", "2", "[true]", "[null]", "[99999999999999999999999]"}) {
            check_rejected(file_with(std::string(R"({"x":{"dtype":"F32","shape":)") + shape +
                                         R"(,"data_offsets":[0,8]}})",
                                     two_floats),
                           {"\"x\"", "shape", "non-negative integers"});
        }
    }
    SECTION("a dim beyond int64") {
        check_rejected(file_with(R"({"x":{"dtype":"F32","shape":[18446744073709551615,0],)"
                                 R"("data_offsets":[0,0]}})",
                                 ""),
                       {"\"x\"", "too large"});
    }
    SECTION("dims whose product overflows") {
        // 2^32 * 2^32 = 2^64 elements.
        check_rejected(file_with(R"({"x":{"dtype":"F32","shape":[4294967296,4294967296],)"
                                 R"("data_offsets":[0,0]}})",
                                 ""),
                       {"overflows"});
        // 2^62 elements fit, their 2^64 bytes do not; without the check the
        // byte count would wrap to 0 and match the empty range.
        check_rejected(file_with(R"({"x":{"dtype":"F32","shape":[4611686018427387904],)"
                                 R"("data_offsets":[0,0]}})",
                                 ""),
                       {"overflows"});
        check_rejected(file_with(R"({"x":{"dtype":"F32","shape":[2147483648,2147483648],)"
                                 R"("data_offsets":[0,0]}})",
                                 ""),
                       {"overflows"});
    }
    SECTION("truncated data") {
        TempDir dir;
        const fs::path good = dir / "good.safetensors";
        tinynn::save_safetensors({{"a", Tensor({1, 2, 3})}, {"b", Tensor({4, 5})}}, good);
        const std::string bytes = read_bytes(good);
        check_rejected(bytes.substr(0, bytes.size() - 1), {"\"b\"", "past the end", "truncated"});
        check_rejected(bytes.substr(0, bytes.size() - 8), {"\"b\"", "past the end"});
    }
    SECTION("hostile nesting and long lists") {
        check_rejected(
            file_with(R"({"x":{"dtype":"F32","shape":[[[[[[1]]]]]],"data_offsets":[0,4]}})",
                      "abcd"),
            {"\"x\"", "shape", "deeper"});
        check_rejected(file_with(std::string(10000, '[') + std::string(10000, ']'), ""), {"array"});
        std::string deep = "{\"x\":{\"dtype\":";
        for (int i = 0; i < 10000; ++i)
            deep += "{\"a\":";
        check_rejected(file_with(deep, ""), {"\"x\"", "deeper"});
        std::string long_shape = "[1";
        for (int i = 0; i < 1000; ++i)
            long_shape += ",1";
        long_shape += "]";
        check_rejected(
            file_with(R"({"x":{"dtype":"F32","shape":)" + long_shape + R"(,"data_offsets":[0,4]}})",
                      "abcd"),
            {"\"x\"", "shape", "more than 16"});
    }
    SECTION("bad __metadata__") {
        check_rejected(file_with(R"({"__metadata__":{"format":1}})", ""),
                       {"__metadata__", "\"format\"", "expected a string"});
        check_rejected(file_with(R"({"__metadata__":"pt"})", ""),
                       {"__metadata__", "expected an object"});
    }
}

TEST_CASE("load refuses files that do not match the module", "[io][safetensors]") {
    using namespace tinynn;
    TempDir dir;
    const fs::path path = dir / "m.safetensors";
    nn::Sequential model(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1));
    const StateDict before = model.named_parameters();
    std::vector<std::vector<float>> values;
    for (const auto& [name, p] : before)
        values.push_back(p.to_vector());
    auto check_unchanged = [&] {
        const StateDict now = model.named_parameters();
        for (size_t i = 0; i < now.size(); ++i)
            CHECK(now[i].second.to_vector() == values[i]);
    };

    SECTION("an unexpected name") {
        StateDict state =
            nn::Sequential(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1)).named_parameters();
        state.emplace_back("4.weight", zeros({1, 1}));
        save_safetensors(state, path);
        REQUIRE_THROWS_AS(load(model, path), Error);
        REQUIRE_THROWS_WITH(load(model, path), Contains(path.string()) && Contains("4.weight"));
        check_unchanged();
    }
    SECTION("a missing name") {
        StateDict state =
            nn::Sequential(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1)).named_parameters();
        state.pop_back();
        save_safetensors(state, path);
        REQUIRE_THROWS_AS(load(model, path), Error);
        REQUIRE_THROWS_WITH(load(model, path), Contains(path.string()) && Contains("2.bias"));
        check_unchanged();
    }
    SECTION("names of another architecture") {
        save(nn::Sequential(nn::Linear(2, 3), nn::Linear(3, 1)), path);  // "1.weight", not "2."
        REQUIRE_THROWS_AS(load(model, path), Error);
        REQUIRE_THROWS_WITH(load(model, path), Contains(path.string()) && Contains("2.weight"));
        check_unchanged();
    }
    SECTION("a shape mismatch names both shapes") {
        save(nn::Sequential(nn::Linear(2, 4), nn::ReLU(), nn::Linear(4, 1)), path);
        REQUIRE_THROWS_AS(load(model, path), Error);
        REQUIRE_THROWS_WITH(load(model, path), Contains(path.string()) && Contains("0.weight") &&
                                                   Contains("[4, 2]") && Contains("[3, 2]"));
        check_unchanged();
    }
    SECTION("a malformed file leaves the module alone") {
        write_bytes(path, "garbage!");
        REQUIRE_THROWS_AS(load(model, path), Error);
        check_unchanged();
    }
}

namespace {

// How much this process's peak resident set grows while it lives. Writing 5
// to /proc/self/clear_refs resets the peak to the current size first, so the
// growth is measured from here even after an earlier test took more; where
// that is not allowed the growth above the earlier peak is still a bound.
class PeakGrowth {
  public:
    PeakGrowth() {
        std::ofstream("/proc/self/clear_refs") << "5";
        start_kib_ = peak_kib();
    }
    long mib() const { return (peak_kib() - start_kib_) / 1024; }

  private:
    static long peak_kib() {
        rusage usage{};
        ::getrusage(RUSAGE_SELF, &usage);
        return usage.ru_maxrss;
    }
    long start_kib_ = 0;
};

// A file of `header` and then `data_bytes` of data, sparse: ftruncate makes
// the data, so a file of gigabytes costs no disk and no time to write.
void write_sparse(const fs::path& path, const std::string& header, uint64_t data_bytes) {
    write_bytes(path, file_with(header, ""));
    REQUIRE(::truncate(path.c_str(), static_cast<off_t>(8 + header.size() + data_bytes)) == 0);
}

std::string entry(const std::string& name, const std::string& shape, uint64_t begin, uint64_t end) {
    return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" +
           std::to_string(begin) + "," + std::to_string(end) + "]}";
}

// A header: the entries as one JSON object. Appended piecewise: GCC 12
// misreports "{" + a temporary (-Wrestrict).
std::string object(std::initializer_list<std::string> entries) {
    std::string s = "{";
    for (const std::string& e : entries) {
        if (s.size() > 1)
            s += ",";
        s += e;
    }
    return s + "}";
}

bool has_control_bytes(const std::string& s) {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

TEST_CASE("load checks a file against the model from its header, before reading its data",
          "[io][safetensors]") {
    using namespace tinynn;
    TempDir dir;
    const fs::path path = dir / "big.safetensors";
    nn::Sequential model(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1));
    const std::vector<float> before = model.named_parameters()[0].second.to_vector();
    // 2 GiB of data, every range consistent with its shape, for a model whose
    // first layer is wider: a well-formed file that is not this model's.
    constexpr uint64_t kBig = (uint64_t{1} << 28) * 2 * 4;
    const std::string kBigShape = "[268435456,2]";

    SECTION("a wrong shape") {
        write_sparse(
            path,
            object({entry("0.weight", kBigShape, 0, kBig), entry("0.bias", "[3]", kBig, kBig + 12),
                    entry("2.weight", "[1,3]", kBig + 12, kBig + 24),
                    entry("2.bias", "[1]", kBig + 24, kBig + 28)}),
            kBig + 28);
        const PeakGrowth growth;
        REQUIRE_THROWS_WITH(load(model, path), Contains(path.string()) && Contains("0.weight") &&
                                                   Contains("[268435456, 2]") &&
                                                   Contains("[3, 2]"));
        CHECK(growth.mib() < 64);
    }
    SECTION("the right tensors, then gigabytes of trailing data") {
        write_sparse(path,
                     object({entry("0.weight", "[3,2]", 0, 24), entry("0.bias", "[3]", 24, 36),
                             entry("2.weight", "[1,3]", 36, 48), entry("2.bias", "[1]", 48, 52)}),
                     kBig);
        const PeakGrowth growth;
        REQUIRE_THROWS_WITH(load(model, path), Contains("trailing bytes"));
        CHECK(growth.mib() < 64);
    }
    SECTION("a tensor the model does not have") {
        write_sparse(path,
                     object({entry("0.weight", "[3,2]", 0, 24), entry("0.bias", "[3]", 24, 36),
                             entry("2.weight", "[1,3]", 36, 48), entry("2.bias", "[1]", 48, 52),
                             entry("extra", kBigShape, 52, 52 + kBig)}),
                     52 + kBig);
        const PeakGrowth growth;
        REQUIRE_THROWS_WITH(load(model, path), Contains("\"extra\"") && Contains("does not have") &&
                                                   Contains("0.weight, 0.bias, 2.weight, 2.bias"));
        CHECK(growth.mib() < 64);
    }
    SECTION("many names the model does not have, and none it has") {
        std::string header = "{";
        constexpr int kNames = 100'000;
        for (int i = 0; i < kNames; ++i) {
            if (i > 0)
                header += ",";
            std::string name = "x";
            name += std::to_string(i);
            header += entry(name, "[0]", 0, 0);
        }
        write_sparse(path, header + "}", 0);
        REQUIRE_THROWS_WITH(load(model, path),
                            Contains("the model's tensor \"0.weight\" (shape [3, 2]) is missing") &&
                                Contains("as are 3 more") && Contains("\"x0\"") &&
                                Contains("and 99999 other tensors"));
    }
    SECTION("a header of zeros as long as the cap allows") {
        // Refused at the first NUL: the header is read a block at a time.
        write_sparse(path, "", 99'999'999);
        std::string prefix = u64_le(99'999'999);
        std::fstream(path, std::ios::in | std::ios::out | std::ios::binary).write(prefix.data(), 8);
        const PeakGrowth growth;
        REQUIRE_THROWS_WITH(load(model, path), Contains("NUL byte at offset 0"));
        CHECK(growth.mib() < 16);
    }
    SECTION("a header of 50 MB of whitespace around an empty object") {
        // Valid JSON, held by the parser only as far as it means something.
        write_bytes(path,
                    file_with(std::string(50'000'000, ' ') + "{}" + std::string(8, '\n'), ""));
        const PeakGrowth growth;
        REQUIRE_THROWS_WITH(load(model, path), Contains("\"0.weight\" (shape [3, 2]) is missing"));
        CHECK(growth.mib() < 16);
    }
    CHECK(model.named_parameters()[0].second.to_vector() == before);
}

TEST_CASE("load into a model is bitwise exact", "[io][safetensors]") {
    using namespace tinynn;
    TempDir dir;
    const fs::path path = dir / "m.safetensors";
    nn::Sequential saved(nn::Linear(3, 4), nn::Tanh(), nn::Linear(4, 2));
    // Values a conversion or a copy through a float register could change.
    Tensor first = saved.named_parameters()[0].second;
    first.matrix()(0, 0) = std::bit_cast<float>(0x7fc01234u);  // a NaN payload
    first.matrix()(0, 1) = -0.0f;
    first.matrix()(0, 2) = 1e-45f;  // denormal
    first.matrix()(1, 0) = std::numeric_limits<float>::infinity();
    save(saved, path);

    nn::Sequential fresh(nn::Linear(3, 4), nn::Tanh(), nn::Linear(4, 2));
    load(fresh, path);
    const StateDict want = saved.state_dict();
    const StateDict got = fresh.state_dict();
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        INFO("parameter " << want[i].first);
        check_bitwise_equal(got[i].second, want[i].second);
    }
}

TEST_CASE("Names and values from a file are escaped and cut short in messages",
          "[io][safetensors]") {
    using namespace tinynn;
    TempDir dir;
    const fs::path path = dir / "hostile.safetensors";
    nn::Sequential model(nn::Linear(2, 1));
    const std::string escape = "\x1b]0;owned\x07\x1b[2J";
    const std::string long_name(1'000'000, 'n');
    const auto message = [&](const std::string& header) {
        write_bytes(path, file_with(header, f32_le({1, 2, 3})));
        try {
            load(model, path);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        FAIL("no error");
        return std::string();
    };
    for (const std::string& header :
         {object({entry("0.weight", "[1,2]", 0, 8), entry("0.bias", "[1]", 8, 12),
                  entry("x" + escape, "[0]", 12, 12)}),
          object({entry("0.weight", "[1,2]", 0, 8), entry("0.bias" + escape, "[1]", 8, 12)}),
          object({entry("0.weight", "[1,2]", 0, 8), entry("0.bias", "[1]", 8, 12),
                  entry(long_name, "[0]", 12, 12)}),
          R"({"0.weight":{"dtype":")" + escape + long_name +
              R"(","shape":[1,2],)"
              R"("data_offsets":[0,8]}})",
          R"({"0.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8],")" + escape +
              R"(":1}})",
          R"({"__metadata__":{")" + escape + R"(":1}})",
          // Cut off inside a string: the parser's message quotes what it read.
          R"({"0.weight":{"dtype":")" + escape + long_name}) {
        const std::string text = message(header);
        INFO(text.substr(0, 300));
        CHECK_FALSE(has_control_bytes(text));
        CHECK(text.size() < 1000);
    }
}

TEST_CASE("load_safetensors survives random corruption", "[io][safetensors][fuzz]") {
    TempDir dir;
    const fs::path good = dir / "good.safetensors";
    tinynn::save_safetensors({{"0.weight", Tensor({1, 2, 3, 4, 5, 6}, {2, 3})},
                              {"0.bias", Tensor({7, 8})},
                              {"s", tinynn::full({}, 9)},
                              {"e", tinynn::zeros({0})}},
                             good);
    const std::string original = read_bytes(good);
    const fs::path path = dir / "mutated.safetensors";

    // Bytes that steer mutations of the header towards interesting JSON.
    const char special_bytes[] = "{}[]\",:0123456789-.e \xff\x00";
    const std::string specials(special_bytes, sizeof special_bytes - 1);
    std::mt19937_64 rng(20240601);
    auto below = [&](size_t n) { return static_cast<size_t>(rng() % n); };
    int loaded = 0;
    int refused = 0;
    for (int iteration = 0; iteration < 3000; ++iteration) {
        std::string bytes = original;
        const int mutations = 1 + static_cast<int>(below(3));
        for (int m = 0; m < mutations; ++m) {
            switch (below(6)) {
                case 0:  // flip one bit anywhere
                    if (!bytes.empty())
                        bytes[below(bytes.size())] ^= static_cast<char>(1 << below(8));
                    break;
                case 1:  // a random byte anywhere
                    if (!bytes.empty())
                        bytes[below(bytes.size())] = static_cast<char>(rng());
                    break;
                case 2:  // a JSON-ish byte inside the header
                    if (bytes.size() > 8)
                        bytes[8 + below(bytes.size() - 8)] = specials[below(specials.size())];
                    break;
                case 3:  // truncate
                    bytes.resize(below(bytes.size() + 1));
                    break;
                case 4:  // extend
                    for (size_t n = below(16); n > 0; --n)
                        bytes.push_back(static_cast<char>(rng()));
                    break;
                case 5:  // corrupt the length prefix
                    if (bytes.size() >= 8)
                        bytes[below(8)] = static_cast<char>(rng());
                    break;
            }
        }
        // A fresh file each time: truncating one in place makes ext4 flush it
        // to disk on close, which turns this loop from milliseconds into seconds.
        fs::remove(path);
        write_bytes(path, bytes);
        try {
            const StateDict s = tinynn::load_safetensors(path);
            for (const auto& [name, t] : s)
                (void)t.to_vector();  // the tensors must be usable
            ++loaded;
        } catch (const Error&) {
            ++refused;
        } catch (const std::exception& e) {
            FAIL("iteration " << iteration << ": " << typeid(e).name() << ": " << e.what());
        } catch (...) {
            FAIL("iteration " << iteration << ": a non-std exception");
        }
    }
    // Both outcomes must occur, or the mutations are not exercising the reader.
    CHECK(loaded > 0);
    CHECK(refused > 0);
    CHECK(loaded + refused == 3000);
}
