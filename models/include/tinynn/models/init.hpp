#pragma once

#include "tinynn/models/spec.hpp"
#include "tinynn/nn/module.hpp"

namespace tinynn::models {

// Re-initialises every Linear of `model` as spec.init says, then fills the
// biases with spec.bias_init when set. default is PyTorch's Linear init;
// xavier_uniform and kaiming_uniform use the gain of the activation the
// Linear feeds (in an mlp the activation layer after it, for the last
// Linear the one before it; in a registered model spec.activation) and
// zero biases; normal draws weights from N(0, 0.1^2) with zero biases.
void initialize(nn::Module& model, const ModelSpec& spec);

}  // namespace tinynn::models
