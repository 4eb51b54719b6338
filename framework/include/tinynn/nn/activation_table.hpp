#pragma once

// The one table of activation functions. A config names an activation, the
// initialisers take its gain, the diagnostics know what to measure of its
// units and compare varies it: all from the row here. Adding an activation
// is its module (activation.hpp) plus one row in activation_table.cpp.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tinynn/nn/init.hpp"
#include "tinynn/nn/module.hpp"
#include "tinynn/ops.hpp"

namespace tinynn::nn {

enum class Activation {
    sigmoid,
    tanh,
    relu,
    leaky_relu,
    identity,
    elu,
    selu,
    gelu,
    silu,
    softplus,
    softsign,
    mish,
    prelu,
};

// An activation and its parameters (each row reads the ones it takes), with
// the defaults of PyTorch's modules.
struct ActivationSpec {
    Activation kind = Activation::tanh;
    float negative_slope = 0.01f;                         // leaky_relu
    float alpha = 1.0f;                                   // elu
    GeluApproximate approximate = GeluApproximate::none;  // gelu
    float beta = 1.0f;                                    // softplus
    float threshold = 20.0f;                              // softplus
    int64_t num_parameters = 1;                           // prelu
    float init = 0.25f;                                   // prelu: every slope's start
};

// What the diagnostics measure of a hidden unit of this activation.
enum class UnitHealth {
    none,
    dead_output,  // dead when its output is 0 for every sample (ReLU)
    dead_input,   // dead when its input is negative for every sample (LeakyReLU)
    saturated,    // saturated near an asymptote of its output range (sigmoid, tanh)
    // Saturated near the lower asymptote `low` of an output range unbounded
    // above (ELU, SELU, Softplus): there its gradient vanishes, while above
    // it passes. [low, high] is then the band from the asymptote to where the
    // gradient is about its largest, so that within a fraction of the band
    // from `low` the gradient is below that fraction of its largest.
    saturated_low,
};

struct ActivationInfo {
    Activation kind;
    std::string_view name;            // the config's and the files' spelling
    init::Nonlinearity nonlinearity;  // the gain xavier and kaiming init use
    UnitHealth health;
    // Output range [low, high] for saturated units (the band for
    // saturated_low), at the activation's default parameters.
    float low = 0, high = 0;
    std::shared_ptr<Module> (*make)(const ActivationSpec&);
    // The spec of `module` when it is this activation's module.
    std::optional<ActivationSpec> (*recognise)(const Module& module);
    // How [low, high] scales with the spec's parameters (ELU's alpha,
    // Softplus's 1 / beta); null when it does not.
    float (*range_scale)(const ActivationSpec&) = nullptr;
};

// [low, high] of the row, scaled for the spec's parameters.
struct OutputRange {
    float low = 0, high = 0;
};

std::span<const ActivationInfo> activation_table();
const ActivationInfo& activation_info(Activation kind);
std::string_view activation_name(Activation kind);
// nullopt for a name that is no row's.
std::optional<Activation> activation_from_name(std::string_view name);
// "sigmoid, tanh, relu, leaky_relu": for messages and docs.
std::string activation_names();

// The module a spec names, e.g. LeakyReLU(spec.negative_slope).
std::shared_ptr<Module> make_activation(const ActivationSpec& spec);
inline std::shared_ptr<Module> make_activation(Activation kind) {
    return make_activation(ActivationSpec{.kind = kind});
}
// Which activation `module` is, with its parameters; nullopt for any other module.
std::optional<ActivationSpec> activation_of(const Module& module);

OutputRange activation_range(const ActivationSpec& spec);

// torch.nn.init.calculate_gain for the activation (leaky_relu with its slope,
// PReLU as leaky_relu with its initial slope); 1 for those torch has no gain for.
float activation_gain(const ActivationSpec& spec);

}  // namespace tinynn::nn
