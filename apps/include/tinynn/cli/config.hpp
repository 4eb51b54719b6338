#pragma once

// The YAML config of SPEC §3, read into the experiment layer's typed Config.
// The schema is one table (apps/config/schema.cpp): it drives validation,
// "did you mean", the defaults, the resolved config.yaml and docs/config.md.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tinynn/experiment/config.hpp"
#include "tinynn/experiment/predictor.hpp"

namespace tinynn::cli {

// The largest config file load_config reads: a config is a page of text,
// and a bound keeps `tinynn train /dev/zero` or a huge file from taking the
// machine's memory. FIFOs and devices are refused without being opened.
inline constexpr uintmax_t kMaxConfigBytes = uintmax_t{1} << 20;

// Loads and validates `path`, applying each "dotted.key=yaml value" override
// first. Throws tinynn::Error naming the file, the key, its line:column when
// known, and what was expected. The mlp shorthand comes back expanded into
// model.layers; model.kind must name a registered model.
experiment::Config load_config(const std::filesystem::path& path,
                               const std::vector<std::string>& overrides = {});

// load_config of a config given as text rather than a file (tinynn serve's
// page), read as if it were the file `as_if`: errors name it, the run's name
// defaults to its stem and relative paths start from its directory.
experiment::Config load_config_text(const std::string& text, const std::filesystem::path& as_if,
                                    const std::vector<std::string>& overrides = {});

// The fully resolved config as YAML (every key, defaults filled in), which
// load_config reads back to the same Config.
std::string to_yaml(const experiment::Config& config);

// The finished run in `run_dir`: its config.yaml read as load_config reads
// a config (with `overrides`), and the weights and preprocessing of its
// model.safetensors (experiment/predictor.hpp). Throws tinynn::Error naming
// the directory or the file that is wrong.
experiment::Predictor load_predictor(const std::filesystem::path& run_dir,
                                     const std::vector<std::string>& overrides = {});

// docs/config.md: every key with its type, default and meaning, from the
// schema table.
std::string config_reference();

}  // namespace tinynn::cli
