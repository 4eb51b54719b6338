#pragma once

// A Linear followed by sigmoid, tanh, relu or leaky_relu as one graph node,
// as nn::Sequential runs those pairs when no forward hook watches either
// layer. Same values and gradients, to the bit, as the two ops: the same
// kernels on the same storage. A toy model's step is mostly per-node cost
// (W1, bench/README.md): each node is a value, a graph node, its edges, its
// output's storage and its gradient's, taken and given back every step.
// The activations are those whose gradient can be computed from the output,
// so the Linear's own output need not be kept.

#include <optional>

#include "tinynn/nn/activation_table.hpp"
#include "tinynn/nn/linear.hpp"

namespace tinynn::nn {

struct LinearActivation {
    Activation kind;
    float negative_slope = 0.0f;  // leaky_relu
};

// What an activation layer fuses as: exactly Sigmoid, Tanh, ReLU, or a
// LeakyReLU with a slope that is not negative (its output then has the
// input's sign); nullopt for anything else, a subclass included, whose
// forward may differ.
std::optional<LinearActivation> linear_activation_of(const Module& module);

// act(layer(input)), with layer's checks and messages.
Tensor linear_activation(Linear& layer, const Tensor& input, LinearActivation act);

}  // namespace tinynn::nn
