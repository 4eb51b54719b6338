#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tinynn/models/spec.hpp"
#include "tinynn/nn/module.hpp"

// Named models a config can ask for with `model.kind: NAME`. "mlp" is built
// in; a program adds its own with register_model before it runs a config.
namespace tinynn::models {

// Builds the model a resolved spec describes (inputs and outputs known).
using ModelBuilder = std::function<std::shared_ptr<nn::Module>(const ModelSpec& spec)>;

void register_model(const std::string& name, ModelBuilder builder);  // replaces an earlier one
bool has_model(const std::string& name);
std::vector<std::string> model_names();

// The model of spec.kind, built by its builder; throws tinynn::Error naming
// the known models when none has that name.
std::shared_ptr<nn::Module> build_model(const ModelSpec& spec);

// The mlp's builder: a Sequential of spec.layers.
std::shared_ptr<nn::Module> build_mlp(const ModelSpec& spec);

}  // namespace tinynn::models
