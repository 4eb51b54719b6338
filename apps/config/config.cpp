#include "apps/config/config.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <span>
#include <sstream>
#include <string_view>
#include <system_error>

#include "tinynn/error.hpp"

namespace tinynn::app {
namespace {

namespace fs = std::filesystem;
using Keys = std::span<const std::string_view>;

constexpr std::array<std::string_view, 9> kTopKeys{
    "name", "seed", "data", "model", "loss", "optimizer", "training", "compare", "limits"};
constexpr std::array<std::string_view, 11> kDataKeys{
    "kind",   "samples", "noise",     "classes",    "path",         "header",
    "target", "task",    "normalize", "test_split", "shuffle_split"};
constexpr std::array<std::string_view, 9> kModelKeys{
    "kind", "hidden",    "activation", "negative_slope", "output",
    "init", "bias_init", "layers",     "init_from"};
constexpr std::array<std::string_view, 6> kOptimizerKeys{"kind",      "lr",           "momentum",
                                                         "dampening", "weight_decay", "nesterov"};
constexpr std::array<std::string_view, 5> kTrainingKeys{"epochs", "batch_size", "shuffle",
                                                        "log_every", "diagnostics"};
constexpr std::array<std::string_view, 3> kCompareKeys{"activations", "seeds", "target_loss"};
constexpr std::array<std::string_view, 1> kLimitsKeys{"memory_mb"};

constexpr std::array<std::string_view, 7> kDataKinds{"xor",     "sine",  "spiral", "moons",
                                                     "circles", "blobs", "csv"};
constexpr std::array<std::string_view, 2> kTasks{"classification", "regression"};
constexpr std::array<std::string_view, 2> kNormalize{"none", "standard"};
constexpr std::array<std::string_view, 4> kActivations{"sigmoid", "tanh", "relu", "leaky_relu"};
constexpr std::array<std::string_view, 3> kOutputs{"none", "sigmoid", "softmax"};
constexpr std::array<std::string_view, 4> kInits{"default", "xavier_uniform", "kaiming_uniform",
                                                 "normal"};
constexpr std::array<std::string_view, 2> kLosses{"mse", "cross_entropy"};
constexpr std::array<std::string_view, 1> kOptimizers{"sgd"};
constexpr std::array<std::string_view, 7> kLayerTypes{"linear",     "relu",    "sigmoid",    "tanh",
                                                      "leaky_relu", "softmax", "log_softmax"};

// The keys a layer of each type takes.
constexpr std::array<std::string_view, 4> kLinearKeys{"type", "in", "out", "bias"};
constexpr std::array<std::string_view, 2> kLeakyKeys{"type", "negative_slope"};
constexpr std::array<std::string_view, 2> kSoftmaxKeys{"type", "dim"};
constexpr std::array<std::string_view, 1> kPlainLayerKeys{"type"};
constexpr std::array<std::string_view, 6> kAnyLayerKeys{"type",           "in", "out", "bias",
                                                        "negative_slope", "dim"};

constexpr int64_t kMaxWidth = 100'000;
constexpr size_t kMaxHiddenLayers = 100;
constexpr size_t kMaxLayers = 1'000;
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
// Issue 6: a model or dataset too large for memory is refused from the config,
// before anything is allocated, rather than ending in an out-of-memory kill.
// Each width alone is within kMaxWidth, but two such layers make 10^10
// weights. 2^28 float32 parameters are 1 GiB (training keeps about four
// copies: weights, gradients, momentum, the divergence snapshot).
constexpr double kMaxParameters = double(int64_t{1} << 28);

bool contains(Keys keys, std::string_view key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string join(Keys keys) {
    std::string out;
    for (const auto& k : keys) {
        out += out.empty() ? "" : ", ";
        out += k;
    }
    return out;
}

std::string child(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// "; did you mean 'hidden'?" for a key one or two edits from a valid one.
std::string suggestion(std::string_view key, Keys keys) {
    std::string_view best;
    size_t best_distance = 3;
    for (const auto& k : keys) {
        const size_t d = edit_distance(key, k);
        if (d < best_distance) {
            best_distance = d;
            best = k;
        }
    }
    return best.empty() ? "" : "did you mean '" + std::string(best) + "'? ";
}

// A scalar's text as it appears in a message, kept short so the message stays
// one readable line whatever the config holds.
std::string excerpt(const std::string& text) {
    std::string out;
    for (const char c : text.substr(0, 60)) {
        const auto byte = static_cast<unsigned char>(c);
        out += (byte < 0x20 || byte == 0x7f) ? ' ' : c;
    }
    return text.size() > 60 ? out + "..." : out;
}

// yaml-cpp's messages quote the offending character as it is, which may be a
// newline or a terminal escape from a corrupt file: masked so the message stays
// one line and cannot garble the terminal.
std::string printable(const std::string& text) {
    std::string out = text;
    for (char& c : out) {
        const auto byte = static_cast<unsigned char>(c);
        c = (byte < 0x20 || byte == 0x7f) ? ' ' : c;
    }
    return out;
}

bool is_quoted(const YAML::Node& node) {
    return node.Tag() == "!";
}

std::string describe(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Map:
            return "a mapping";
        case YAML::NodeType::Scalar:
            if (is_quoted(node)) {
                return "the string \"" + excerpt(node.Scalar()) + "\"";
            }
            return node.Scalar().empty() ? "an empty value" : excerpt(node.Scalar());
        default:
            return "nothing (null)";
    }
}

// YAML 1.2 core-schema floats (and integers): from_chars alone would also take
// "inf" and "nan", which YAML reads as strings.
std::optional<double> parse_number(std::string text) {
    if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf" || text == "+.Inf" ||
        text == "+.INF") {
        return std::numeric_limits<double>::infinity();
    }
    if (text == "-.inf" || text == "-.Inf" || text == "-.INF") {
        return -std::numeric_limits<double>::infinity();
    }
    if (text == ".nan" || text == ".NaN" || text == ".NAN") {
        return std::numeric_limits<double>::quiet_NaN();
    }
    if (!text.empty() && text[0] == '+') {
        text.erase(0, 1);
    }
    if (text.empty() || text.find_first_not_of("0123456789.eE+-") != std::string::npos) {
        return std::nullopt;
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (end != text.data() + text.size()) {
        return std::nullopt;
    }
    if (ec == std::errc::result_out_of_range) {
        // from_chars leaves the value alone here: an underflow reads as 0, an
        // overflow as an infinity, which every range check then rejects.
        const bool underflow =
            text.find("e-") != std::string::npos || text.find("E-") != std::string::npos;
        return underflow ? 0.0
                         : (text[0] == '-' ? -1.0 : 1.0) * std::numeric_limits<double>::infinity();
    }
    if (ec != std::errc()) {
        return std::nullopt;
    }
    return value;
}

bool is_integer_text(std::string_view text) {
    if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
        text.remove_prefix(1);
    }
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// Shortest text that reads back to the same value, spelled so that YAML 1.1
// readers (PyYAML) also see a float: "1.0e-05", not "1e-05".
template <typename T>
std::string format_number(T value) {
    std::array<char, 64> buf{};
    const auto result = std::to_chars(buf.data(), buf.data() + buf.size(), value);
    std::string text(buf.data(), result.ptr);
    const size_t e = text.find('e');
    if (e != std::string::npos && text.find('.') == std::string::npos) {
        text.insert(e, ".0");
    }
    return text;
}

struct Override {
    std::string key;   // dotted path
    std::string text;  // as given on the command line
};

struct NumberRange {
    double lo = -std::numeric_limits<double>::infinity();
    bool lo_open = false;
    double hi = std::numeric_limits<double>::infinity();
    bool hi_open = false;

    bool contains(double v) const {
        return std::isfinite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
    }

    std::string describe() const {
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
};

constexpr NumberRange kPositive{.lo = 0, .lo_open = true};
constexpr NumberRange kNonNegative{.lo = 0};
constexpr NumberRange kFinite{};

// Reads typed values out of the document, turning every mismatch into a
// one-line tinynn::Error that says where the value came from.
class Reader {
  public:
    Reader(std::string file, std::vector<Override> overrides)
        : file_(std::move(file)), overrides_(std::move(overrides)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const {
        fail_at(at.Mark(), "", message);
    }

    [[noreturn]] void fail(const YAML::Node& at, const std::string& path,
                           const std::string& message) const {
        fail_at(at.Mark(), path, (path.empty() ? "top level" : path) + ": " + message);
    }

    // Calls visit(key, value, path) for each entry of the mapping at `path`,
    // after checking it is one, its keys are scalars, none repeats and each is
    // in `keys`. A key that `misplaced` has a message for is reported with it
    // rather than as unknown.
    void for_each(
        const YAML::Node& map, const std::string& path, Keys keys,
        const std::function<void(const std::string&, const YAML::Node&, const std::string&)>& visit,
        const std::function<std::string(const std::string&)>& misplaced = {}) const {
        if (map.IsNull()) {
            return;  // a section with every key commented out
        }
        if (!map.IsMap()) {
            fail(map, path,
                 "expected a mapping of keys (" + join(keys) + "), got " + describe(map));
        }
        std::set<std::string> seen;
        for (const auto& entry : map) {
            const YAML::Node& key_node = entry.first;
            if (!key_node.IsScalar()) {
                fail(key_node, path, "expected a key name, got " + describe(key_node));
            }
            const std::string& key = key_node.Scalar();
            const std::string key_path = child(path, key);
            if (!contains(keys, key) && misplaced) {
                if (const std::string why = misplaced(key); !why.empty()) {
                    fail_at(key_node.Mark(), key_path, key_path + ": " + why);
                }
            }
            if (!contains(keys, key)) {
                fail_at(key_node.Mark(), key_path,
                        "unknown key '" + excerpt(key_path) + "' (" + suggestion(key, keys) +
                            "expected one of: " + join(keys) + ")");
            }
            if (!seen.insert(key).second) {
                fail_at(key_node.Mark(), key_path, "duplicate key '" + excerpt(key_path) + "'");
            }
            visit(key, entry.second, key_path);
        }
    }

    int64_t integer(const YAML::Node& node, const std::string& path, int64_t lo, int64_t hi) const {
        const std::string range = lo == 0 && hi == kInt64Max ? "a non-negative integer"
                                  : hi == kInt64Max          ? "an integer >= " + std::to_string(lo)
                                                    : "an integer from " + std::to_string(lo) +
                                                          " to " + std::to_string(hi);
        const std::string& text = integer_text(node, path, range);
        std::string digits = text[0] == '+' ? text.substr(1) : text;
        int64_t value = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec != std::errc() || end != digits.data() + digits.size() || value < lo || value > hi) {
            fail(node, path, "expected " + range + ", got " + excerpt(text));
        }
        return value;
    }

    uint64_t unsigned_integer(const YAML::Node& node, const std::string& path) const {
        const std::string range = "a non-negative integer (at most 2^64-1)";
        const std::string& text = integer_text(node, path, range);
        if (text[0] == '-') {
            if (text.find_first_not_of("-0") == std::string::npos) {
                return 0;
            }
            fail(node, path, "expected " + range + ", got " + excerpt(text));
        }
        const std::string digits = text[0] == '+' ? text.substr(1) : text;
        uint64_t value = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec != std::errc() || end != digits.data() + digits.size()) {
            fail(node, path, "expected " + range + ", got " + excerpt(text));
        }
        return value;
    }

    double number(const YAML::Node& node, const std::string& path, const NumberRange& range) const {
        std::optional<double> value;
        if (node.IsScalar() && !is_quoted(node)) {
            value = parse_number(node.Scalar());
        }
        if (!value) {
            fail(node, path, "expected " + range.describe() + ", got " + describe(node));
        }
        if (!range.contains(*value)) {
            fail(node, path, "expected " + range.describe() + ", got " + excerpt(node.Scalar()));
        }
        return *value;
    }

    // For the optimiser, which keeps float32: a value that float cannot hold
    // must fail here, not turn into inf or 0 inside SGD.
    float float32(const YAML::Node& node, const std::string& path, const NumberRange& range) const {
        const double value = number(node, path, range);
        const auto f = static_cast<float>(value);
        if (!range.contains(static_cast<double>(f))) {
            fail(node, path,
                 "expected " + range.describe() + " that fits a float32, got " +
                     excerpt(node.Scalar()));
        }
        return f;
    }

    bool boolean(const YAML::Node& node, const std::string& path) const {
        bool value = false;
        if (!node.IsScalar() || is_quoted(node) || !YAML::convert<bool>::decode(node, value)) {
            fail(node, path, "expected true or false, got " + describe(node));
        }
        return value;
    }

    std::string string(const YAML::Node& node, const std::string& path) const {
        if (!node.IsScalar()) {
            fail(node, path, "expected a string, got " + describe(node));
        }
        if (node.Scalar().empty()) {
            fail(node, path, "expected a non-empty string, got an empty one");
        }
        return node.Scalar();
    }

    std::string choice(const YAML::Node& node, const std::string& path, Keys choices) const {
        if (!node.IsScalar() || !contains(choices, node.Scalar())) {
            fail(node, path, "expected one of " + join(choices) + ", got " + describe(node));
        }
        return node.Scalar();
    }

    // An optional string (data.target, paths): null leaves it unset.
    std::optional<std::string> optional_string(const YAML::Node& node,
                                               const std::string& path) const {
        if (node.IsNull()) {
            return std::nullopt;
        }
        return string(node, path);
    }

    const YAML::Node& list(const YAML::Node& node, const std::string& path,
                           const std::string& of) const {
        if (!node.IsSequence()) {
            fail(node, path, "expected a list of " + of + ", got " + describe(node));
        }
        return node;
    }

  private:
    const std::string& integer_text(const YAML::Node& node, const std::string& path,
                                    const std::string& range) const {
        if (!node.IsScalar() || is_quoted(node)) {
            fail(node, path, "expected " + range + ", got " + describe(node));
        }
        const std::string& text = node.Scalar();
        if (!is_integer_text(text)) {
            const bool numeric = parse_number(text).has_value();
            fail(node, path,
                 std::string("expected ") +
                     (numeric ? "an integer (no fraction or exponent)" : range) + ", got " +
                     excerpt(text));
        }
        return text;
    }

    const Override* override_for(const std::string& path) const {
        // The latest --set of a key wins, so it is the one to name.
        for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
            const std::string& key = it->key;
            const auto covers = [](const std::string& outer, const std::string& inner) {
                return inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
                       (inner[outer.size()] == '.' || inner[outer.size()] == '[');
            };
            if (!path.empty() && (path == key || covers(key, path) || covers(path, key))) {
                return &*it;
            }
        }
        return nullptr;
    }

    [[noreturn]] void fail_at(const YAML::Mark& mark, const std::string& path,
                              const std::string& message) const {
        std::string where = file_;
        if (const Override* o = override_for(path)) {
            // Line and column would point into the --set text, not the file.
            where += ": --set " + excerpt(o->text);
        } else if (!mark.is_null()) {
            where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
        }
        // A key may hold a newline or terminal escape (a quoted YAML key can
        // hold anything, found by fuzzing): the message must stay one line.
        throw Error(where + ": " + printable(message));
    }

    std::string file_;
    std::vector<Override> overrides_;
};

void apply_override(YAML::Node& root, const std::string& text, const std::string& file,
                    std::vector<Override>& applied) {
    const auto fail = [&](const std::string& why) -> void {
        throw Error(file + ": --set " + excerpt(text) + ": " + why);
    };
    const size_t eq = text.find('=');
    if (eq == std::string::npos) {
        fail("expected KEY=VALUE, e.g. --set model.activation=relu");
    }
    const std::string key = text.substr(0, eq);
    if (key.empty()) {
        fail("the key before '=' is empty; expected KEY=VALUE, e.g. --set training.epochs=100");
    }
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
        const size_t dot = key.find('.', start);
        parts.push_back(key.substr(start, dot - start));
        if (parts.back().empty()) {
            fail("the key '" + key + "' has an empty part; expected a dotted path like data.noise");
        }
        if (dot == std::string::npos) {
            break;
        }
        start = dot + 1;
    }
    YAML::Node value;
    try {
        value.reset(YAML::Load(text.substr(eq + 1)));
    } catch (const YAML::Exception& e) {
        fail("the value is not valid YAML: " + printable(e.msg));
    }

    YAML::Node current = root;
    std::string walked;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        walked = child(walked, parts[i]);
        // Lookups go through a const reference: the non-const operator[]
        // would add the key as a side effect.
        const YAML::Node& const_current = current;
        const YAML::Node next = const_current[parts[i]];
        if (!next.IsDefined() || next.IsNull()) {
            current[parts[i]] = YAML::Node(YAML::NodeType::Map);
        } else if (!next.IsMap()) {
            fail("'" + walked + "' is " + describe(next) + ", not a mapping, so it has no key '" +
                 parts[i + 1] + "'");
        }
        // reset() rebinds; assignment would overwrite the node in the tree.
        current.reset(const_current[parts[i]]);
    }
    current[parts.back()] = value;
    applied.push_back({key, text});
}

std::string read_file(const fs::path& path, const std::string& shown) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (status.type() == fs::file_type::not_found) {
        throw Error(shown + ": cannot read the config: no such file");
    }
    if (ec) {
        throw Error(shown + ": cannot read the config: " + ec.message());
    }
    if (fs::is_directory(status)) {
        throw Error(shown + ": cannot read the config: it is a directory, expected a YAML file");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(shown + ": cannot read the config: " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw Error(shown + ": cannot read the config: read error");
    }
    return text.str();
}

fs::path resolve(const std::string& value, const fs::path& base) {
    const fs::path p(value);
    return (p.is_absolute() ? p : base / p).lexically_normal();
}

void read_data(const Reader& r, const YAML::Node& node, const fs::path& base, DataConfig& d) {
    YAML::Node kind_node;
    bool has_path = false;
    r.for_each(node, "data", kDataKeys,
               [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                   if (key == "kind") {
                       d.kind = r.choice(v, p, kDataKinds);
                       kind_node.reset(v);
                   } else if (key == "samples") {
                       d.samples = r.integer(v, p, 1, 10'000'000);
                   } else if (key == "noise") {
                       d.noise = r.number(v, p, kNonNegative);
                   } else if (key == "classes") {
                       d.classes = r.integer(v, p, 2, 1000);
                   } else if (key == "path") {
                       const auto s = r.optional_string(v, p);
                       d.path = s ? resolve(*s, base) : fs::path();
                       has_path = s.has_value();
                   } else if (key == "header") {
                       d.header = r.boolean(v, p);
                   } else if (key == "target") {
                       d.target = r.optional_string(v, p).value_or("");
                   } else if (key == "task") {
                       d.task = r.choice(v, p, kTasks);
                   } else if (key == "normalize") {
                       d.normalize = r.choice(v, p, kNormalize);
                   } else if (key == "test_split") {
                       d.test_split = r.number(v, p, {.lo = 0, .hi = 1, .hi_open = true});
                   } else if (key == "shuffle_split") {
                       d.shuffle_split = r.boolean(v, p);
                   }
               });
    if (d.kind == "csv" && !has_path) {
        r.fail(kind_node, "data.kind", "csv requires data.path (the CSV file to read)");
    }
}

LayerConfig read_layer(const Reader& r, const YAML::Node& node, const std::string& path) {
    if (!node.IsMap()) {
        r.fail(node, path,
               "expected a layer mapping such as {type: linear, in: 2, out: 8}, got " +
                   describe(node));
    }
    LayerConfig layer;
    const YAML::Node& type_node = node["type"];
    if (!type_node.IsDefined()) {
        r.fail(node, path, "missing 'type' (one of " + join(kLayerTypes) + ")");
    }
    layer.type = r.choice(type_node, path + ".type", kLayerTypes);
    Keys keys = kPlainLayerKeys;
    if (layer.type == "linear") {
        keys = kLinearKeys;
    } else if (layer.type == "leaky_relu") {
        keys = kLeakyKeys;
    } else if (layer.type == "softmax" || layer.type == "log_softmax") {
        keys = kSoftmaxKeys;
    }
    bool has_in = false;
    bool has_out = false;
    // A key of another layer type is the likelier mistake than a typo, and
    // gets its own message.
    const auto misplaced = [&](const std::string& key) {
        return contains(kAnyLayerKeys, key)
                   ? "not a key of a '" + layer.type + "' layer (its keys: " + join(keys) + ")"
                   : std::string();
    };
    r.for_each(
        node, path, keys,
        [&](const std::string& key, const YAML::Node& v, const std::string& p) {
            if (key == "in") {
                layer.in = r.integer(v, p, 1, kMaxWidth);
                has_in = true;
            } else if (key == "out") {
                layer.out = r.integer(v, p, 1, kMaxWidth);
                has_out = true;
            } else if (key == "bias") {
                layer.bias = r.boolean(v, p);
            } else if (key == "negative_slope") {
                layer.negative_slope = r.number(v, p, kFinite);
            } else if (key == "dim") {
                layer.dim = r.integer(v, p, -2, 1);
            }
        },
        misplaced);
    if (layer.type == "linear" && (!has_in || !has_out)) {
        r.fail(node, path + (has_in ? ".out" : ".in"), "required for a linear layer");
    }
    return layer;
}

void read_model(const Reader& r, const YAML::Node& node, const fs::path& base, ModelConfig& m) {
    YAML::Node layers_node;
    bool has_layers = false;
    YAML::Node shorthand_node;  // the first shorthand-only key, to name in a conflict
    std::string shorthand_key;
    r.for_each(node, "model", kModelKeys,
               [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                   if (key == "hidden" || key == "activation" || key == "negative_slope" ||
                       key == "output") {
                       if (shorthand_key.empty()) {
                           shorthand_key = p;
                           shorthand_node.reset(v);
                       }
                   }
                   if (key == "kind") {
                       m.kind = r.string(v, p);
                   } else if (key == "hidden") {
                       const YAML::Node& list = r.list(v, p, "layer widths");
                       if (list.size() > kMaxHiddenLayers) {
                           r.fail(v, p,
                                  "expected at most " + std::to_string(kMaxHiddenLayers) +
                                      " hidden layers, got " + std::to_string(list.size()));
                       }
                       m.hidden.clear();
                       for (size_t i = 0; i < list.size(); ++i) {
                           m.hidden.push_back(
                               r.integer(list[i], p + "[" + std::to_string(i) + "]", 1, kMaxWidth));
                       }
                   } else if (key == "activation") {
                       m.activation = r.choice(v, p, kActivations);
                   } else if (key == "negative_slope") {
                       m.negative_slope = r.number(v, p, kFinite);
                   } else if (key == "output") {
                       m.output = r.choice(v, p, kOutputs);
                   } else if (key == "init") {
                       m.init = r.choice(v, p, kInits);
                   } else if (key == "bias_init") {
                       if (v.IsNull()) {
                           m.bias_init.reset();
                       } else {
                           m.bias_init = r.number(v, p, kFinite);
                       }
                   } else if (key == "init_from") {
                       const auto s = r.optional_string(v, p);
                       m.init_from = s ? resolve(*s, base) : fs::path();
                   } else if (key == "layers") {
                       layers_node.reset(v);
                       has_layers = true;
                   }
               });
    if (!has_layers) {
        return;
    }
    // Both forms at once would leave one silently unused.
    if (!shorthand_key.empty()) {
        r.fail(shorthand_node, shorthand_key,
               "cannot be combined with model.layers (the shorthand hidden/activation/"
               "negative_slope/output builds the layers itself); remove one of them");
    }
    const YAML::Node& list = r.list(layers_node, "model.layers", "layer mappings");
    if (list.size() == 0 || list.size() > kMaxLayers) {
        r.fail(layers_node, "model.layers",
               "expected 1 to " + std::to_string(kMaxLayers) + " layers, got " +
                   std::to_string(list.size()));
    }
    m.layers.clear();
    int64_t previous_out = 0;
    size_t previous_linear = 0;
    for (size_t i = 0; i < list.size(); ++i) {
        const std::string p = "model.layers[" + std::to_string(i) + "]";
        m.layers.push_back(read_layer(r, list[i], p));
        const LayerConfig& layer = m.layers.back();
        if (layer.type != "linear") {
            continue;
        }
        if (previous_out != 0 && layer.in != previous_out) {
            r.fail(list[i]["in"], p + ".in",
                   "expected " + std::to_string(previous_out) + " to match model.layers[" +
                       std::to_string(previous_linear) + "].out, got " + std::to_string(layer.in));
        }
        previous_out = layer.out;
        previous_linear = i;
    }
    if (previous_out == 0) {
        r.fail(layers_node, "model.layers", "needs at least one linear layer");
    }
}

void read_optimizer(const Reader& r, const YAML::Node& node, OptimizerConfig& o) {
    YAML::Node nesterov_node;
    r.for_each(node, "optimizer", kOptimizerKeys,
               [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                   if (key == "kind") {
                       o.kind = r.choice(v, p, kOptimizers);
                   } else if (key == "lr") {
                       o.sgd.lr = r.float32(v, p, kPositive);
                   } else if (key == "momentum") {
                       o.sgd.momentum = r.float32(v, p, kNonNegative);
                   } else if (key == "dampening") {
                       o.sgd.dampening = r.float32(v, p, kNonNegative);
                   } else if (key == "weight_decay") {
                       o.sgd.weight_decay = r.float32(v, p, kNonNegative);
                   } else if (key == "nesterov") {
                       o.sgd.nesterov = r.boolean(v, p);
                       nesterov_node.reset(v);
                   }
               });
    if (o.sgd.nesterov && (o.sgd.momentum <= 0 || o.sgd.dampening != 0)) {
        r.fail(nesterov_node, "optimizer.nesterov",
               "true requires optimizer.momentum > 0 and optimizer.dampening 0, got momentum " +
                   format_number(o.sgd.momentum) + " and dampening " +
                   format_number(o.sgd.dampening));
    }
}

void read_training(const Reader& r, const YAML::Node& node, TrainingConfig& t) {
    r.for_each(node, "training", kTrainingKeys,
               [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                   if (key == "epochs") {
                       t.epochs = r.integer(v, p, 1, 10'000'000);
                   } else if (key == "batch_size") {
                       t.batch_size = r.integer(v, p, 0, kInt64Max);
                   } else if (key == "shuffle") {
                       t.shuffle = r.boolean(v, p);
                   } else if (key == "log_every") {
                       t.log_every = r.integer(v, p, 1, kInt64Max);
                   } else if (key == "diagnostics") {
                       t.diagnostics = r.boolean(v, p);
                   }
               });
}

void read_compare(const Reader& r, const YAML::Node& node, CompareConfig& c) {
    r.for_each(node, "compare", kCompareKeys,
               [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                   if (key == "activations") {
                       const YAML::Node& list =
                           r.list(v, p, "activations (" + join(kActivations) + ")");
                       if (list.size() == 0) {
                           r.fail(v, p, "expected at least one activation, got an empty list");
                       }
                       c.activations.clear();
                       for (size_t i = 0; i < list.size(); ++i) {
                           const std::string item = p + "[" + std::to_string(i) + "]";
                           std::string name = r.choice(list[i], item, kActivations);
                           // A repeat would merge two activations' runs into one row.
                           if (std::find(c.activations.begin(), c.activations.end(), name) !=
                               c.activations.end()) {
                               r.fail(list[i], item, "'" + name + "' is listed twice");
                           }
                           c.activations.push_back(std::move(name));
                       }
                   } else if (key == "seeds") {
                       const YAML::Node& list = r.list(v, p, "non-negative integers");
                       if (list.size() == 0) {
                           r.fail(v, p, "expected at least one seed, got an empty list");
                       }
                       c.seeds.clear();
                       for (size_t i = 0; i < list.size(); ++i) {
                           const std::string item = p + "[" + std::to_string(i) + "]";
                           const uint64_t seed = r.unsigned_integer(list[i], item);
                           if (std::find(c.seeds.begin(), c.seeds.end(), seed) != c.seeds.end()) {
                               r.fail(list[i], item,
                                      "seed " + std::to_string(seed) + " is listed twice");
                           }
                           c.seeds.push_back(seed);
                       }
                   } else if (key == "target_loss") {
                       if (v.IsNull()) {
                           c.target_loss.reset();
                       } else {
                           c.target_loss = r.number(v, p, kPositive);
                       }
                   }
               });
}

void read_limits(const Reader& r, const YAML::Node& node, LimitsConfig& l) {
    r.for_each(node, "limits", kLimitsKeys,
               [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                   if (key == "memory_mb") {
                       // Null asks for the machine's default, as an absent key does.
                       if (v.IsNull()) {
                           l.memory_mb.reset();
                       } else {
                           l.memory_mb = r.number(v, p, kPositive);
                       }
                   }
               });
}

// A string as a YAML scalar that reads back as the same string: plain when
// nothing could take it for a number, bool or null, else double-quoted.
std::string yaml_string(const std::string& s) {
    static constexpr std::array<std::string_view, 11> kSpecial{
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ""};
    std::string lower = s;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const bool plain =
        !s.empty() && std::isalpha(static_cast<unsigned char>(s[0])) &&
        s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-") ==
            std::string::npos &&
        !contains(kSpecial, lower);
    if (plain) {
        return s;
    }
    YAML::Emitter out;
    out << YAML::DoubleQuoted << s;
    return out.c_str();
}

std::string yaml_path(const fs::path& p) {
    return p.empty() ? "~" : yaml_string(p.string());
}

const char* yaml_bool(bool b) {
    return b ? "true" : "false";
}

template <typename T, typename Format>
std::string flow_list(const std::vector<T>& values, Format format) {
    std::string out = "[";
    for (size_t i = 0; i < values.size(); ++i) {
        out += (i ? ", " : "") + format(values[i]);
    }
    return out + "]";
}

std::string gib(double floats) {
    std::ostringstream out;
    out << std::fixed;
    out.precision(1);
    out << floats * 4 / double(int64_t{1} << 30) << " GiB";
    return out.str();
}

// The estimate behind kMaxParameters. The data's
// feature and output counts are not known from the config alone, so the
// shorthand's first and last layers count one of each: the estimate is a
// lower bound, enough to refuse what can never fit.
void check_memory(const Reader& r, const YAML::Node& root, const Config& c) {
    const ModelConfig& m = c.model;
    double parameters = 0;
    if (!m.layers.empty()) {
        for (const LayerConfig& l : m.layers) {
            if (l.type == "linear") {
                parameters += double(l.in) * double(l.out) + (l.bias ? double(l.out) : 0);
            }
        }
    } else if (m.kind == "mlp") {
        double previous = 1;
        for (const int64_t h : m.hidden) {
            parameters += previous * double(h) + double(h);
            previous = double(h);
        }
        parameters += previous + 1;
    }
    const std::string key = m.layers.empty() ? "model.hidden" : "model.layers";
    // The key's own node for its line and column; the model may also come
    // from defaults and --set alone, and then the document has none.
    YAML::Node at(root);
    if (const YAML::Node model = root["model"]; model.IsDefined() && model.IsMap()) {
        if (const YAML::Node node = model[m.layers.empty() ? "hidden" : "layers"];
            node.IsDefined()) {
            at.reset(node);
        }
    }
    if (parameters > kMaxParameters) {
        r.fail(at, key,
               "the model would have at least " + format_number(parameters) + " parameters (" +
                   gib(parameters) + " of float32 weights), over the limit of " +
                   format_number(kMaxParameters) + " (" + gib(kMaxParameters) +
                   "); use narrower or fewer layers");
    }
}

// Where each document of `text` starts, up to three. yaml-cpp 0.7's LoadAll
// never returns on a document that starts with a stray ',' (found by fuzzing):
// its parser reports an empty document without consuming the token, again
// and again, while memory grows. Counting with a cap, and noticing two starts
// at the same place, turns that into a syntax error.
std::vector<YAML::Mark> document_starts(const std::string& text) {
    class Counter final : public YAML::EventHandler {
      public:
        std::vector<YAML::Mark> starts;
        void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
        void OnDocumentEnd() override {}
        void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
        void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
        void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                      const std::string&) override {}
        void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                             YAML::EmitterStyle::value) override {}
        void OnSequenceEnd() override {}
        void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                        YAML::EmitterStyle::value) override {}
        void OnMapEnd() override {}
    };
    std::istringstream in(text);
    YAML::Parser parser(in);
    Counter counter;
    while (counter.starts.size() < 3 && parser.HandleNextDocument(counter)) {
    }
    return counter.starts;
}

Config load_config_unguarded(const std::filesystem::path& path,
                             const std::vector<std::string>& overrides) {
    const std::string shown = path.string();
    const std::string text = read_file(path, shown);

    std::vector<YAML::Node> documents;
    try {
        const std::vector<YAML::Mark> starts = document_starts(text);
        for (size_t i = 1; i < starts.size(); ++i) {
            if (starts[i].pos == starts[i - 1].pos) {
                const YAML::Mark& m = starts[i];
                const char c = static_cast<size_t>(m.pos) < text.size() ? text[m.pos] : ' ';
                throw Error(shown + ":" + std::to_string(m.line + 1) + ":" +
                            std::to_string(m.column + 1) + ": YAML syntax error: unexpected '" +
                            printable(std::string(1, c)) + "' where a value should start");
            }
        }
        if (starts.size() > 1) {
            throw Error(shown + ": expected one YAML document, found more (separated by ---)");
        }
        documents.push_back(YAML::Load(text));
    } catch (const YAML::Exception& e) {
        std::string where = shown;
        if (!e.mark.is_null()) {
            where +=
                ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
        }
        throw Error(where + ": YAML syntax error: " + printable(e.msg));
    }
    if (documents[0].IsNull()) {
        throw Error(shown + ": the config is empty; expected a mapping with keys such as data, " +
                    "model, training");
    }
    YAML::Node root = documents[0];
    if (!root.IsMap()) {
        throw Error(shown + ":" + std::to_string(root.Mark().line + 1) + ":" +
                    std::to_string(root.Mark().column + 1) +
                    ": expected a mapping of keys at the top level (" + join(kTopKeys) + "), got " +
                    describe(root));
    }

    std::vector<Override> applied;
    for (const auto& o : overrides) {
        apply_override(root, o, shown, applied);
    }

    std::error_code ec;
    const fs::path absolute = fs::absolute(path, ec);
    if (ec) {
        throw Error(shown + ": cannot resolve the config's directory: " + ec.message());
    }
    const fs::path base = absolute.parent_path();

    const Reader r(shown, std::move(applied));
    Config config;
    config.file = path;
    config.name = path.stem().string();
    r.for_each(root, "", kTopKeys,
               [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                   if (key == "name") {
                       config.name = r.string(v, p);
                       // The name becomes the run directory runs/<name>.
                       const bool control =
                           std::any_of(config.name.begin(), config.name.end(),
                                       [](unsigned char ch) { return ch < 0x20 || ch == 0x7f; });
                       if (control || config.name.find_first_of("/\\") != std::string::npos ||
                           config.name == "." || config.name == "..") {
                           r.fail(v, p,
                                  "expected a name without '/' or control characters (it names "
                                  "the run directory), got " +
                                      excerpt(config.name));
                       }
                   } else if (key == "seed") {
                       config.seed = r.unsigned_integer(v, p);
                   } else if (key == "data") {
                       read_data(r, v, base, config.data);
                   } else if (key == "model") {
                       read_model(r, v, base, config.model);
                   } else if (key == "loss") {
                       config.loss = r.choice(v, p, kLosses);
                   } else if (key == "optimizer") {
                       read_optimizer(r, v, config.optimizer);
                   } else if (key == "training") {
                       read_training(r, v, config.training);
                   } else if (key == "compare") {
                       read_compare(r, v, config.compare);
                   } else if (key == "limits") {
                       read_limits(r, v, config.limits);
                   }
               });
    if (config.name.empty()) {
        throw Error(shown + ": name: the config file has no stem to name the run; set name");
    }
    check_memory(r, root, config);
    return config;
}

}  // namespace

Config load_config(const std::filesystem::path& path, const std::vector<std::string>& overrides) {
    try {
        return load_config_unguarded(path, overrides);
    } catch (const YAML::Exception& e) {
        // Every expected problem is reported above; this keeps an unforeseen
        // yaml-cpp failure a one-line config error rather than a crash.
        throw Error(path.string() + ": cannot read the config: " + printable(e.msg));
    }
}

std::string to_yaml(const Config& c) {
    const auto num = [](auto v) { return format_number(v); };
    const auto str = [](const std::string& s) { return yaml_string(s); };
    std::ostringstream out;
    out << "name: " << yaml_string(c.name) << "\n"
        << "seed: " << c.seed << "\n"
        << "\n"
        << "data:\n"
        << "  kind: " << c.data.kind << "\n"
        << "  samples: " << c.data.samples << "\n"
        << "  noise: " << num(c.data.noise) << "\n"
        << "  classes: " << c.data.classes << "\n"
        << "  path: " << yaml_path(c.data.path) << "\n"
        << "  header: " << yaml_bool(c.data.header) << "\n"
        << "  target: " << (c.data.target.empty() ? "~" : yaml_string(c.data.target)) << "\n"
        << "  task: " << c.data.task << "\n"
        << "  normalize: " << c.data.normalize << "\n"
        << "  test_split: " << num(c.data.test_split) << "\n"
        << "  shuffle_split: " << yaml_bool(c.data.shuffle_split) << "\n"
        << "\n"
        << "model:\n"
        << "  kind: " << yaml_string(c.model.kind) << "\n";
    if (c.model.layers.empty()) {
        out << "  hidden: " << flow_list(c.model.hidden, num) << "\n"
            << "  activation: " << c.model.activation << "\n"
            << "  negative_slope: " << num(c.model.negative_slope) << "\n"
            << "  output: " << c.model.output << "\n";
    } else {
        out << "  layers:\n";
        for (const auto& l : c.model.layers) {
            out << "    - {type: " << l.type;
            if (l.type == "linear") {
                out << ", in: " << l.in << ", out: " << l.out << ", bias: " << yaml_bool(l.bias);
            } else if (l.type == "leaky_relu") {
                out << ", negative_slope: " << num(l.negative_slope);
            } else if (l.type == "softmax" || l.type == "log_softmax") {
                out << ", dim: " << l.dim;
            }
            out << "}\n";
        }
    }
    out << "  init: " << c.model.init << "\n"
        << "  bias_init: " << (c.model.bias_init ? num(*c.model.bias_init) : "~") << "\n"
        << "  init_from: " << yaml_path(c.model.init_from) << "\n"
        << "\n"
        << "loss: " << c.loss << "\n"
        << "\n"
        << "optimizer:\n"
        << "  kind: " << c.optimizer.kind << "\n"
        << "  lr: " << num(c.optimizer.sgd.lr) << "\n"
        << "  momentum: " << num(c.optimizer.sgd.momentum) << "\n"
        << "  dampening: " << num(c.optimizer.sgd.dampening) << "\n"
        << "  weight_decay: " << num(c.optimizer.sgd.weight_decay) << "\n"
        << "  nesterov: " << yaml_bool(c.optimizer.sgd.nesterov) << "\n"
        << "\n"
        << "training:\n"
        << "  epochs: " << c.training.epochs << "\n"
        << "  batch_size: " << c.training.batch_size << "\n"
        << "  shuffle: " << yaml_bool(c.training.shuffle) << "\n"
        << "  log_every: " << c.training.log_every << "\n"
        << "  diagnostics: " << yaml_bool(c.training.diagnostics) << "\n"
        << "\n"
        << "compare:\n"
        << "  activations: " << flow_list(c.compare.activations, str) << "\n"
        << "  seeds: " << flow_list(c.compare.seeds, num) << "\n"
        << "  target_loss: " << (c.compare.target_loss ? num(*c.compare.target_loss) : "~") << "\n"
        << "\n"
        << "limits:\n"
        << "  memory_mb: " << (c.limits.memory_mb ? num(*c.limits.memory_mb) : "~") << "\n";
    return out.str();
}

}  // namespace tinynn::app
