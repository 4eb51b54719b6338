#pragma once

// A trained run used on new data, as `tinynn predict` and `tinynn eval
// RUN_DIR --input` do: its model with the weights of its model.safetensors,
// and new rows prepared with the preprocessing stored beside them
// (preprocessing.hpp), never with statistics of their own.

#include <filesystem>
#include <string>

#include "tinynn/data/dataset.hpp"
#include "tinynn/experiment/config.hpp"
#include "tinynn/experiment/experiment.hpp"
#include "tinynn/experiment/metrics.hpp"
#include "tinynn/experiment/preprocessing.hpp"
#include "tinynn/tensor.hpp"

namespace tinynn::experiment {

struct Predictions {
    // Classification: the predicted class of each row, [n] (as float, as
    // torch's argmax indices are), and per class its score, [n, classes]:
    // the softmax probabilities for cross_entropy, the model's outputs for
    // mse (for a single output p, the pair 1 - p, p). Regression: the
    // predicted values, [n, outputs], and no scores.
    Tensor prediction;
    Tensor scores;
};

// The predictions as CSV text, a row per input row after a header:
// `prediction` (the class index, or the value; prediction_0, prediction_1,
// ... for several regression outputs), then for classification
// score_0 ... score_<K-1>. Numbers as the shortest text that reads back as
// the same float32.
std::string predictions_csv(const Predictions& predictions);

class Predictor {
  public:
    // The run in `run_dir`, whose model `config` describes: its config.yaml
    // as read by the caller (tinynn::cli::load_config does; this layer reads
    // no YAML). The model is built from config.model, with the widths the
    // stored preprocessing gives, and loaded from run_dir/model.safetensors;
    // config.model.init_from is not used. Throws tinynn::Error naming the
    // file for weights that do not fit the model, are not finite, or lack the
    // metadata, and for a run trained on a CSV file without a header (whose
    // features have no names to match new data by).
    Predictor(const Config& config, const std::filesystem::path& run_dir);

    const Preprocessing& preprocessing() const { return preprocessing_; }

    // New rows from a CSV file with a header (data::load_csv_by_name: the
    // model's features by name, in any order; the target column optional;
    // other columns skipped and listed), with the stored standardisation
    // applied. Throws tinynn::Error naming the file and a missing column.
    data::NamedRows read_csv(const std::filesystem::path& csv) const;

    // The model on rows as read_csv gives them.
    Predictions predict(const data::Dataset& rows) const;
    // Loss (and accuracy for classification) on rows with targets, as eval
    // and the training's test metrics compute them.
    Evaluation evaluate(const data::Dataset& rows) const;

  private:
    Preprocessing preprocessing_;
    // The model, its loss and its task, as the training's evaluation takes them.
    Experiment model_;
    int64_t outputs_ = 0;
};

}  // namespace tinynn::experiment
