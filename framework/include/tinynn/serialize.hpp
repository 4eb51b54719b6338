#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>

#include "tinynn/nn/module.hpp"

// Weights in the safetensors format (8-byte little-endian header length, a
// JSON header, raw little-endian F32 data), named as the module's
// state_dict(): what torch.nn.Sequential's state_dict uses. A tensor named
// "num_batches_tracked" (or "<prefix>.num_batches_tracked"), BatchNorm's
// count, is written as I64 as torch keeps it; the readers take I64 tensors of
// any name as floats.
namespace tinynn {

// The format's "__metadata__": free text beside the tensors, string to
// string, which loaders of the weights alone (PyTorch's) ignore. A run keeps
// its preprocessing there (experiment/preprocessing.hpp).
using SafetensorsMetadata = std::map<std::string, std::string>;
// What a file's metadata may hold, keys and values together: enough for the
// names and statistics of the widest CSV file tinynn reads (a 1 MiB line,
// so at most 512k features), while a hostile header cannot make a reader
// hold more.
inline constexpr size_t kMaxMetadataEntries = 1024;
inline constexpr size_t kMaxMetadataBytes = size_t{32} << 20;

// Writes to a temporary file beside `path`, then renames it over `path`: a
// crash never leaves a half-written file. The tensors are written in the
// order given, after "__metadata__" when `metadata` is not empty (as the
// reference implementation orders them); names must be unique, and the
// metadata valid UTF-8 within the bounds above. Throws tinynn::Error naming
// `path` and the OS's reason when it cannot write.
void save(const nn::Module& module, const std::filesystem::path& path,
          const SafetensorsMetadata& metadata = {});
void save_safetensors(const nn::StateDict& tensors, const std::filesystem::path& path,
                      const SafetensorsMetadata& metadata = {});

// Reads every tensor of the file (in the header's order), checking the whole
// header first: its length against the file size and a 100 MB cap, the JSON,
// dtypes (F32, or I64 converted to float), shapes (rank 0-2) against the byte ranges, and that the
// ranges tile the data exactly, as the reference implementation requires.
// "__metadata__" is checked and dropped (load_safetensors_metadata reads
// it). Throws tinynn::Error naming the file
// and what is wrong; a hostile file cannot make it read out of bounds, and
// what it allocates is bounded by the file's size.
nn::StateDict load_safetensors(const std::filesystem::path& path);
// Loads into the module; every tensor of its state_dict must be in the file
// with its shape, and the file may hold nothing else. All of this is checked
// from the header, before any data is read, so a file for another model is
// refused at the cost of its header whatever its size; what is allocated is
// then bounded by the module's size. On any error the module is unchanged.
void load(nn::Module& module, const std::filesystem::path& path);
// The file's "__metadata__" (empty when it has none or it is null), after the
// same checks of the whole header as load_safetensors; reads none of the
// tensors' data. Throws tinynn::Error naming the file when a metadata value
// is not a string or the metadata exceeds the bounds above.
SafetensorsMetadata load_safetensors_metadata(const std::filesystem::path& path);

}  // namespace tinynn
