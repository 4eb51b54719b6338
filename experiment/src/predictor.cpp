#include "tinynn/experiment/predictor.hpp"

#include <utility>

#include "tinynn/autograd.hpp"
#include "tinynn/error.hpp"
#include "tinynn/experiment/trainer.hpp"
#include "tinynn/models/registry.hpp"
#include "tinynn/ops.hpp"
#include "tinynn/serialize.hpp"

namespace tinynn::experiment {
namespace {

constexpr size_t kPathChars = 512;

std::string shown(const std::filesystem::path& path) {
    return escape_text(path.string(), kPathChars);
}

}  // namespace

Predictor::Predictor(const Config& config, const std::filesystem::path& run_dir) {
    const std::filesystem::path weights = run_dir / "model.safetensors";
    preprocessing_ =
        preprocessing_from_metadata(load_safetensors_metadata(weights), shown(weights));
    const Preprocessing& p = preprocessing_;
    if (p.features.empty())
        throw Error(shown(weights) +
                    ": the run was trained on a CSV file without a header, so its features have "
                    "no names to find in the header of new data (train with data.header: true)");
    model_.config = config;
    model_.classification = p.task == data::Task::classification;
    model_.classes = p.classes;
    // A CSV target is one column.
    outputs_ = output_width(config, model_.classification, p.classes, 1);
    model_.config.model =
        models::with_data(config.model, static_cast<int64_t>(p.features.size()), outputs_);
    model_.model = models::build_model(model_.config.model);
    load(*model_.model, weights);
    for (const auto& [name, tensor] : model_.model->named_parameters())
        if (!tensor.matrix().allFinite())
            throw Error(shown(weights) + ": tensor \"" + escape_text(name) +
                        "\" holds NaN or infinite values, so these weights cannot be used");
    model_.model->eval();
}

data::NamedRows Predictor::read_csv(const std::filesystem::path& csv) const {
    const Preprocessing& p = preprocessing_;
    data::NamedRows rows = data::load_csv_by_name({.path = csv,
                                                   .features = p.features,
                                                   .target = p.target,
                                                   .task = p.task,
                                                   .classes = p.classes});
    if (p.standardizer)
        p.standardizer->apply(rows.data);
    return rows;
}

Predictions Predictor::predict(const data::Dataset& rows) const {
    NoGradGuard no_grad;
    const Tensor output = (*model_.model)(rows.features);  // [n, outputs]
    Predictions out;
    if (!model_.classification) {
        out.prediction = output;
        return out;
    }
    // The class as the training's accuracy counts it (trainer.cpp).
    if (output.size(1) == 1) {
        out.prediction = squeeze(gt(output, 0.5f), 1);
        out.scores = cat({1.0f - output, output}, 1);
    } else {
        out.prediction = argmax(output, 1);
        out.scores = model_.config.loss == Loss::cross_entropy ? softmax(output, 1) : output;
    }
    return out;
}

Evaluation Predictor::evaluate(const data::Dataset& rows) const {
    if (!rows.targets.defined())
        throw Error("Predictor::evaluate: the rows have no target column '" +
                    escape_text(preprocessing_.target) + "' to score the predictions against");
    return experiment::evaluate(model_, encode_targets(rows, model_, outputs_), rows);
}

}  // namespace tinynn::experiment
