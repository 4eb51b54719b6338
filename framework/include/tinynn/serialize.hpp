#pragma once

#include <filesystem>

#include "tinynn/nn/module.hpp"

// Weights in the safetensors format (8-byte little-endian header length, a
// JSON header, raw little-endian F32 data), named as the module's
// named_parameters(): what torch.nn.Sequential's state_dict uses.
namespace tinynn {

// Writes to a temporary file beside `path`, then renames it over `path`: a
// crash never leaves a half-written file. The tensors are written in the
// order given, without "__metadata__"; names must be unique. Throws
// tinynn::Error naming `path` and the OS's reason when it cannot write.
void save(const nn::Module& module, const std::filesystem::path& path);
void save_safetensors(const nn::StateDict& tensors, const std::filesystem::path& path);

// Reads every tensor of the file (in the header's order), checking the whole
// header first: its length against the file size and a 100 MB cap, the JSON,
// dtypes (F32 only), shapes (rank 0-2) against the byte ranges, and that the
// ranges tile the data exactly, as the reference implementation requires.
// "__metadata__" is checked and dropped. Throws tinynn::Error naming the file
// and what is wrong; a hostile file cannot make it read out of bounds, and
// what it allocates is bounded by the file's size.
nn::StateDict load_safetensors(const std::filesystem::path& path);
// Loads into the module; every parameter must be in the file with its shape,
// and the file may hold nothing else. On any error the module is unchanged.
void load(nn::Module& module, const std::filesystem::path& path);

}  // namespace tinynn
