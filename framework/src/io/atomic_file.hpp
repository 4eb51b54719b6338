#pragma once

#include <filesystem>
#include <string_view>

namespace tinynn::detail {

// Replaces `path` with `bytes` so that a reader (or a crash) sees either the
// old file or the complete new one, never a half-written file: the bytes go to
// a fresh temporary file in the same directory (so the rename cannot cross
// file systems), are fsynced, and the temporary is renamed over `path`.
// On failure the temporary is removed, `path` is left as it was, and
// tinynn::Error names `path` and the OS's reason.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace tinynn::detail
