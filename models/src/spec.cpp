#include "tinynn/models/spec.hpp"

#include <algorithm>
#include <array>

#include "tinynn/error.hpp"

namespace tinynn::models {

namespace {

constexpr std::array<std::string_view, 3> kOutputNames{"none", "sigmoid", "softmax"};
constexpr std::array<std::string_view, 5> kInitNames{"default", "xavier_uniform", "kaiming_uniform",
                                                     "normal", "lecun_normal"};

template <class E, size_t N>
std::optional<E> from_name(const std::array<std::string_view, N>& names, std::string_view name) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end())
        return std::nullopt;
    return static_cast<E>(it - names.begin());
}

}  // namespace

LayerSpec linear_layer(int64_t in, int64_t out, bool bias) {
    LayerSpec layer;
    layer.in = in;
    layer.out = out;
    layer.bias = bias;
    return layer;
}

LayerSpec activation_layer(const nn::ActivationSpec& activation) {
    LayerSpec layer;
    layer.type = LayerType::activation;
    layer.activation = activation;
    return layer;
}

LayerSpec softmax_layer(int64_t dim) {
    LayerSpec layer;
    layer.type = LayerType::softmax;
    layer.dim = dim;
    return layer;
}

LayerSpec batchnorm_layer(int64_t num_features, double eps, double momentum) {
    LayerSpec layer;
    layer.type = LayerType::batchnorm;
    layer.num_features = num_features;
    layer.eps = eps;
    layer.momentum = momentum;
    return layer;
}

LayerSpec dropout_layer(double p) {
    LayerSpec layer;
    layer.type = LayerType::dropout;
    layer.p = p;
    return layer;
}

std::vector<LayerSpec> expand_shorthand(const ModelSpec& spec) {
    std::vector<LayerSpec> layers;
    int64_t width = spec.inputs;
    for (const int64_t h : spec.hidden) {
        layers.push_back(linear_layer(width, h));
        if (spec.batchnorm)
            layers.push_back(batchnorm_layer(h));
        layers.push_back(activation_layer(spec.activation));
        if (spec.dropout > 0)
            layers.push_back(dropout_layer(spec.dropout));
        width = h;
    }
    layers.push_back(linear_layer(width, spec.outputs));
    if (spec.output == Output::sigmoid)
        layers.push_back(activation_layer({.kind = nn::Activation::sigmoid}));
    if (spec.output == Output::softmax)
        layers.push_back(softmax_layer(1));
    return layers;
}

std::vector<LayerSpec> layers_of(const ModelSpec& spec) {
    return spec.layers_given ? spec.layers : expand_shorthand(spec);
}

ModelSpec with_data(ModelSpec spec, int64_t inputs, int64_t outputs) {
    spec.inputs = inputs;
    spec.outputs = outputs;
    if (spec.kind != "mlp")
        return spec;
    if (!spec.layers_given) {
        spec.layers = expand_shorthand(spec);
        return spec;
    }
    const auto is_linear = [](const LayerSpec& l) { return l.type == LayerType::linear; };
    const auto first = std::find_if(spec.layers.begin(), spec.layers.end(), is_linear);
    if (first == spec.layers.end())
        throw Error("model.layers: needs at least one linear layer");
    const auto last = std::find_if(spec.layers.rbegin(), spec.layers.rend(), is_linear);
    const auto index = [&](auto it) { return std::to_string(&*it - spec.layers.data()); };
    if (first->in != inputs)
        throw Error("model.layers[" + index(first) + "].in: the data has " +
                    std::to_string(inputs) + " features, the layer takes " +
                    std::to_string(first->in));
    if (last->out != outputs)
        throw Error("model.layers[" + index(last) + "].out: the data needs " +
                    std::to_string(outputs) + " outputs, the layer gives " +
                    std::to_string(last->out));
    return spec;
}

bool is_hidden_activation(std::span<const LayerSpec> layers, size_t i) {
    return layers[i].type == LayerType::activation &&
           std::any_of(layers.begin() + static_cast<std::ptrdiff_t>(i) + 1, layers.end(),
                       [](const LayerSpec& l) { return l.type == LayerType::linear; });
}

ModelSpec with_activation(ModelSpec spec, nn::Activation activation) {
    spec.activation.kind = activation;
    for (size_t i = 0; i < spec.layers.size(); ++i) {
        nn::ActivationSpec& a = spec.layers[i].activation;
        // A layer of another kind takes the shorthand's parameters.
        if (is_hidden_activation(spec.layers, i) && a.kind != activation)
            a = spec.activation;
    }
    return spec;
}

double parameter_count(std::span<const LayerSpec> layers) {
    double count = 0;
    for (const LayerSpec& l : layers)
        if (l.type == LayerType::linear)
            count += double(l.in) * double(l.out) + (l.bias ? double(l.out) : 0);
        else if (l.type == LayerType::batchnorm)
            count += 2 * double(l.num_features);  // weight and bias; the buffers are not learnt
    return count;
}

std::string_view output_name(Output output) {
    return kOutputNames.at(static_cast<size_t>(output));
}
std::string_view init_name(Init init) {
    return kInitNames.at(static_cast<size_t>(init));
}
std::span<const std::string_view> output_names() {
    return kOutputNames;
}
std::span<const std::string_view> init_names() {
    return kInitNames;
}
std::optional<Output> output_from_name(std::string_view name) {
    return from_name<Output>(kOutputNames, name);
}
std::optional<Init> init_from_name(std::string_view name) {
    return from_name<Init>(kInitNames, name);
}

}  // namespace tinynn::models
