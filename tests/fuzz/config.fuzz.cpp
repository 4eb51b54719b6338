// libFuzzer target: tinynn::cli::load_config, schema validation and --set
// parsing. The input's first line is one --set override (none when empty),
// the rest the YAML file. A config that loads must also survive its own
// to_yaml: that text is what a run saves as config.yaml and a user reloads.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tinynn/error.hpp>

#include "common.hpp"
#include "tinynn/cli/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const auto path = tinynn::fuzz::scratch("config.yaml");
    static const auto resolved = tinynn::fuzz::scratch("resolved.yaml");
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const size_t newline = input.find('\n');
    std::vector<std::string> overrides;
    std::string_view yaml = input;
    if (newline != std::string_view::npos) {
        if (newline > 0)
            overrides.emplace_back(input.substr(0, newline));
        yaml = input.substr(newline + 1);
    }
    tinynn::fuzz::write(path, yaml);

    tinynn::experiment::Config config;
    try {
        config = tinynn::cli::load_config(path, overrides);
    } catch (const tinynn::Error& e) {
        tinynn::fuzz::check_message(e.what());
        return 0;
    }
    const std::string text = tinynn::cli::to_yaml(config);
    tinynn::fuzz::write(resolved, text);
    try {
        const tinynn::experiment::Config again = tinynn::cli::load_config(resolved);
        // to_yaml writes every key, the name included, so nothing may change.
        const std::string second = tinynn::cli::to_yaml(again);
        if (second != text)
            tinynn::fuzz::violated("to_yaml does not read back to the same config",
                                   "\n" + text + "\n---\n" + second);
    } catch (const tinynn::Error& e) {
        tinynn::fuzz::violated("to_yaml wrote a config load_config refuses",
                               std::string(e.what()) + "\n" + text);
    }
    return 0;
}
