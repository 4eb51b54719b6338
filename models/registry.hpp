#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tinynn/nn/module.hpp"

// Named models a config can ask for with `model.kind: NAME`. A user's C++
// model joins with register_model("name", builder) before the run starts.
namespace tinynn::models {

using ModelBuilder = std::function<std::shared_ptr<nn::Module>(int64_t inputs, int64_t outputs)>;

void register_model(const std::string& name, ModelBuilder builder);  // replaces an earlier one
bool has_model(const std::string& name);
std::shared_ptr<nn::Module> make_model(const std::string& name, int64_t inputs, int64_t outputs);
std::vector<std::string> model_names();

}  // namespace tinynn::models
