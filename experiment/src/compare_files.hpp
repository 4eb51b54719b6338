#pragma once

// The text files of a compare run: compare.csv and summary.md.

#include <string>
#include <string_view>
#include <vector>

#include "summary.hpp"
#include "tinynn/experiment/config.hpp"

namespace tinynn::experiment {

// compare.csv, in long format: the header has a column per grid key, then
// activation,seed,epoch,train_loss,test_loss,test_accuracy,lr, then the
// diagnostic columns (run_files.hpp) of every grid point (a point whose
// model has fewer layers leaves the others' empty); one row per run and
// epoch, runs in run_specs order.
std::string compare_csv_header(const Config& config, const std::vector<std::string>& diagnostics);
// A row's cells up to lr, without the diagnostics or a line end.
std::string compare_csv_cells(const Config& config, const RunSpec& spec,
                              const EpochMetrics& metrics);

// A CSV cell: quoted (RFC 4180) when it holds a comma, a quote or a line break.
std::string csv_field(std::string_view text);

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
