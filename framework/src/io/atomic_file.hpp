#pragma once

#include <filesystem>
#include <string_view>

namespace tinynn::detail {

// Whether the bytes are synced to disk before the rename. `no` still never
// shows a half-written file to a reader or after the process is killed; only a
// crash of the whole machine may then leave an empty file (for files
// rewritten often, such as a checkpoint after every epoch, whose cost an
// fsync would dominate).
enum class Sync { yes, no };

// Replaces `path` with `bytes` so that a reader (or a crash) sees either the
// old file or the complete new one, never a half-written file: the bytes go to
// a fresh temporary file in the same directory (so the rename cannot cross
// file systems), are fsynced (unless Sync::no), and the temporary is renamed
// over `path`. On failure the temporary is removed, `path` is left as it was,
// and tinynn::Error names `path` and the OS's reason.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                           Sync sync = Sync::yes);

}  // namespace tinynn::detail
