#pragma once

// What the fuzz targets share: a scratch file for the loaders, which take
// paths, and the one kind of exception a bad input may end in.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace tinynn::fuzz {

// One file per process and target, rewritten for every input: libFuzzer runs
// inputs one after another, and -jobs/-fork start separate processes.
inline std::filesystem::path scratch(const char* name) {
    const char* tmp = std::getenv("TMPDIR");
    auto dir = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") /
               ("tinynn-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir / name;
}

inline void write(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
        std::abort();
    }
}

// A property the loader promises and the input broke: a finding, like a crash.
[[noreturn]] inline void violated(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz: %s: %s\n", what, detail.c_str());
    std::abort();
}

// The message of every rejected input becomes the user's one stderr line.
inline void check_message(const std::string& message) {
    if (message.empty())
        violated("empty error message", "");
    if (message.find('\n') != std::string::npos)
        violated("multi-line error message", message);
}

}  // namespace tinynn::fuzz
