#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "apps/compare/runs.hpp"

namespace tinynn::app {

struct CompareOutputs {
    std::filesystem::path report;    // report.html
    std::vector<std::string> files;  // every file written, in order
    std::vector<std::string> findings;
    std::string report_section;  // for a page over several experiments
};

// Writes config.yaml, compare.csv, summary.md, the pictures and report.html
// into `dir`, each replacing its old version atomically. Runs that never
// started (an interrupted compare) are left out.
CompareOutputs write_compare_outputs(const std::filesystem::path& dir, const Config& config,
                                     const std::vector<RunOutcome>& runs);

}  // namespace tinynn::app
