#pragma once

// The serve page's setup: the config keys its controls set, applied as
// --set overrides to a base config and read by the same loader as any YAML
// file, so that a bad value is answered with the schema's own message.

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinynn/experiment/config.hpp"

namespace tinynn::cli::serve {

// The keys the page may set. Any other is refused: data.path, for one,
// would let a page read a file of the server's choosing.
std::span<const std::string_view> setup_keys();

// At most this many overrides, each at most this long, make a setup.
inline constexpr size_t kMaxOverrides = 64;
inline constexpr size_t kMaxOverrideBytes = 4096;

class Setup {
  public:
    // The config tinynn serve starts from without a CONFIG: a small compare
    // of four activations on a 2-D task.
    static Setup built_in();
    // The config file `path`, checked by loading it (tinynn::Error naming
    // the file and key when it is bad).
    static Setup from_file(const std::filesystem::path& path);

    // The base config with "key=yaml value" `overrides` applied, each of a
    // key in setup_keys(). Throws tinynn::Error with the loader's message.
    experiment::Config load(const std::vector<std::string>& overrides) const;

    // The base config's value of each setup key, as YAML text: what the
    // page's controls start from.
    std::vector<std::pair<std::string, std::string>> values() const;

  private:
    Setup(std::string text, std::filesystem::path as_if);
    std::string text_;
    std::filesystem::path as_if_;  // relative paths and the default name come from it
};

}  // namespace tinynn::cli::serve
