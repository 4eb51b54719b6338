#pragma once

#include <filesystem>

#include "tinynn/nn/module.hpp"

// Weights in the safetensors format (8-byte little-endian header length, a
// JSON header, raw little-endian F32 data), named as the module's
// named_parameters(): what torch.nn.Sequential's state_dict uses.
namespace tinynn {

// Writes to a temporary file beside `path`, then renames it over `path`: a
// crash never leaves a half-written file.
void save(const nn::Module& module, const std::filesystem::path& path);
void save_safetensors(const nn::StateDict& tensors, const std::filesystem::path& path);

// Reads every tensor of the file, checking the whole file first: header
// length against the file size, the JSON, dtypes, shapes against the byte
// ranges, ranges inside the data and not overlapping. Throws tinynn::Error
// naming the file and what is wrong.
nn::StateDict load_safetensors(const std::filesystem::path& path);
// Loads into the module; every parameter must be in the file with its shape,
// and the file may hold nothing else.
void load(nn::Module& module, const std::filesystem::path& path);

}  // namespace tinynn
