#pragma once

// The text files of a compare run: compare.csv and summary.md.

#include <string>
#include <vector>

#include "summary.hpp"
#include "tinynn/experiment/config.hpp"

namespace tinynn::experiment {

// compare.csv, in long format: the header activation,seed,epoch,train_loss,
// test_loss,test_accuracy and the diagnostic columns (run_files.hpp) of
// `shape` (none when null), then one row per run and epoch, runs in
// run_specs order.
std::string compare_csv_header(const EpochDiagnostics* shape);
std::string compare_csv_row(const RunSpec& spec, const EpochMetrics& metrics);

// One line describing the task: data, model, optimizer, epochs, seeds.
std::string describe_setup(const Config& config);

// The summary table of activation × statistics as Markdown.
std::string summary_markdown(const Config& config, const std::vector<ActivationSummary>& summaries,
                             const std::vector<std::string>& findings);

// The table's header cells and one row of cells per activation, shared by
// summary.md and report.html.
std::vector<std::string> summary_header(const Config& config);
std::vector<std::vector<std::string>> summary_rows(const Config& config,
                                                   const std::vector<ActivationSummary>& summaries);

}  // namespace tinynn::experiment
