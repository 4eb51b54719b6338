// docs/config.md, generated from the schema table: tests/config checks that
// the file in the repository is this text.

#include <sstream>

#include "schema.hpp"
#include "tinynn/cli/config.hpp"

namespace tinynn::cli {

namespace {

using namespace config_detail;

// Table cells: a '|' would end the cell.
std::string cell(std::string_view text) {
    std::string out;
    for (const char c : text) {
        out += c == '|' ? "\\|" : std::string(1, c);
    }
    return out;
}

std::string code(std::string_view text) {
    std::string out(1, '`');
    out += cell(text);
    return out + '`';
}

std::string default_of(const Key& k) {
    return k.default_text.empty() ? code(k.write(experiment::Config{})) : cell(k.default_text);
}

void key_table(std::ostringstream& out, std::string_view section) {
    out << "| key | type | default | meaning |\n|---|---|---|---|\n";
    for (const Key& k : config_keys()) {
        const bool in_section = section.empty() ? k.path.find('.') == std::string_view::npos
                                                : k.path.starts_with(std::string(section) + ".");
        if (in_section) {
            out << "| " << code(k.path) << " | " << cell(k.type) << " | " << default_of(k) << " | "
                << (k.form == Form::shorthand ? "Shorthand: " : "")
                << (k.applies_to.empty() ? "" : "(" + cell(k.applies_to) + ") ") << cell(k.doc)
                << " |\n";
        }
    }
}

void layer_table(std::ostringstream& out) {
    out << "| key | layer types | type | default | meaning |\n|---|---|---|---|---|\n";
    for (const LayerKey& k : layer_keys()) {
        std::string types;
        std::string fallback;  // the default, from the first type that takes the key
        size_t count = 0;
        const std::vector<std::string_view> type_names = layer_type_names();
        for (const std::string_view type : type_names) {
            const models::LayerSpec layer = layer_of_type(type);
            if (k.takes(layer)) {
                types += (types.empty() ? "" : ", ") + code(type);
                fallback = fallback.empty() ? k.write(layer) : fallback;
                ++count;
            }
        }
        out << "| " << code(k.name) << " | " << (count == type_names.size() ? "all" : types)
            << " | " << cell(k.type) << " | " << (k.required ? "required" : code(fallback)) << " | "
            << cell(k.doc) << " |\n";
    }
}

}  // namespace

std::string config_reference() {
    experiment::Config example;
    example.name = "my-run";
    std::ostringstream out;
    out << "# Config reference\n\n"
           "<!-- Generated from the schema table (apps/config/schema.cpp) by "
           "tinynn::cli::config_reference(); do not edit. Regenerate with: "
           "cmake --build build --target config_doc -->\n\n"
           "A config is a YAML mapping with the keys below, read by `tinynn train`, `compare` "
           "and `eval`. Every key may be left out: it then has its default. An unknown key, a "
           "wrong type or a value out of range is a config error (exit status 2) naming the "
           "key and its line:column; `--set KEY=VALUE` sets one key to a YAML value before "
           "the checks (`--set model.hidden=[16,16]`). Relative paths are relative to the "
           "config file's directory. A config file may hold at most "
        << (kMaxConfigBytes >> 20)
        << " MiB; FIFOs and devices are refused.\n\n"
           "A run's `config.yaml` holds every key with the value the run used, and loads "
           "back to the same config. With every default:\n\n"
           "```yaml\n"
        << to_yaml(example)
        << "```\n\n"
           "## Top level\n\n";
    key_table(out, "");
    for (const std::string_view section : top_level_names()) {
        if (section_names(section).empty()) {
            continue;
        }
        out << "\n## " << section << "\n\n";
        if (section == "model") {
            out << "An `mlp` is given either by the shorthand (the keys marked Shorthand), "
                   "which becomes Linear, activation, ..., Linear, output, or by `layers`, "
                   "written out; a config holds one or the other. The inputs and outputs "
                   "come from the data.\n\n";
        }
        key_table(out, section);
        if (section == "model") {
            out << "\nEach item of `model.layers` is a mapping such as "
                   "`{type: linear, in: 2, out: 8}`, with the keys of its type:\n\n";
            layer_table(out);
        }
    }
    out << "\n## Rules across keys\n\n"
           "* `data.kind: csv` requires `data.path`.\n"
           "* `optimizer.nesterov: true` requires `optimizer.momentum` > 0 and "
           "`optimizer.dampening` 0.\n"
           "* `model.kind` names a registered model.\n"
           "* In `model.layers`, each linear layer's `in` is the `out` of the linear layer "
           "before it, and there is at least one linear layer.\n"
           "* The model has at most "
        << format_number(kMaxParameters)
        << " parameters, counting one input and one output for the shorthand (the data's "
           "widths are not known yet); `limits.memory_mb` bounds the whole run once they "
           "are.\n";
    return out.str();
}

}  // namespace tinynn::cli
