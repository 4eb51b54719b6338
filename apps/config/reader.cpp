#include "reader.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <system_error>

#include "tinynn/error.hpp"

namespace tinynn::cli::config_detail {

namespace {

bool contains(Names names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
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

template <typename T>
std::string shortest(T value) {
    std::array<char, 64> buf{};
    const auto result = std::to_chars(buf.data(), buf.data() + buf.size(), value);
    std::string text(buf.data(), result.ptr);
    const size_t e = text.find('e');
    if (e != std::string::npos && text.find('.') == std::string::npos) {
        text.insert(e, ".0");
    }
    return text;
}

}  // namespace

Reader::Reader(std::string file, std::filesystem::path base, std::vector<Override> overrides)
    : file_(std::move(file)), base_(std::move(base)), overrides_(std::move(overrides)) {}

void Reader::fail(const YAML::Node& at, const std::string& path, const std::string& message) const {
    fail_at(at.Mark(), path, (path.empty() ? "top level" : escape_text(path)) + ": " + message);
}

void Reader::for_each(
    const YAML::Node& map, const std::string& path, Names keys,
    const std::function<void(const std::string&, const YAML::Node&, const std::string&)>& visit,
    const std::function<std::string(const std::string&)>& misplaced) const {
    if (map.IsNull()) {
        return;
    }
    if (!map.IsMap()) {
        fail(map, path, "expected a mapping of keys (" + join(keys) + "), got " + describe(map));
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
                fail_at(key_node.Mark(), key_path, escape_text(key_path) + ": " + why);
            }
        }
        if (!contains(keys, key)) {
            fail_at(key_node.Mark(), key_path,
                    "unknown key '" + escape_text(key_path) + "' (" + suggestion(key, keys) +
                        "expected one of: " + join(keys) + ")");
        }
        if (!seen.insert(key).second) {
            fail_at(key_node.Mark(), key_path, "duplicate key '" + escape_text(key_path) + "'");
        }
        visit(key, entry.second, key_path);
    }
}

void Reader::fail_at(const YAML::Mark& mark, const std::string& path,
                     const std::string& message) const {
    std::string where = file_;
    if (const Override* o = override_for(path)) {
        // Line and column would point into the --set text, not the file.
        where += ": --set " + escape_text(o->text);
    } else if (!mark.is_null()) {
        where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    }
    throw Error(where + ": " + message);
}

const Override* Reader::override_for(const std::string& path) const {
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
                return "the string \"" + escape_text(node.Scalar()) + "\"";
            }
            return node.Scalar().empty() ? "an empty value" : escape_text(node.Scalar());
        default:
            return "nothing (null)";
    }
}

std::optional<double> parse_number(std::string text) {
    // from_chars alone would also take "inf" and "nan", which YAML reads as
    // strings.
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
        // from_chars leaves the value alone here.
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

std::string format_number(double value) {
    return shortest(value);
}

std::string format_number(float value) {
    return shortest(value);
}

std::string yaml_string(const std::string& text) {
    static constexpr std::array<std::string_view, 11> kSpecial{
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ""};
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const bool plain = !text.empty() && std::isalpha(static_cast<unsigned char>(text[0])) &&
                       text.find_first_not_of(
                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-") ==
                           std::string::npos &&
                       !contains(kSpecial, lower);
    if (plain) {
        return text;
    }
    YAML::Emitter out;
    out << YAML::DoubleQuoted << text;
    return out.c_str();
}

std::string join(Names names) {
    std::string out;
    for (const auto& name : names) {
        out += out.empty() ? "" : ", ";
        out += name;
    }
    return out;
}

std::string suggestion(std::string_view key, Names keys) {
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

std::optional<size_t> invalid_utf8(std::string_view text) {
    for (size_t i = 0; i < text.size();) {
        const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
        const unsigned char c = byte(i);
        size_t length = 0;
        uint32_t lowest = 0;  // the smallest code point of that length: no overlong forms
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            length = 2;
            lowest = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            length = 3;
            lowest = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            length = 4;
            lowest = 0x10000;
        } else {
            return i;
        }
        if (i + length > text.size())
            return i;
        uint32_t code = c & (0x7F >> length);
        for (size_t k = 1; k < length; ++k) {
            if ((byte(i + k) & 0xC0) != 0x80)
                return i;
            code = (code << 6) | (byte(i + k) & 0x3F);
        }
        if (code < lowest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            return i;
        i += length;
    }
    return std::nullopt;
}

std::string flow_text(const YAML::Node& node) {
    YAML::Emitter out;
    out.SetSeqFormat(YAML::Flow);
    out.SetMapFormat(YAML::Flow);
    out << node;
    return out.c_str();
}

}  // namespace tinynn::cli::config_detail
