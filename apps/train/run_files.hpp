#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "apps/train/trainer.hpp"

namespace tinynn::app {

// The diagnostics as named CSV columns, the same set for every activation so
// runs line up: grad_norm.<weight>, then per hidden layer L
// dead_fraction.L, saturated_fraction.L and activation_mean.L, then the
// totals dead_fraction and saturated_fraction. Empty where one does not apply.
using CsvColumns = std::vector<std::pair<std::string, std::optional<double>>>;
CsvColumns diagnostic_columns(const EpochDiagnostics& diagnostics);

// Appends `value` as the shortest text that reads back as the same double;
// nothing for nullopt.
void append_number(std::string& out, std::optional<double> value);

// metrics.csv: epoch,train_loss[,test_loss[,test_accuracy]] and, with
// training.diagnostics, the diagnostic columns; one row per epoch.
std::string metrics_csv(const TrainResult& result, bool has_test, bool classification);

// Each file replaces its old version atomically (temporary file, rename).
void write_text_file(const std::filesystem::path& path, const std::string& text);

}  // namespace tinynn::app
