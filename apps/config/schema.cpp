#include "schema.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cmath>
#include <concepts>
#include <limits>
#include <optional>
#include <utility>

#include "tinynn/error.hpp"
#include "tinynn/models/spec.hpp"
#include "tinynn/nn/activation_table.hpp"

namespace tinynn::cli::config_detail {

namespace {

namespace fs = std::filesystem;
using experiment::Config;
using models::LayerSpec;
using models::LayerType;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr size_t kUnbounded = std::numeric_limits<size_t>::max();
constexpr int64_t kMaxWidth = 100'000;
constexpr size_t kMaxHiddenLayers = 100;
constexpr size_t kMaxLayers = 1'000;

// object.*first.*second...: a member of a member.
template <class Object, class Member, class... Rest>
auto& at(Object& object, Member first, Rest... rest) {
    if constexpr (sizeof...(Rest) == 0) {
        return object.*first;
    } else {
        return at(object.*first, rest...);
    }
}

// Where a key's value lives: member(&Config::data, &DataConfig::samples)
// gives config.data.samples, const when the config is.
template <class... Members>
auto member(Members... members) {
    return [=](auto& object) -> auto& {
        return at(object, members...);
    };
}

// ---- Value types: what a key's value may be, how it is read, how written.
// Each has type() (the text after "expected"), read() and write().

// The integer text of `node`, or a message that says why it is not one.
const std::string& integer_text(const Reader& r, const YAML::Node& node, const std::string& path,
                                const std::string& type) {
    if (!node.IsScalar() || is_quoted(node)) {
        r.fail(node, path, "expected " + type + ", got " + describe(node));
    }
    const std::string& text = node.Scalar();
    if (!is_integer_text(text)) {
        const bool numeric = parse_number(text).has_value();
        r.fail(node, path,
               "expected " + (numeric ? "an integer (no fraction or exponent)" : type) + ", got " +
                   escape_text(text));
    }
    return text;
}

struct Integer {
    int64_t lo = 0;
    int64_t hi = kInt64Max;

    std::string type() const {
        if (lo == 0 && hi == kInt64Max) {
            return "a non-negative integer";
        }
        if (hi == kInt64Max) {
            return "an integer >= " + std::to_string(lo);
        }
        return "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    }
    int64_t read(const Reader& r, const YAML::Node& node, const std::string& path) const {
        const std::string& text = integer_text(r, node, path, type());
        const std::string digits = text[0] == '+' ? text.substr(1) : text;
        int64_t value = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec != std::errc() || end != digits.data() + digits.size() || value < lo || value > hi) {
            r.fail(node, path, "expected " + type() + ", got " + escape_text(text));
        }
        return value;
    }
    std::string write(int64_t value) const { return std::to_string(value); }
};

struct Unsigned {
    std::string type() const { return "a non-negative integer (at most 2^64-1)"; }
    uint64_t read(const Reader& r, const YAML::Node& node, const std::string& path) const {
        const std::string& text = integer_text(r, node, path, type());
        if (text[0] == '-') {
            if (text.find_first_not_of("-0") == std::string::npos) {
                return 0;
            }
            r.fail(node, path, "expected " + type() + ", got " + escape_text(text));
        }
        const std::string digits = text[0] == '+' ? text.substr(1) : text;
        uint64_t value = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec != std::errc() || end != digits.data() + digits.size()) {
            r.fail(node, path, "expected " + type() + ", got " + escape_text(text));
        }
        return value;
    }
    std::string write(uint64_t value) const { return std::to_string(value); }
};

struct Number {
    double lo = -std::numeric_limits<double>::infinity();
    bool lo_open = false;
    double hi = std::numeric_limits<double>::infinity();
    bool hi_open = false;

    bool contains(double v) const {
        return std::isfinite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
    }
    std::string type() const {
        const bool has_lo = std::isfinite(lo);
        const bool has_hi = std::isfinite(hi);
        if (has_lo && has_hi) {
            return "a number in " + std::string(lo_open ? "(" : "[") + format_number(lo) + ", " +
                   format_number(hi) + (hi_open ? ")" : "]");
        }
        if (has_lo) {
            return "a finite number " + std::string(lo_open ? "> " : ">= ") + format_number(lo);
        }
        return "a finite number";
    }
    double read(const Reader& r, const YAML::Node& node, const std::string& path) const {
        std::optional<double> value;
        if (node.IsScalar() && !is_quoted(node)) {
            value = parse_number(node.Scalar());
        }
        if (!value) {
            r.fail(node, path, "expected " + type() + ", got " + describe(node));
        }
        if (!contains(*value)) {
            r.fail(node, path, "expected " + type() + ", got " + escape_text(node.Scalar()));
        }
        return *value;
    }
    std::string write(double value) const { return format_number(value); }
};

constexpr Number kPositive{.lo = 0, .lo_open = true};
constexpr Number kNonNegative{.lo = 0};
constexpr Number kFinite{};

// The optimiser and the model keep float32: a value that a float cannot
// hold must fail here, not turn into inf or 0 later.
struct Float32 {
    Number range;

    std::string type() const { return range.type() + " (float32)"; }
    float read(const Reader& r, const YAML::Node& node, const std::string& path) const {
        const auto value = static_cast<float>(range.read(r, node, path));
        if (!range.contains(static_cast<double>(value))) {
            r.fail(node, path,
                   "expected " + range.type() + " that fits a float32, got " +
                       escape_text(node.Scalar()));
        }
        return value;
    }
    std::string write(float value) const { return format_number(value); }
};

// A double (torch's optimiser options are Python floats, which Adam uses
// as they are) that float32 can also hold, since SGD computes in float32.
struct Float32Range {
    Number range;

    std::string type() const { return range.type() + " (within float32)"; }
    double read(const Reader& r, const YAML::Node& node, const std::string& path) const {
        const double value = range.read(r, node, path);
        if (!range.contains(static_cast<double>(static_cast<float>(value)))) {
            r.fail(node, path,
                   "expected " + range.type() + " that fits a float32, got " +
                       escape_text(node.Scalar()));
        }
        return value;
    }
    std::string write(double value) const { return format_number(value); }
};

struct Bool {
    std::string type() const { return "true or false"; }
    bool read(const Reader& r, const YAML::Node& node, const std::string& path) const {
        bool value = false;
        if (!node.IsScalar() || is_quoted(node) || !YAML::convert<bool>::decode(node, value)) {
            r.fail(node, path, "expected " + type() + ", got " + describe(node));
        }
        return value;
    }
    std::string write(bool value) const { return value ? "true" : "false"; }
};

// A non-empty string. A NUL would cut a name or path short where it is
// used, so it is refused.
struct Text {
    std::string type() const { return "a non-empty string"; }
    std::string read(const Reader& r, const YAML::Node& node, const std::string& path) const {
        if (!node.IsScalar()) {
            r.fail(node, path, "expected a string, got " + describe(node));
        }
        const std::string& text = node.Scalar();
        if (text.empty()) {
            r.fail(node, path, "expected a non-empty string, got an empty one");
        }
        if (text.find('\0') != std::string::npos) {
            r.fail(node, path, "expected a string without NUL characters, got " + describe(node));
        }
        return text;
    }
    std::string write(const std::string& value) const { return yaml_string(value); }
};

// The run's name, which names its directory.
struct RunName {
    std::string type() const { return run_name_type(); }
    std::string read(const Reader& r, const YAML::Node& node, const std::string& path) const {
        if (!node.IsScalar()) {
            r.fail(node, path, "expected a string, got " + describe(node));
        }
        const std::string& name = node.Scalar();
        if (name.empty()) {
            r.fail(node, path, "expected a non-empty string, got an empty one");
        }
        if (!is_run_name(name)) {
            r.fail(node, path, "expected " + type() + ", got " + run_name_shown(name));
        }
        return name;
    }
    std::string write(const std::string& value) const { return yaml_string(value); }
};

// A string that ~ leaves unset (empty).
struct OptionalText {
    std::string type() const { return "a non-empty string, or ~ for none"; }
    std::string read(const Reader& r, const YAML::Node& node, const std::string& path) const {
        return node.IsNull() ? std::string() : Text{}.read(r, node, path);
    }
    std::string write(const std::string& value) const {
        return value.empty() ? "~" : yaml_string(value);
    }
};

// A file, relative to the config's directory unless absolute; ~ for none.
struct Path {
    std::string type() const { return "a path (relative to the config file), or ~ for none"; }
    fs::path read(const Reader& r, const YAML::Node& node, const std::string& path) const {
        if (node.IsNull()) {
            return {};
        }
        const fs::path p(Text{}.read(r, node, path));
        return (p.is_absolute() ? p : r.base() / p).lexically_normal();
    }
    std::string write(const fs::path& value) const {
        return value.empty() ? "~" : yaml_string(value.string());
    }
};

// One of a list of names, each standing for a value.
template <class T>
struct Choice {
    std::vector<std::pair<std::string_view, T>> options;

    std::string type() const { return "one of " + join(names()); }
    std::vector<std::string_view> names() const {
        std::vector<std::string_view> out;
        for (const auto& [name, value] : options) {
            out.push_back(name);
        }
        return out;
    }
    T read(const Reader& r, const YAML::Node& node, const std::string& path) const {
        if (node.IsScalar()) {
            for (const auto& [name, value] : options) {
                if (name == node.Scalar()) {
                    return value;
                }
            }
        }
        r.fail(node, path, "expected " + type() + ", got " + describe(node));
    }
    std::string write(const T& value) const {
        for (const auto& [name, v] : options) {
            if (v == value) {
                return std::string(name);
            }
        }
        throw Error("to_yaml: a value with no name in the config schema");
    }
};

template <class T, class Name>
Choice<T> named(std::span<const std::string_view> names, Name from_name) {
    Choice<T> choice;
    for (const std::string_view name : names) {
        choice.options.emplace_back(name, *from_name(name));
    }
    return choice;
}

Choice<nn::Activation> activation_choice() {
    Choice<nn::Activation> choice;
    for (const nn::ActivationInfo& row : nn::activation_table()) {
        choice.options.emplace_back(row.name, row.kind);
    }
    return choice;
}

Choice<GeluApproximate> gelu_approximations() {
    return {{{"none", GeluApproximate::none}, {"tanh", GeluApproximate::tanh}}};
}

// ~ leaves the value unset.
template <class V>
struct Optional {
    V value;

    std::string type() const { return value.type() + ", or ~ for none"; }
    auto read(const Reader& r, const YAML::Node& node, const std::string& path) const
        -> std::optional<decltype(value.read(r, node, path))> {
        if (node.IsNull()) {
            return std::nullopt;
        }
        return value.read(r, node, path);
    }
    template <class T>
    std::string write(const std::optional<T>& v) const {
        return v ? value.write(*v) : "~";
    }
};

template <class V>
struct List {
    V item;
    std::string_view of;    // "a list of <of>"
    std::string_view noun;  // one item, in size messages: "expected at most 100 <noun>s"
    size_t min = 0;
    size_t max = kUnbounded;
    bool unique = false;  // a repeat is refused

    std::string type() const {
        std::string limits;
        if (min > 0 && max != kUnbounded) {
            limits = std::to_string(min) + " to " + std::to_string(max);
        } else if (min > 0) {
            limits = "at least " + std::to_string(min);
        } else if (max != kUnbounded) {
            limits = "at most " + std::to_string(max);
        }
        if (unique) {
            limits += std::string(limits.empty() ? "" : ", ") + "no repeats";
        }
        return "a list of " + std::string(of) + (limits.empty() ? "" : " (" + limits + ")") +
               "; each " + item.type();
    }
    auto read(const Reader& r, const YAML::Node& node, const std::string& path) const
        -> std::vector<decltype(item.read(r, node, path))> {
        if (!node.IsSequence()) {
            r.fail(node, path, "expected a list of " + std::string(of) + ", got " + describe(node));
        }
        const size_t n = node.size();
        const std::string nouns = std::string(noun) + "s";
        if (n < min || n > max) {
            if (min > 0 && max != kUnbounded) {
                r.fail(node, path,
                       "expected " + std::to_string(min) + " to " + std::to_string(max) + " " +
                           nouns + ", got " + std::to_string(n));
            }
            if (n < min) {
                r.fail(node, path,
                       min == 1
                           ? "expected at least one " + std::string(noun) + ", got an empty list"
                           : "expected at least " + std::to_string(min) + " " + nouns + ", got " +
                                 std::to_string(n));
            }
            r.fail(node, path,
                   "expected at most " + std::to_string(max) + " " + nouns + ", got " +
                       std::to_string(n));
        }
        std::vector<decltype(item.read(r, node, path))> values;
        for (size_t i = 0; i < n; ++i) {
            const std::string item_path = path + "[" + std::to_string(i) + "]";
            auto value = item.read(r, node[i], item_path);
            // A repeated activation or seed would merge two rows of compare's results.
            if constexpr (std::equality_comparable<decltype(value)>) {
                if (unique && std::find(values.begin(), values.end(), value) != values.end()) {
                    r.fail(node[i], item_path,
                           std::string(noun) + " " + item.write(value) + " is listed twice");
                }
            }
            values.push_back(std::move(value));
        }
        return values;
    }
    template <class T>
    std::string write(const std::vector<T>& values) const {
        std::string out = "[";
        for (size_t i = 0; i < values.size(); ++i) {
            out += (i ? ", " : "") + item.write(values[i]);
        }
        return out + "]";
    }
};

// Adam's two averaging factors, each in [0, 1).
struct Betas {
    Number beta{.lo = 0, .hi = 1, .hi_open = true};

    std::string type() const { return "a list of two numbers, each " + beta.type(); }
    std::array<double, 2> read(const Reader& r, const YAML::Node& node,
                               const std::string& path) const {
        if (!node.IsSequence() || node.size() != 2) {
            r.fail(node, path, "expected " + type() + ", got " + describe(node));
        }
        return {beta.read(r, node[0], path + "[0]"), beta.read(r, node[1], path + "[1]")};
    }
    std::string write(const std::array<double, 2>& betas) const {
        return "[" + beta.write(betas[0]) + ", " + beta.write(betas[1]) + "]";
    }
};

constexpr std::array<std::string_view, 4> kEarlyStoppingNames{"monitor", "patience", "min_delta",
                                                              "restore_best"};

// training.early_stopping: a mapping of its own keys, or ~ for none.
struct EarlyStopping {
    Choice<experiment::Monitor> monitor =
        named<experiment::Monitor>(experiment::monitor_names(), experiment::monitor_from_name);
    Integer patience{1, 10'000'000};
    Number min_delta = kNonNegative;
    Bool restore_best{};

    std::string type() const {
        return "~ for none, or a mapping of monitor (" + monitor.type() + "), patience (" +
               patience.type() + "), min_delta (" + min_delta.type() + ") and restore_best (" +
               restore_best.type() + "); a key left out takes its default";
    }
    std::optional<experiment::EarlyStoppingConfig> read(const Reader& r, const YAML::Node& node,
                                                        const std::string& path) const {
        if (node.IsNull()) {
            return std::nullopt;
        }
        if (!node.IsMap()) {
            r.fail(node, path, "expected " + type() + ", got " + describe(node));
        }
        experiment::EarlyStoppingConfig c;
        r.for_each(node, path, kEarlyStoppingNames,
                   [&](const std::string& name, const YAML::Node& v, const std::string& p) {
                       if (name == "monitor") {
                           c.monitor = monitor.read(r, v, p);
                       } else if (name == "patience") {
                           c.patience = patience.read(r, v, p);
                       } else if (name == "min_delta") {
                           c.min_delta = min_delta.read(r, v, p);
                       } else {
                           c.restore_best = restore_best.read(r, v, p);
                       }
                   });
        return c;
    }
    std::string write(const std::optional<experiment::EarlyStoppingConfig>& c) const {
        if (!c) {
            return "~";
        }
        return "\n    monitor: " + monitor.write(c->monitor) +
               "\n    patience: " + patience.write(c->patience) +
               "\n    min_delta: " + min_delta.write(c->min_delta) +
               "\n    restore_best: " + restore_best.write(c->restore_best);
    }
};

// compare.grid: a mapping of config keys to lists of values, or ~ for none.
// Here only its shape is read; the loader checks each key and reads each
// combination of values through the keys' own rows (expand_grid).
struct Grid {
    static constexpr size_t kMaxAxes = 8;
    static constexpr size_t kMaxValues = 100;  // per axis

    std::string type() const {
        return "~ for none, or a mapping of up to " + std::to_string(kMaxAxes) +
               " config keys (e.g. model.init) to lists of 1 to " + std::to_string(kMaxValues) +
               " of their values";
    }
    std::vector<experiment::GridAxis> read(const Reader& r, const YAML::Node& node,
                                           const std::string& path) const {
        if (node.IsNull()) {
            return {};
        }
        if (!node.IsMap() || node.size() == 0 || node.size() > kMaxAxes) {
            r.fail(node, path, "expected " + type() + ", got " + describe(node));
        }
        std::vector<experiment::GridAxis> axes;
        for (const auto& entry : node) {
            const YAML::Node& key = entry.first;
            if (!key.IsScalar()) {
                r.fail(key, path, "expected config keys as the grid's keys, got " + describe(key));
            }
            const std::string axis_path = path + "." + key.Scalar();
            for (const experiment::GridAxis& a : axes) {
                if (a.key == key.Scalar()) {
                    r.fail(key, axis_path, "is listed twice");
                }
            }
            const YAML::Node& values = entry.second;
            if (!values.IsSequence() || values.size() == 0 || values.size() > kMaxValues) {
                r.fail(values, axis_path,
                       "expected a list of 1 to " + std::to_string(kMaxValues) +
                           " values of the key, got " + describe(values));
            }
            experiment::GridAxis axis{.key = key.Scalar(), .values = {}};
            for (const YAML::Node& value : values) {
                axis.values.push_back(flow_text(value));
            }
            axes.push_back(std::move(axis));
        }
        return axes;
    }
    std::string write(const std::vector<experiment::GridAxis>& axes) const {
        if (axes.empty()) {
            return "~";
        }
        std::string out;
        for (const experiment::GridAxis& axis : axes) {
            out += "\n    " + axis.key + ": [";
            for (size_t i = 0; i < axis.values.size(); ++i) {
                out += (i ? ", " : "") + axis.values[i];
            }
            out += "]";
        }
        return out;
    }
};

// A row's read and write from its value type and where the value lives.
template <class Target, class V, class Access>
auto reader_of(V value, Access access) {
    return [value, access](const Reader& r, const YAML::Node& node, const std::string& path,
                           Target& target) { access(target) = value.read(r, node, path); };
}

template <class Target, class V, class Access>
auto writer_of(V value, Access access) {
    return [value, access](const Target& target) { return value.write(access(target)); };
}

template <class V, class Access>
Key key(std::string_view path, V value, Access access, std::string_view doc,
        Form form = Form::any) {
    return {.path = path,
            .type = value.type(),
            .doc = doc,
            .form = form,
            .default_text = {},
            .read = reader_of<Config>(value, access),
            .write = writer_of<Config>(value, access),
            .applies = nullptr,
            .applies_to = {}};
}

template <class V, class Access>
LayerKey layer_key(std::string_view name, V value, Access access, std::string_view doc,
                   bool (*takes)(const LayerSpec&), bool required = false) {
    return {.name = name,
            .type = value.type(),
            .doc = doc,
            .takes = takes,
            .required = required,
            .read = reader_of<LayerSpec>(value, access),
            .write = writer_of<LayerSpec>(value, access)};
}

// ---- model.layers

bool any_layer(const LayerSpec&) {
    return true;
}
bool linear_layer(const LayerSpec& l) {
    return l.type == LayerType::linear;
}
bool leaky_relu_layer(const LayerSpec& l) {
    return l.type == LayerType::activation && l.activation.kind == nn::Activation::leaky_relu;
}
bool softmax_layer(const LayerSpec& l) {
    return l.type == LayerType::softmax || l.type == LayerType::log_softmax;
}
template <nn::Activation kind>
bool activation_layer_of(const LayerSpec& l) {
    return l.type == LayerType::activation && l.activation.kind == kind;
}
bool batchnorm_layer(const LayerSpec& l) {
    return l.type == LayerType::batchnorm;
}
bool dropout_layer(const LayerSpec& l) {
    return l.type == LayerType::dropout;
}

std::string_view layer_type_name(const LayerSpec& layer) {
    switch (layer.type) {
        case LayerType::linear:
            return "linear";
        case LayerType::softmax:
            return "softmax";
        case LayerType::log_softmax:
            return "log_softmax";
        case LayerType::batchnorm:
            return "batchnorm";
        case LayerType::dropout:
            return "dropout";
        case LayerType::activation:
            break;
    }
    return nn::activation_name(layer.activation.kind);
}

// The type key of a layer: a layer type or an activation's name.
struct LayerTypeName {
    std::string type() const { return "one of " + join(layer_type_names()); }
    LayerSpec read(const Reader& r, const YAML::Node& node, const std::string& path) const {
        const std::vector<std::string_view> names = layer_type_names();
        if (!node.IsScalar() ||
            std::find(names.begin(), names.end(), node.Scalar()) == names.end()) {
            r.fail(node, path, "expected " + type() + ", got " + describe(node));
        }
        return layer_of_type(node.Scalar());
    }
    std::string write(const LayerSpec& layer) const { return std::string(layer_type_name(layer)); }
};

// The type key replaces the whole layer: the keys after it fill in the rest.
auto whole_layer() {
    return [](auto& layer) -> auto& {
        return layer;
    };
}

LayerSpec read_layer(const Reader& r, const YAML::Node& node, const std::string& path) {
    if (!node.IsMap()) {
        r.fail(node, path,
               "expected a layer mapping such as {type: linear, in: 2, out: 8}, got " +
                   describe(node));
    }
    const YAML::Node& type_node = node["type"];
    if (!type_node.IsDefined()) {
        r.fail(node, path, "missing 'type' (one of " + join(layer_type_names()) + ")");
    }
    LayerSpec layer = LayerTypeName{}.read(r, type_node, path + ".type");
    const std::string type(layer_type_name(layer));
    std::vector<std::string_view> keys;
    std::vector<std::string_view> any_keys;
    for (const LayerKey& k : layer_keys()) {
        any_keys.push_back(k.name);
        if (k.takes(layer)) {
            keys.push_back(k.name);
        }
    }
    // A key of another layer type is the likelier mistake than a typo, and
    // gets its own message.
    const auto misplaced = [&](const std::string& key) {
        return std::find(any_keys.begin(), any_keys.end(), key) != any_keys.end()
                   ? "not a key of a '" + type + "' layer (its keys: " + join(keys) + ")"
                   : std::string();
    };
    std::vector<std::string> given;
    r.for_each(
        node, path, keys,
        [&](const std::string& key, const YAML::Node& v, const std::string& p) {
            given.push_back(key);
            if (key != "type") {
                const auto& row = *std::find_if(layer_keys().begin(), layer_keys().end(),
                                                [&](const LayerKey& k) { return k.name == key; });
                row.read(r, v, p, layer);
            }
        },
        misplaced);
    for (const LayerKey& k : layer_keys()) {
        if (k.required && k.takes(layer) &&
            std::find(given.begin(), given.end(), k.name) == given.end()) {
            r.fail(node, path + "." + std::string(k.name), "required for a " + type + " layer");
        }
    }
    return layer;
}

struct Layer {
    std::string type() const { return "a mapping with the keys of its type (below)"; }
    LayerSpec read(const Reader& r, const YAML::Node& node, const std::string& path) const {
        return read_layer(r, node, path);
    }
    std::string write(const LayerSpec& layer) const { return layer_text(layer); }
};

const List<Layer> kLayerList{
    .item = {}, .of = "layer mappings", .noun = "layer", .min = 1, .max = kMaxLayers};

void read_layers(const Reader& r, const YAML::Node& node, const std::string& path, Config& c) {
    std::vector<LayerSpec> layers = kLayerList.read(r, node, path);
    int64_t previous_out = 0;
    size_t previous_linear = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
        const LayerSpec& layer = layers[i];
        const std::string p = path + "[" + std::to_string(i) + "]";
        if (layer.type == LayerType::batchnorm && previous_out != 0 &&
            layer.num_features != previous_out) {
            r.fail(node[i]["num_features"], p + ".num_features",
                   "expected " + std::to_string(previous_out) + " to match " + path + "[" +
                       std::to_string(previous_linear) + "].out, got " +
                       std::to_string(layer.num_features));
        }
        if (layer.type != LayerType::linear) {
            continue;
        }
        if (previous_out != 0 && layer.in != previous_out) {
            r.fail(node[i]["in"], p + ".in",
                   "expected " + std::to_string(previous_out) + " to match " + path + "[" +
                       std::to_string(previous_linear) + "].out, got " + std::to_string(layer.in));
        }
        previous_out = layer.out;
        previous_linear = i;
    }
    if (previous_out == 0) {
        r.fail(node, path, "needs at least one linear layer");
    }
    c.model.layers = std::move(layers);
    c.model.layers_given = true;
}

std::string write_layers(const Config& c) {
    std::string out;
    for (const LayerSpec& layer : c.model.layers) {
        out += "\n    - " + layer_text(layer);
    }
    return out;
}

// ---- The rows that are not one value in one field.

// The key belongs to configs that `applies` says take it.
Key only(Key k, bool (*applies)(const Config&), std::string_view applies_to) {
    k.applies = applies;
    k.applies_to = applies_to;
    return k;
}

bool sgd(const Config& c) {
    return c.optimizer.kind == experiment::OptimizerKind::sgd;
}
bool adam(const Config& c) {
    return c.optimizer.kind != experiment::OptimizerKind::sgd;
}
bool step_scheduler(const Config& c) {
    return c.scheduler.kind == experiment::SchedulerKind::step;
}
bool multistep_scheduler(const Config& c) {
    return c.scheduler.kind == experiment::SchedulerKind::multistep;
}
bool gamma_scheduler(const Config& c) {
    return step_scheduler(c) || multistep_scheduler(c) ||
           c.scheduler.kind == experiment::SchedulerKind::exponential;
}
bool cosine_scheduler(const Config& c) {
    return c.scheduler.kind == experiment::SchedulerKind::cosine;
}

// A number the optimizer kind gives a default to: written resolved.
Key optimizer_number(std::string_view path, Float32Range value,
                     std::optional<double> experiment::OptimizerConfig::*field,
                     double (*resolved)(const experiment::OptimizerConfig&), std::string_view doc,
                     std::string_view default_text) {
    return {
        .path = path,
        .type = value.type(),
        .doc = doc,
        .form = Form::any,
        .default_text = default_text,
        .read = [value, field](const Reader& r, const YAML::Node& node, const std::string& p,
                               Config& c) { c.optimizer.*field = value.read(r, node, p); },
        .write = [value, resolved](const Config& c) { return value.write(resolved(c.optimizer)); },
        .applies = nullptr,
        .applies_to = {}};
}

Key model_layers() {
    return {.path = "model.layers",
            .type = kLayerList.type(),
            .doc = "The layers in order, instead of the shorthand; each layer's keys are below.",
            .form = Form::layers,
            .default_text = "none: the shorthand builds them",
            .read = read_layers,
            .write = write_layers,
            .applies = nullptr,
            .applies_to = {}};
}

std::vector<Key> make_config_keys() {
    using experiment::CompareConfig;
    using experiment::DataConfig;
    using experiment::LimitsConfig;
    using experiment::OptimizerConfig;
    using experiment::SchedulerConfig;
    using experiment::TrainingConfig;
    using models::ModelSpec;

    const Choice<std::string> data_kinds{{{"xor", "xor"},
                                          {"sine", "sine"},
                                          {"spiral", "spiral"},
                                          {"moons", "moons"},
                                          {"circles", "circles"},
                                          {"blobs", "blobs"},
                                          {"csv", "csv"}}};
    const Choice<data::Task> tasks{
        {{"classification", data::Task::classification}, {"regression", data::Task::regression}}};
    const Choice<bool> normalize{{{"none", false}, {"standard", true}}};
    const Choice<experiment::Loss> losses{
        {{"mse", experiment::Loss::mse}, {"cross_entropy", experiment::Loss::cross_entropy}}};
    const auto outputs = named<models::Output>(models::output_names(), models::output_from_name);
    const auto inits = named<models::Init>(models::init_names(), models::init_from_name);
    const auto optimizers = named<experiment::OptimizerKind>(experiment::optimizer_names(),
                                                             experiment::optimizer_from_name);
    const auto schedulers = named<experiment::SchedulerKind>(experiment::scheduler_names(),
                                                             experiment::scheduler_from_name);

    std::vector<Key> keys{
        key("name", RunName{}, member(&Config::name),
            "The run's name: its directory is runs/NAME unless --out gives one."),
        key("seed", Unsigned{}, member(&Config::seed),
            "Every random choice (data, split, initial weights, shuffling) derives from it."),

        key("data.kind", data_kinds, member(&Config::data, &DataConfig::kind),
            "The dataset: a built-in generator, or csv to read data.path."),
        key("data.samples", Integer{1, 10'000'000}, member(&Config::data, &DataConfig::samples),
            "Built-ins: how many samples to make."),
        key("data.noise", kNonNegative, member(&Config::data, &DataConfig::noise),
            "Built-ins: the noise of those that take it."),
        key("data.classes", Integer{2, 1000}, member(&Config::data, &DataConfig::classes),
            "spiral and blobs: how many classes."),
        key("data.path", Path{}, member(&Config::data, &DataConfig::path),
            "csv: the file to read (required)."),
        key("data.header", Bool{}, member(&Config::data, &DataConfig::header),
            "csv: the first row names the columns."),
        key("data.target", OptionalText{}, member(&Config::data, &DataConfig::target),
            "csv: the target column, by name or 0-based index (~: the last column); every other "
            "column is a feature."),
        key("data.task", tasks, member(&Config::data, &DataConfig::task),
            "csv: classification (integer labels 0..K-1) or regression."),
        key("data.normalize", normalize, member(&Config::data, &DataConfig::normalize),
            "csv: standard scales each feature by the training split's mean and standard "
            "deviation."),
        key("data.test_split", Number{.lo = 0, .hi = 1, .hi_open = true},
            member(&Config::data, &DataConfig::test_split),
            "The fraction held out for evaluation, taken from the end; 0 for none."),
        key("data.shuffle_split", Bool{}, member(&Config::data, &DataConfig::shuffle_split),
            "Shuffle the samples (seeded) before the split; false keeps their order."),

        key("model.kind", Text{}, member(&Config::model, &ModelSpec::kind),
            "mlp, or a model the program registered with models::register_model."),
        key("model.hidden",
            List<Integer>{.item = {1, kMaxWidth},
                          .of = "layer widths",
                          .noun = "hidden layer",
                          .max = kMaxHiddenLayers},
            member(&Config::model, &ModelSpec::hidden),
            "The hidden layers' widths; the inputs and outputs come from the data.",
            Form::shorthand),
        key("model.activation", activation_choice(),
            member(&Config::model, &ModelSpec::activation, &nn::ActivationSpec::kind),
            "The hidden layers' activation.", Form::shorthand),
        key("model.negative_slope", Float32{kFinite},
            member(&Config::model, &ModelSpec::activation, &nn::ActivationSpec::negative_slope),
            "leaky_relu's slope for negative inputs.", Form::shorthand),
        key("model.alpha", Float32{kFinite},
            member(&Config::model, &ModelSpec::activation, &nn::ActivationSpec::alpha),
            "elu's alpha: its value for very negative inputs is -alpha.", Form::shorthand),
        key("model.approximate", gelu_approximations(),
            member(&Config::model, &ModelSpec::activation, &nn::ActivationSpec::approximate),
            "gelu's form: none (the exact erf) or tanh (its tanh approximation).", Form::shorthand),
        key("model.beta", Float32{kPositive},
            member(&Config::model, &ModelSpec::activation, &nn::ActivationSpec::beta),
            "softplus's beta: log(1 + exp(beta x)) / beta.", Form::shorthand),
        key("model.threshold", Float32{kFinite},
            member(&Config::model, &ModelSpec::activation, &nn::ActivationSpec::threshold),
            "softplus's threshold: above it (of beta x) softplus is the identity.",
            Form::shorthand),
        key("model.prelu_init", Float32{kFinite},
            member(&Config::model, &ModelSpec::activation, &nn::ActivationSpec::init),
            "prelu's starting slope, one learnt per layer (model.init is the weights' init; a "
            "layer list gives prelu num_parameters and init).",
            Form::shorthand),
        key("model.output", outputs, member(&Config::model, &ModelSpec::output),
            "What follows the last Linear.", Form::shorthand),
        key("model.batchnorm", Bool{}, member(&Config::model, &ModelSpec::batchnorm),
            "BatchNorm1d after each hidden Linear, before its activation.", Form::shorthand),
        key("model.dropout", Number{.lo = 0, .hi = 1, .hi_open = true},
            member(&Config::model, &ModelSpec::dropout),
            "Dropout with this probability after each hidden activation; 0 for none.",
            Form::shorthand),
        model_layers(),
        key("model.init", inits, member(&Config::model, &ModelSpec::init),
            "The initial weights: default is PyTorch's Linear init; the others take the "
            "activation's gain."),
        key("model.bias_init", Optional<Float32>{Float32{kFinite}},
            member(&Config::model, &ModelSpec::bias_init),
            "Every Linear's bias after init, as torch.nn.init.constant_ (a negative value "
            "starts ReLU units dead)."),
        key("model.init_from", Path{}, member(&Config::model, &ModelSpec::init_from),
            "Start from these weights (a safetensors file) instead of init."),

        key("loss", losses, member(&Config::loss),
            "mse (a classification task trains against one-hot targets) or cross_entropy."),

        key("optimizer.kind", optimizers, member(&Config::optimizer, &OptimizerConfig::kind),
            "The optimiser: torch.optim's SGD, Adam or AdamW, each with its exact rule."),
        optimizer_number("optimizer.lr", {kPositive}, &OptimizerConfig::lr,
                         experiment::learning_rate, "Learning rate.",
                         "0.1 for sgd, 0.001 (torch's) for adam and adamw"),
        only(key("optimizer.momentum", Float32{kNonNegative},
                 member(&Config::optimizer, &OptimizerConfig::momentum), "Momentum factor."),
             sgd, "sgd"),
        only(key("optimizer.dampening", Float32{kNonNegative},
                 member(&Config::optimizer, &OptimizerConfig::dampening),
                 "Dampening of the momentum."),
             sgd, "sgd"),
        optimizer_number("optimizer.weight_decay", {kNonNegative}, &OptimizerConfig::weight_decay,
                         experiment::weight_decay,
                         "L2 penalty added to the gradient (sgd, adam); adamw decays the weights "
                         "directly (decoupled).",
                         "0.01 for adamw (torch's), else 0"),
        only(key("optimizer.nesterov", Bool{},
                 member(&Config::optimizer, &OptimizerConfig::nesterov),
                 "Nesterov momentum; needs momentum > 0 and dampening 0."),
             sgd, "sgd"),
        only(key("optimizer.betas", Betas{}, member(&Config::optimizer, &OptimizerConfig::betas),
                 "The averaging factors of the gradient and of its square."),
             adam, "adam, adamw"),
        only(key("optimizer.eps", Float32Range{kNonNegative},
                 member(&Config::optimizer, &OptimizerConfig::eps),
                 "Added to the denominator for numerical stability."),
             adam, "adam, adamw"),
        only(key("optimizer.amsgrad", Bool{}, member(&Config::optimizer, &OptimizerConfig::amsgrad),
                 "Divide by the largest second moment so far (AMSGrad)."),
             adam, "adam, adamw"),

        key("scheduler.kind", schedulers, member(&Config::scheduler, &SchedulerConfig::kind),
            "The learning rate per epoch, stepped after each epoch: none keeps optimizer.lr; "
            "torch.optim.lr_scheduler's StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR."),
        only(key("scheduler.step_size", Integer{1, kInt64Max},
                 member(&Config::scheduler, &SchedulerConfig::step_size), "Epochs between decays."),
             step_scheduler, "step"),
        only(key("scheduler.milestones",
                 List<Integer>{.item = {1, kInt64Max},
                               .of = "epochs",
                               .noun = "milestone",
                               .min = 1,
                               .max = 10'000},
                 member(&Config::scheduler, &SchedulerConfig::milestones),
                 "The epochs after which the learning rate is multiplied by gamma."),
             multistep_scheduler, "multistep"),
        only(key("scheduler.gamma", kPositive, member(&Config::scheduler, &SchedulerConfig::gamma),
                 "The factor of each decay."),
             gamma_scheduler, "step, multistep, exponential"),
        only(key("scheduler.t_max", Integer{1, kInt64Max},
                 member(&Config::scheduler, &SchedulerConfig::t_max),
                 "Epochs of the half cosine from optimizer.lr down to eta_min (T_max)."),
             cosine_scheduler, "cosine"),
        only(key("scheduler.eta_min", kNonNegative,
                 member(&Config::scheduler, &SchedulerConfig::eta_min),
                 "The learning rate at the bottom of the cosine."),
             cosine_scheduler, "cosine"),

        key("training.epochs", Integer{1, 10'000'000},
            member(&Config::training, &TrainingConfig::epochs), "Passes over the training split."),
        key("training.batch_size", Integer{0, kInt64Max},
            member(&Config::training, &TrainingConfig::batch_size),
            "Samples per step; 0: the whole training split in one batch."),
        key("training.shuffle", Bool{}, member(&Config::training, &TrainingConfig::shuffle),
            "Reshuffle the training split (seeded) every epoch; false keeps its order."),
        key("training.log_every", Integer{1, kInt64Max},
            member(&Config::training, &TrainingConfig::log_every),
            "Epochs between progress lines when the output is not a terminal."),
        key("training.diagnostics", Bool{}, member(&Config::training, &TrainingConfig::diagnostics),
            "train: record per layer the gradient norm, the update-to-weight ratio, dead and "
            "saturated units, and the distribution of the hidden outputs on fixed probe rows "
            "in metrics.csv (docs/diagnostics.md); compare always records them."),
        key("training.early_stopping", EarlyStopping{},
            member(&Config::training, &TrainingConfig::early_stopping),
            "Stop when the monitored metric (lower loss, higher accuracy) has not improved by "
            "more than min_delta for patience epochs; with restore_best the saved weights are "
            "the best epoch's."),

        key("compare.activations",
            List<Choice<nn::Activation>>{.item = activation_choice(),
                                         .of = "activations",
                                         .noun = "activation",
                                         .min = 1,
                                         .unique = true},
            member(&Config::compare, &CompareConfig::activations),
            "compare: the activations to train, each with every seed."),
        key("compare.seeds",
            List<Unsigned>{.item = {},
                           .of = "non-negative integers",
                           .noun = "seed",
                           .min = 1,
                           .unique = true},
            member(&Config::compare, &CompareConfig::seeds),
            "compare: each draws the initial weights and the shuffling; the data and its split "
            "stay those of seed."),
        key("compare.target_loss", Optional<Number>{kPositive},
            member(&Config::compare, &CompareConfig::target_loss),
            "compare: the test loss the summary measures each activation's time to."),
        key("compare.grid", Grid{}, member(&Config::compare, &CompareConfig::grid),
            "compare: more axes, any config keys with a list of values each; one run per "
            "combination x activation x seed."),

        key("limits.memory_mb", Optional<Number>{kPositive},
            member(&Config::limits, &LimitsConfig::memory_mb),
            "MiB the run's estimated peak memory may reach; ~: 75% of the physical memory of "
            "the machine it starts on."),
    };
    keys.front().default_text = "the config file's stem";
    return keys;
}

std::vector<LayerKey> make_layer_keys() {
    return {
        layer_key("type", LayerTypeName{}, whole_layer(),
                  "linear, an activation, softmax, log_softmax, batchnorm or dropout.", any_layer,
                  true),
        layer_key("in", Integer{1, kMaxWidth}, member(&LayerSpec::in), "Input features.",
                  linear_layer, true),
        layer_key("out", Integer{1, kMaxWidth}, member(&LayerSpec::out), "Output features.",
                  linear_layer, true),
        layer_key("bias", Bool{}, member(&LayerSpec::bias), "Learn an additive bias.",
                  linear_layer),
        layer_key("negative_slope", Float32{kFinite},
                  member(&LayerSpec::activation, &nn::ActivationSpec::negative_slope),
                  "The slope for negative inputs.", leaky_relu_layer),
        layer_key("dim", Integer{-2, 1}, member(&LayerSpec::dim),
                  "The dimension it normalises over.", softmax_layer),
        layer_key("alpha", Float32{kFinite},
                  member(&LayerSpec::activation, &nn::ActivationSpec::alpha),
                  "elu's value for very negative inputs is -alpha.",
                  activation_layer_of<nn::Activation::elu>),
        layer_key("approximate", gelu_approximations(),
                  member(&LayerSpec::activation, &nn::ActivationSpec::approximate),
                  "none (the exact erf) or tanh.", activation_layer_of<nn::Activation::gelu>),
        layer_key("beta", Float32{kPositive},
                  member(&LayerSpec::activation, &nn::ActivationSpec::beta),
                  "log(1 + exp(beta x)) / beta.", activation_layer_of<nn::Activation::softplus>),
        layer_key("threshold", Float32{kFinite},
                  member(&LayerSpec::activation, &nn::ActivationSpec::threshold),
                  "Above it (of beta x) softplus is the identity.",
                  activation_layer_of<nn::Activation::softplus>),
        layer_key("num_parameters", Integer{1, kMaxWidth},
                  member(&LayerSpec::activation, &nn::ActivationSpec::num_parameters),
                  "Slopes learnt: 1, or one per feature.",
                  activation_layer_of<nn::Activation::prelu>),
        layer_key("init", Float32{kFinite},
                  member(&LayerSpec::activation, &nn::ActivationSpec::init), "Every slope's start.",
                  activation_layer_of<nn::Activation::prelu>),
        layer_key("num_features", Integer{1, kMaxWidth}, member(&LayerSpec::num_features),
                  "Features it normalises: the previous Linear's out.", batchnorm_layer, true),
        layer_key("eps", Number{.lo = 0, .lo_open = true}, member(&LayerSpec::eps),
                  "Added to the variance before its square root.", batchnorm_layer),
        layer_key("momentum", Number{.lo = 0, .hi = 1}, member(&LayerSpec::momentum),
                  "The running statistics' update weight for the newest batch.", batchnorm_layer),
        layer_key("p", Number{.lo = 0, .hi = 1, .hi_open = true}, member(&LayerSpec::p),
                  "The probability of zeroing an element while training.", dropout_layer),
    };
}

}  // namespace

std::string run_name_type() {
    return "a name without '/' or control characters, at most " + std::to_string(kMaxRunName) +
           " bytes long (it names the run directory, and with " +
           std::to_string(NAME_MAX - kMaxRunName) +
           " bytes more the staging directory beside it, "
           "within the " +
           std::to_string(NAME_MAX) + " a file name may have)";
}

bool is_run_name(std::string_view name) {
    const bool control = std::any_of(name.begin(), name.end(),
                                     [](unsigned char c) { return c < 0x20 || c == 0x7f; });
    return !name.empty() && name.size() <= kMaxRunName && !control &&
           name.find_first_of("/\\") == std::string_view::npos && name != "." && name != "..";
}

std::string run_name_shown(std::string_view name) {
    std::string shown = escape_text(name);
    if (name.size() > kMaxRunName)
        shown += " (" + std::to_string(name.size()) + " bytes)";
    return shown;
}

std::span<const Key> config_keys() {
    static const std::vector<Key> keys = make_config_keys();
    return keys;
}

std::span<const LayerKey> layer_keys() {
    static const std::vector<LayerKey> keys = make_layer_keys();
    return keys;
}

std::vector<std::string_view> top_level_names() {
    std::vector<std::string_view> names;
    for (const Key& k : config_keys()) {
        const std::string_view top = k.path.substr(0, k.path.find('.'));
        if (std::find(names.begin(), names.end(), top) == names.end()) {
            names.push_back(top);
        }
    }
    return names;
}

std::vector<std::string_view> section_names(std::string_view section) {
    std::vector<std::string_view> names;
    for (const Key& k : config_keys()) {
        if (k.path.size() > section.size() && k.path.starts_with(section) &&
            k.path[section.size()] == '.') {
            names.push_back(k.path.substr(section.size() + 1));
        }
    }
    return names;
}

std::string layer_text(const LayerSpec& layer) {
    std::string out = "{";
    for (const LayerKey& k : layer_keys()) {
        if (k.takes(layer)) {
            out += (out.size() > 1 ? ", " : "") + std::string(k.name) + ": " + k.write(layer);
        }
    }
    return out + "}";
}

std::vector<std::string_view> layer_type_names() {
    std::vector<std::string_view> names{"linear"};
    for (const nn::ActivationInfo& row : nn::activation_table()) {
        names.push_back(row.name);
    }
    names.push_back("softmax");
    names.push_back("log_softmax");
    names.push_back("batchnorm");
    names.push_back("dropout");
    return names;
}

LayerSpec layer_of_type(std::string_view name) {
    LayerSpec layer;
    if (name == "linear") {
        layer.type = LayerType::linear;
    } else if (name == "softmax") {
        layer.type = LayerType::softmax;
    } else if (name == "log_softmax") {
        layer.type = LayerType::log_softmax;
    } else if (name == "batchnorm") {
        layer.type = LayerType::batchnorm;
    } else if (name == "dropout") {
        layer.type = LayerType::dropout;
    } else if (const std::optional<nn::Activation> kind = nn::activation_from_name(name)) {
        layer.type = LayerType::activation;
        layer.activation.kind = *kind;
    } else {
        throw Error("layer_of_type: no layer type named " + escape_text(name));
    }
    return layer;
}

}  // namespace tinynn::cli::config_detail
