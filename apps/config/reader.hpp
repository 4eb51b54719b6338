#pragma once

// What the schema table (schema.hpp) reads values with: where a value came
// from (the file's line:column, or the --set that put it there) and one-line
// messages saying what was expected and what was found. User text reaches a
// message only through tinynn::escape_text.

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tinynn::cli::config_detail {

using Names = std::span<const std::string_view>;

// A --set override as applied to the document.
struct Override {
    std::string key;   // dotted path
    std::string text;  // as given on the command line
};

class Reader {
  public:
    // `file` as messages name it (already escaped); `base` is the directory
    // relative paths in the config are resolved against.
    Reader(std::string file, std::filesystem::path base, std::vector<Override> overrides);

    const std::filesystem::path& base() const { return base_; }
    // Whether a --set gave `path`, or a key inside or around it.
    bool overridden(const std::string& path) const { return override_for(path) != nullptr; }

    // "<where>: <path>: <message>", where is the file and the node's
    // line:column, or the --set that wrote `path`.
    [[noreturn]] void fail(const YAML::Node& at, const std::string& path,
                           const std::string& message) const;

    // Calls visit(key, value, path) for each entry of the mapping at `path`,
    // after checking it is one, its keys are scalars, none repeats and each
    // is in `keys`. A key that `misplaced` has a message for is reported with
    // it rather than as unknown. A null section (every key commented out)
    // has no entries.
    void for_each(
        const YAML::Node& map, const std::string& path, Names keys,
        const std::function<void(const std::string&, const YAML::Node&, const std::string&)>& visit,
        const std::function<std::string(const std::string&)>& misplaced = {}) const;

  private:
    [[noreturn]] void fail_at(const YAML::Mark& mark, const std::string& path,
                              const std::string& message) const;
    const Override* override_for(const std::string& path) const;

    std::string file_;
    std::filesystem::path base_;
    std::vector<Override> overrides_;
};

// "a list", "the string \"200\"", "8": what a message says was found.
std::string describe(const YAML::Node& node);

// Written in quotes in the file: a string whatever it looks like.
bool is_quoted(const YAML::Node& node);

// A YAML 1.2 core-schema number (".inf", "1e-3", "+5"); nullopt for other
// text. Out-of-range text reads as 0 or an infinity, which ranges reject.
std::optional<double> parse_number(std::string text);

// Digits with an optional sign: no fraction or exponent.
bool is_integer_text(std::string_view text);

// The shortest text that reads back to the same value, spelled so that YAML
// 1.1 readers (PyYAML) also see a float: "1.0e-05", not "1e-05".
std::string format_number(double value);
std::string format_number(float value);

// A string as a YAML scalar that reads back as the same string: plain when
// nothing could take it for a number, bool or null, else double-quoted.
std::string yaml_string(const std::string& text);

// Where the first byte of `text` that is not well-formed UTF-8 is, or
// nullopt when it all is. YAML is Unicode text: a string with other bytes
// cannot be written back as it was read (an emitter replaces them).
std::optional<size_t> invalid_utf8(std::string_view text);

// "did you mean 'hidden'? " for a key one or two edits from one of `keys`,
// else empty.
std::string suggestion(std::string_view key, Names keys);

// A value on one line, as YAML flow style writes it: "[16, 16]".
std::string flow_text(const YAML::Node& node);

// "a, b, c".
std::string join(Names names);

}  // namespace tinynn::cli::config_detail
