#pragma once

// The text files of a compare run: compare.csv, summary.csv and summary.md.

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

// summary.csv: one row per summary row (grid point, activation), in their
// order. The columns (docs/compare.md): one per grid key, activation, runs, diverged, loss
// (test_loss, or train_loss without a test split: what ranked_loss ranks by), final_mean,
// final_std, best_mean, best_std, best_epoch_mean, best_epoch_std, rank, p_vs_first,
// tied_with_first, best_rank, best_p_vs_first, best_tied_with_first, overfitted_runs. The ranks and
// ties are ActivationSummary's Places; a cell is empty where there is no
// value (every run diverged, one seed, no test).
std::string summary_csv(const Config& config, const std::vector<ActivationSummary>& summaries,
                        bool held_out);

// One line describing the task: data, model, optimizer, epochs, seeds.
std::string describe_setup(const Config& config);

// The summary table of activation × statistics as Markdown.
std::string summary_markdown(const Config& config, const std::vector<ActivationSummary>& summaries,
                             const std::vector<std::string>& findings);

// What the table's best-loss and rank columns mean, for summary.md and
// report.html.
inline constexpr const char* kRankNote =
    "Best loss: each run's lowest test loss (train loss without a test split) and the epoch it "
    "came at. Rank: 1 is the lowest mean of that loss at the last epoch / at the best epoch; "
    "\"(tied)\" marks a rank that Welch's two-sided t-test at 5 % over the seeds cannot tell "
    "from the first (docs/compare.md).";

// The table's header cells and one row of cells per activation, shared by
// summary.md and report.html.
std::vector<std::string> summary_header(const Config& config);
std::vector<std::vector<std::string>> summary_rows(const Config& config,
                                                   const std::vector<ActivationSummary>& summaries);

}  // namespace tinynn::experiment
