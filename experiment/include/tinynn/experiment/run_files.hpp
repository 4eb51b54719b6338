#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tinynn/experiment/checkpoint.hpp"
#include "tinynn/experiment/run_directory.hpp"
#include "tinynn/experiment/trainer.hpp"

namespace tinynn::experiment {

// The diagnostics as named CSV columns, the same set for every activation so
// runs line up: grad_norm.<weight>, then per hidden layer L
// dead_fraction.L, saturated_fraction.L and activation_mean.L, then the
// totals dead_fraction and saturated_fraction. Empty where one does not apply.
using CsvColumns = std::vector<std::pair<std::string, std::optional<double>>>;
CsvColumns diagnostic_columns(const EpochDiagnostics& diagnostics);

// Appends `value` as the shortest text that reads back as the same double;
// nothing for nullopt. The run files never hold nan or inf: a value that is
// not finite throws tinynn::Error (fit() records finite epochs only).
void append_number(std::string& out, std::optional<double> value);

// metrics.csv's header: epoch,train_loss[,test_loss[,test_accuracy]] and,
// when `first` (the first epoch) has diagnostics, the diagnostic columns.
std::string metrics_csv_header(bool has_test, bool classification, const EpochMetrics* first);
// One epoch's row of metrics.csv, its newline included.
std::string metrics_csv_row(const EpochMetrics& metrics, bool has_test, bool classification);

// Each file replaces its old version atomically (temporary file, rename).
void write_text_file(const std::filesystem::path& path, const std::string& text);

// The files a run writes (SPEC §4), which its directory holds and nothing else:
// config.yaml, metrics.csv, model.safetensors, checkpoint.safetensors.
std::vector<std::string> run_file_names();

// Where a run continues from: a checkpoint, and the metrics.csv whose header
// and first checkpoint.epoch rows are the epochs it completed.
struct ResumePoint {
    Checkpoint checkpoint;
    std::filesystem::path metrics;
};

// The newest checkpoint of the run directory: its own, or that of a killed
// run's staging directory (a run killed with SIGKILL writes its checkpoint
// there after every epoch). Throws tinynn::Error naming the directory when
// it holds none, or a checkpoint that cannot be read.
ResumePoint find_resume_point(const RunDirectory& dir);
// Throws tinynn::Error naming what is wrong when a run of `experiment`
// (`resolved_config` its config as train_into gets it) cannot continue from
// `point`: check_resumable(), and training.epochs below the checkpoint's epoch.
void check_resume(const ResumePoint& point, const std::string& resolved_config,
                  const Experiment& experiment);

// Trains the experiment (train()) and replaces the files of `dir` as a set
// (run_directory.hpp): metrics.csv goes into the staging directory a row at
// a time as the epochs end, so memory does not grow with training.epochs;
// then config.yaml (`resolved_config`, the config as its caller renders it)
// and model.safetensors with the weights training ended with and the
// preprocessing in its metadata (preprocessing.hpp); and after every epoch,
// checkpoint.safetensors. The result's history holds the last epoch only. A
// diverged or interrupted run replaces the set too, with the epochs it
// completed; an error leaves `dir` as it was.
//
// With `resume`, training continues from its checkpoint (after
// check_resume()), and metrics.csv starts with its rows: the
// files are then those of one uninterrupted run.
//
// Under mpirun, training is data-parallel (Ranks::data_parallel): rank 0
// calls this, and every other rank calls train() with
// Ranks::data_parallel alongside it, writing nothing.
TrainResult train_into(RunDirectory& dir, const std::string& resolved_config,
                       Experiment& experiment, std::span<Callback* const> callbacks = {},
                       const StopRequested& stop_requested = {},
                       const ResumePoint* resume = nullptr);

}  // namespace tinynn::experiment
