#pragma once

// The one table of activation functions. A config names an activation, the
// initialisers take its gain, the diagnostics know what to measure of its
// units and compare varies it: all from the row here. Adding an activation
// is its module (activation.hpp) plus one row in activation_table.cpp.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tinynn/nn/init.hpp"
#include "tinynn/nn/module.hpp"

namespace tinynn::nn {

enum class Activation { sigmoid, tanh, relu, leaky_relu };

// An activation and its parameters (each row reads the ones it takes).
struct ActivationSpec {
    Activation kind = Activation::tanh;
    float negative_slope = 0.01f;  // leaky_relu
};

// What the diagnostics measure of a hidden unit of this activation.
enum class UnitHealth {
    none,
    dead_output,  // dead when its output is 0 for every sample (ReLU)
    dead_input,   // dead when its input is negative for every sample (LeakyReLU)
    saturated,    // saturated near an asymptote of its output range (sigmoid, tanh)
};

struct ActivationInfo {
    Activation kind;
    std::string_view name;            // the config's and the files' spelling
    init::Nonlinearity nonlinearity;  // the gain xavier and kaiming init use
    UnitHealth health;
    // Output range [low, high] for saturated units.
    float low = 0, high = 0;
    std::shared_ptr<Module> (*make)(const ActivationSpec&);
    // The spec of `module` when it is this activation's module.
    std::optional<ActivationSpec> (*recognise)(const Module& module);
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

// torch.nn.init.calculate_gain for the activation (leaky_relu with its slope).
float activation_gain(const ActivationSpec& spec);

}  // namespace tinynn::nn
