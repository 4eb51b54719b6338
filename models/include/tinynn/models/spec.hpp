#pragma once

// The one typed description of a model, made once by the config loader (or
// by a C++ program) and read by everything after it: building, init, the
// memory estimate, compare's variations and the diagnostics. No strings
// past the loader but `kind`, which names a registered model.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinynn/nn/activation_table.hpp"

namespace tinynn::models {

enum class LayerType { linear, activation, softmax, log_softmax, batchnorm, dropout };

// One layer of a layer list; each type reads its own fields.
struct LayerSpec {
    LayerType type = LayerType::linear;
    int64_t in = 0;    // linear; 0: the data's feature count (the shorthand's first layer)
    int64_t out = 0;   // linear; 0: the outputs the data needs (the shorthand's last layer)
    bool bias = true;  // linear
    nn::ActivationSpec activation;  // activation
    int64_t dim = 1;                // softmax, log_softmax
    // batchnorm (torch.nn.BatchNorm1d's defaults); num_features 0: the
    // previous Linear's out (the shorthand's).
    int64_t num_features = 0;
    double eps = 1e-5;
    double momentum = 0.1;
    double p = 0.5;  // dropout
};

// Layers of each type, for layer lists written in C++.
LayerSpec linear_layer(int64_t in, int64_t out, bool bias = true);
LayerSpec activation_layer(const nn::ActivationSpec& activation);
LayerSpec softmax_layer(int64_t dim = 1);
LayerSpec batchnorm_layer(int64_t num_features, double eps = 1e-5, double momentum = 0.1);
LayerSpec dropout_layer(double p = 0.5);

enum class Output { none, sigmoid, softmax };
enum class Init { default_init, xavier_uniform, kaiming_uniform, normal, lecun_normal };

struct ModelSpec {
    std::string kind = "mlp";  // "mlp", or a name given to register_model
    int64_t inputs = 0;        // features, from the data
    int64_t outputs = 0;       // model outputs the data and loss need
    std::vector<int64_t> hidden{8, 8};
    nn::ActivationSpec activation;  // the hidden layers'
    Output output = Output::none;
    Init init = Init::default_init;
    // When set, every Linear's bias is filled with it after init (as
    // torch.nn.init.constant_); a negative value starts ReLU units dead.
    std::optional<float> bias_init;
    // The shorthand's BatchNorm1d after each hidden Linear, before its
    // activation (Ioffe & Szegedy), and Dropout(dropout) after each hidden
    // activation when dropout > 0.
    bool batchnorm = false;
    double dropout = 0.0;
    // An mlp's layers: model.layers as written, or the shorthand (hidden,
    // activation, output) expanded by expand_shorthand.
    std::vector<LayerSpec> layers;
    bool layers_given = false;  // model.layers was written out
    std::filesystem::path init_from;
};

// The layers of the mlp shorthand: Linear, [BatchNorm1d,] activation,
// [Dropout,] ..., Linear, output.
// The first Linear's `in` and the last's `out` are spec.inputs and
// spec.outputs (0 while the data is not known).
std::vector<LayerSpec> expand_shorthand(const ModelSpec& spec);

// An mlp's layers: spec.layers when given, else the shorthand's expansion
// (so a ModelSpec filled in by hand needs no expand_shorthand call).
std::vector<LayerSpec> layers_of(const ModelSpec& spec);

// The spec with the data's widths: inputs, outputs, and the shorthand's
// layers re-expanded (a layer list is checked against them). Throws
// tinynn::Error naming model.layers[i] when a layer list does not fit.
ModelSpec with_data(ModelSpec spec, int64_t inputs, int64_t outputs);

// The spec with `activation` for every hidden activation: spec.activation
// and, in an mlp, each activation layer a Linear follows. A layer that is
// already of that kind keeps its own parameters (a LeakyReLU its slope).
ModelSpec with_activation(ModelSpec spec, nn::Activation activation);

// Whether layer i of `layers` is hidden: an activation a Linear follows.
bool is_hidden_activation(std::span<const LayerSpec> layers, size_t i);

// Parameters of an mlp's layers (with inputs and outputs known).
double parameter_count(std::span<const LayerSpec> layers);

// The names of the enums, for the config loader and the resolved config.
std::string_view output_name(Output output);
std::string_view init_name(Init init);
std::span<const std::string_view> output_names();
std::span<const std::string_view> init_names();
std::optional<Output> output_from_name(std::string_view name);
std::optional<Init> init_from_name(std::string_view name);

}  // namespace tinynn::models
