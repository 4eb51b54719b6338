// A finished run read back for predict and eval: the YAML config is this
// layer's to read, the predictor the experiment layer's.

#include <filesystem>
#include <string>
#include <vector>

#include "tinynn/cli/config.hpp"
#include "tinynn/error.hpp"

namespace tinynn::cli {

experiment::Predictor load_predictor(const std::filesystem::path& run_dir,
                                     const std::vector<std::string>& overrides) {
    std::error_code ec;
    if (!std::filesystem::is_directory(run_dir, ec))
        throw Error(escape_text(run_dir.string(), 512) +
                    ": is not a run directory (expected the directory tinynn train wrote, with "
                    "config.yaml and model.safetensors)");
    return experiment::Predictor(load_config(run_dir / "config.yaml", overrides), run_dir);
}

}  // namespace tinynn::cli
