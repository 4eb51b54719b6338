#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinynn/nn.hpp"

namespace tinynn::models {

// A multilayer perceptron: Linear, activation, ..., Linear, optional output
// activation. Layer indices follow torch.nn.Sequential: with two hidden
// layers the Linears are 0, 2 and 4.
struct MlpOptions {
    int64_t inputs = 2;
    int64_t outputs = 1;
    std::vector<int64_t> hidden{8, 8};
    std::string activation = "tanh";  // sigmoid | tanh | relu | leaky_relu
    float negative_slope = 0.01f;     // leaky_relu
    std::string output = "none";      // none | sigmoid | softmax
};
nn::Sequential make_mlp(const MlpOptions& options);

// A parameter-free layer by its config name: relu, sigmoid, tanh,
// leaky_relu (negative_slope), softmax and log_softmax (dim).
std::shared_ptr<nn::Module> make_activation(const std::string& type, float negative_slope = 0.01f,
                                            int64_t dim = 1);

// Re-initialises every Linear of `model`: "default" is PyTorch's Linear
// init; "xavier_uniform" and "kaiming_uniform" use the gain of `activation`
// and zero biases; "normal" draws weights from N(0, 0.1^2) with zero biases.
void initialize(nn::Module& model, const std::string& scheme, const std::string& activation,
                float negative_slope = 0.01f);

// Sets every bias of every Linear of `model` to `value`.
void fill_biases(nn::Module& model, float value);

}  // namespace tinynn::models
