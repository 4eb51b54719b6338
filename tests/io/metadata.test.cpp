// safetensors "__metadata__": written before the tensors, read back as
// strings only and within bounds, and ignored by the loaders of weights.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using tinynn::SafetensorsMetadata;
using tinynn::Tensor;

namespace {

// A fresh directory, removed afterwards.
class Scratch {
  public:
    Scratch() {
        static std::atomic<int> counter{0};
        dir_ = fs::temp_directory_path() / ("tinynn-metadata-test-" + std::to_string(::getpid()) +
                                            "-" + std::to_string(counter++));
        fs::create_directories(dir_);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path operator/(const std::string& name) const { return dir_ / name; }

  private:
    fs::path dir_;
};

std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A file of no tensors from a hand-written header.
void write_header(const fs::path& path, const std::string& header) {
    std::string bytes;
    for (int i = 0; i < 8; ++i)
        bytes.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
    std::ofstream(path, std::ios::binary) << bytes << header;
}

}  // namespace

TEST_CASE("Metadata is written first and read back exactly", "[io][safetensors][metadata]") {
    const Scratch dir;
    const fs::path path = dir / "m.safetensors";
    const SafetensorsMetadata metadata{
        {"format", "pt"}, {"features", R"(["a","b,c"])"}, {"note", "line\nbreak \"quoted\""}};
    auto model = tinynn::nn::Sequential(tinynn::nn::Linear(2, 1));
    tinynn::save(model, path, metadata);
    // As the reference implementation orders the header.
    CHECK(read_bytes(path).substr(8, 16) == R"({"__metadata__":)");
    CHECK(tinynn::load_safetensors_metadata(path) == metadata);
    // The loaders of weights ignore it.
    CHECK(tinynn::load_safetensors(path).size() == 2);
    auto again = tinynn::nn::Sequential(tinynn::nn::Linear(2, 1));
    tinynn::load(again, path);
    CHECK(again.state_dict()[0].second.to_vector() == model.state_dict()[0].second.to_vector());

    // Without metadata the file is as before: no "__metadata__" key.
    tinynn::save(model, path);
    CHECK(read_bytes(path).find("__metadata__") == std::string::npos);
    CHECK(tinynn::load_safetensors_metadata(path).empty());
}

TEST_CASE("Metadata must be strings within bounds", "[io][safetensors][metadata]") {
    const Scratch dir;
    const fs::path path = dir / "bad.safetensors";
    write_header(path, R"({"__metadata__":{"n":1}})");
    CHECK_THROWS_WITH(tinynn::load_safetensors_metadata(path),
                      Contains("\"n\"") && Contains("expected a string"));
    write_header(path, R"({"__metadata__":null})");
    CHECK(tinynn::load_safetensors_metadata(path).empty());

    std::string many = R"({"__metadata__":{)";
    for (size_t i = 0; i <= tinynn::kMaxMetadataEntries; ++i)
        many += (i > 0 ? ",\"k" : "\"k") + std::to_string(i) + "\":\"\"";
    write_header(path, many + "}}");
    CHECK_THROWS_WITH(tinynn::load_safetensors_metadata(path),
                      Contains(path.string()) && Contains("entries"));
    // Weights alone still load: nothing of the metadata is kept.
    CHECK(tinynn::load_safetensors(path).empty());

    const std::string big(tinynn::kMaxMetadataBytes, 'x');
    write_header(path, R"({"__metadata__":{"k":")" + big + "\"}}");
    CHECK_THROWS_WITH(tinynn::load_safetensors_metadata(path), Contains("bytes"));

    CHECK_THROWS_WITH(tinynn::save_safetensors({{"w", Tensor({1.0f})}}, path, {{"k", big}}),
                      Contains("bytes"));
    CHECK_THROWS_WITH(tinynn::save_safetensors({{"w", Tensor({1.0f})}}, path, {{"k", "\xff"}}),
                      Contains("UTF-8"));
}
