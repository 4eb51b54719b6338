#pragma once

#include "tinynn/tensor.hpp"

// In-place initialisers, as torch.nn.init, drawing from the default
// generator. Each returns its tensor. Fans of a [out, in] weight: fan_in = in,
// fan_out = out; they need a matrix.
namespace tinynn::nn::init {

enum class FanMode { fan_in, fan_out };
enum class Nonlinearity { linear, sigmoid, tanh, relu, leaky_relu, selu };

// torch.nn.init.calculate_gain; `param` is leaky_relu's negative slope.
// selu's is 3/4, as torch 1.13's.
float calculate_gain(Nonlinearity nonlinearity, float param = 0.01f);

Tensor uniform_(Tensor tensor, float low = 0.0f, float high = 1.0f);
Tensor normal_(Tensor tensor, float mean = 0.0f, float std = 1.0f);
Tensor constant_(Tensor tensor, float value);
Tensor zeros_(Tensor tensor);
Tensor xavier_uniform_(Tensor tensor, float gain = 1.0f);
Tensor xavier_normal_(Tensor tensor, float gain = 1.0f);
Tensor kaiming_uniform_(Tensor tensor, float a = 0.0f, FanMode mode = FanMode::fan_in,
                        Nonlinearity nonlinearity = Nonlinearity::leaky_relu);
Tensor kaiming_normal_(Tensor tensor, float a = 0.0f, FanMode mode = FanMode::fan_in,
                       Nonlinearity nonlinearity = Nonlinearity::leaky_relu);
// N(0, 1 / fan_in): LeCun's init, which SELU's self-normalisation assumes
// (torch spells it kaiming_normal_(nonlinearity="linear")).
Tensor lecun_normal_(Tensor tensor);

}  // namespace tinynn::nn::init
