#pragma once

// What a trained model needs to be used on new data (SPEC §4): the columns
// it reads and the standardisation it was trained with, kept beside its
// weights in model.safetensors' "__metadata__" so that new data is prepared
// exactly as the training data was, never with statistics of its own.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tinynn/data/dataset.hpp"
#include "tinynn/experiment/experiment.hpp"
#include "tinynn/serialize.hpp"

namespace tinynn::experiment {

struct Preprocessing {
    // The feature columns in the model's input order; empty for a CSV file
    // without a header, whose columns have no names.
    std::vector<std::string> features;
    std::string target;
    data::Task task = data::Task::classification;
    int64_t classes = 0;  // classification
    // normalize: standard: the training split's mean and standard deviation
    // per feature.
    std::optional<data::Standardizer> standardizer;
};

Preprocessing preprocessing_of(const Experiment& experiment);

// The metadata entries, each a string (docs/interop.md): "features" (a JSON
// array of names), "target", "task" (classification | regression),
// "classes", "normalize" (none | standard), and for standard "mean" and
// "std" (JSON arrays of numbers that read back as the exact float32 values),
// plus "format": "pt", which some of PyTorch's tools look for.
SafetensorsMetadata to_metadata(const Preprocessing& preprocessing);

// Reads them back, checking each. Throws tinynn::Error naming `file` and the
// entry that is missing or wrong.
Preprocessing preprocessing_from_metadata(const SafetensorsMetadata& metadata,
                                          const std::string& file);

}  // namespace tinynn::experiment
