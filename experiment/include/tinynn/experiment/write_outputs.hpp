#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "tinynn/experiment/runs.hpp"

namespace tinynn::experiment {

// The bytes of compare.csv rows a run keeps in memory before they go to a
// scratch file, until its turn in run order comes.
inline constexpr size_t kRowBufferBytes = size_t{1} << 16;

// The report over one experiment in its directory, or over several in theirs'
// parent (write_combined_report).
inline constexpr const char* kReportFile = "report.html";

struct CompareOutputs {
    std::filesystem::path report;    // report.html
    std::vector<std::string> files;  // every file written, in order
    std::vector<std::string> findings;
    std::string report_section;  // for a page over several experiments
    size_t runs = 0;             // that trained (a stop request keeps the rest from starting)
    size_t diverged = 0;         // of those
};

// Trains the runs of `config` (run_compare, with `options`' jobs, progress
// and stop request) and writes into `dir` config.yaml (`resolved_config`:
// the config as its caller renders it, the command's resolved YAML),
// compare.csv, summary.csv, summary.md, the pictures and report.html, each
// replacing its old version atomically. What is held stays bounded however
// many runs and epochs there are: each run's rows of compare.csv go to an unnamed scratch
// file in `dir` as its epochs end and are copied into place in run order,
// and the summary and pictures are folded from the runs one at a time.
CompareOutputs compare_into(const std::filesystem::path& dir, const Config& config,
                            const std::string& resolved_config, const CompareOptions& options);

// report.html over several experiments' sections (CompareOutputs::report_section),
// in `dir`; returns its path.
std::filesystem::path write_combined_report(const std::filesystem::path& dir,
                                            const std::vector<const Config*>& configs,
                                            const std::vector<std::string>& sections);

}  // namespace tinynn::experiment
