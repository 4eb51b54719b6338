#pragma once

#include <string>

#include "tinynn/serialize.hpp"

namespace tinynn::detail {

// The bytes save_safetensors writes, with the same checks (unique names,
// metadata within its bounds): for a caller that writes them its own way
// (a checkpoint, unsynced).
std::string encode_safetensors(const nn::StateDict& tensors, const SafetensorsMetadata& metadata);

}  // namespace tinynn::detail
