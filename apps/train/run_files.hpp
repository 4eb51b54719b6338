#pragma once

#include <filesystem>
#include <string>

#include "apps/train/trainer.hpp"

namespace tinynn::app {

// metrics.csv: epoch,train_loss[,test_loss[,test_accuracy]], one row per epoch.
std::string metrics_csv(const TrainResult& result, bool has_test, bool classification);

// Each file replaces its old version atomically (temporary file, rename).
void write_text_file(const std::filesystem::path& path, const std::string& text);

}  // namespace tinynn::app
