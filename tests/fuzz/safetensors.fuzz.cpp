// libFuzzer target: tinynn::load_safetensors and load_safetensors_metadata
// on arbitrary bytes. Any outcome but the tensors or a tinynn::Error (a
// crash, a sanitizer report, a leak, another exception type) is a finding.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <tinynn/error.hpp>
#include <tinynn/serialize.hpp>

#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const auto path = tinynn::fuzz::scratch("model.safetensors");
    tinynn::fuzz::write(path, {reinterpret_cast<const char*>(data), size});
    try {
        const tinynn::nn::StateDict tensors = tinynn::load_safetensors(path);
        const tinynn::SafetensorsMetadata metadata = tinynn::load_safetensors_metadata(path);
        // Whatever was accepted must round-trip: the reader promised a
        // well-formed file, so the writer must be able to write it back.
        static const auto copy = tinynn::fuzz::scratch("copy.safetensors");
        tinynn::save_safetensors(tensors, copy, metadata);
        if (tinynn::load_safetensors_metadata(copy) != metadata)
            tinynn::fuzz::violated("round trip changed the metadata", path.string());
        const tinynn::nn::StateDict again = tinynn::load_safetensors(copy);
        if (again.size() != tensors.size())
            tinynn::fuzz::violated("round trip changed the tensor count", path.string());
        for (size_t i = 0; i < tensors.size(); ++i)
            if (again[i].first != tensors[i].first ||
                again[i].second.shape() != tensors[i].second.shape())
                tinynn::fuzz::violated("round trip changed a tensor", tensors[i].first);
    } catch (const tinynn::Error& e) {
        tinynn::fuzz::check_message(e.what());
    }
    return 0;
}
