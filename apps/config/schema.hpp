#pragma once

// The config schema (SPEC §3) as one table: a row per key with its type and
// range, its documentation, and how its value is read into and written from
// experiment::Config. Defaults are those of a default-constructed Config.
// The loader's key checks and messages, the resolved config.yaml (to_yaml)
// and docs/config.md (config_reference) all walk these rows.

#include <climits>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reader.hpp"
#include "tinynn/experiment/config.hpp"

namespace tinynn::cli::config_detail {

// Issue 6: a model too large for memory is refused from the config, before
// anything is allocated, rather than ending in an out-of-memory kill. Each
// width alone is within its range, but two such layers make 10^10 weights.
// 2^28 float32 parameters are 1 GiB (training keeps about four copies:
// weights, gradients, momentum, the divergence snapshot).
inline constexpr double kMaxParameters = double(int64_t{1} << 28);

// The longest run name: the run directory's staging directory beside it,
// ".<name>.staging.<pid>", must fit in a file name (NAME_MAX, 255 bytes)
// with a PID of up to 7 digits (Linux's pid_max is at most 4194304); its
// lock file ".<name>.lock" is shorter.
inline constexpr size_t kMaxRunName =
    NAME_MAX - std::string_view(".").size() - std::string_view(".staging.").size() - 7;

// What a run name may be, as messages and the reference say it.
std::string run_name_type();
// Whether `name` can name a run directory.
bool is_run_name(std::string_view name);
// `name` as a message quotes it: escaped, cut short, with its length when
// that is what is wrong.
std::string run_name_shown(std::string_view name);

// Which way of describing an mlp a model key belongs to. The two cannot be
// mixed: one would be silently unused.
enum class Form {
    any,
    shorthand,  // hidden, activation, ...: expanded into layers at load
    layers,     // model.layers, written out
};

struct Key {
    std::string_view path;  // dotted: "data.samples"
    // What a value must be, as the messages' "expected ..." and the
    // reference say it: "an integer from 1 to 10000000".
    std::string type;
    std::string_view doc;  // one line for the reference
    Form form = Form::any;
    // The reference's default where the default Config's value does not
    // tell it (name's is empty: the command takes the file's stem).
    std::string_view default_text;
    // Reads the key's node into the config; a bad value throws through the
    // reader, naming the key's path.
    std::function<void(const Reader&, const YAML::Node&, const std::string&, experiment::Config&)>
        read;
    // The value as config.yaml holds it, on the key's line (or, for a block,
    // starting with a newline).
    std::function<std::string(const experiment::Config&)> write;
    // Whether the key belongs to the config as read; null: always. A key of
    // another optimizer.kind or scheduler.kind is refused, and not written.
    bool (*applies)(const experiment::Config&) = nullptr;
    // Which configs take it, for messages and the reference: "sgd".
    std::string_view applies_to{};
};

// The keys of a layer mapping in model.layers, each taken by some types.
struct LayerKey {
    std::string_view name;
    std::string type;
    std::string_view doc;
    bool (*takes)(const models::LayerSpec& layer);  // whether a layer of this type has the key
    bool required = false;
    std::function<void(const Reader&, const YAML::Node&, const std::string&, models::LayerSpec&)>
        read;
    std::function<std::string(const models::LayerSpec&)> write;
};

// In reference order, which is also config.yaml's and the order messages
// list keys in.
std::span<const Key> config_keys();
std::span<const LayerKey> layer_keys();

// "name", "seed", "data", ...: the top-level keys, a section for each dotted
// prefix.
std::vector<std::string_view> top_level_names();
// The keys of a section ("data": "kind", "samples", ...); empty for a
// top-level key that is not a section.
std::vector<std::string_view> section_names(std::string_view section);

// A layer of model.layers as config.yaml writes it: "{type: linear, in: 2, out: 8, bias: true}".
std::string layer_text(const models::LayerSpec& layer);

// What each layer's type: may be: linear, the activations, softmax, log_softmax.
std::vector<std::string_view> layer_type_names();
// A layer of the named type with every other field at its default.
models::LayerSpec layer_of_type(std::string_view name);

}  // namespace tinynn::cli::config_detail
