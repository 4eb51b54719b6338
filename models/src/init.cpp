#include "tinynn/models/init.hpp"

#include <functional>

#include "tinynn/error.hpp"
#include "tinynn/nn/init.hpp"
#include "tinynn/nn/linear.hpp"
#include "tinynn/nn/sequential.hpp"

namespace tinynn::models {

namespace {

// The activation each Linear of an mlp feeds, in layer order: the next
// activation layer, or for a Linear with none after it the last one before.
std::vector<nn::ActivationSpec> fed_activations(const ModelSpec& spec) {
    std::vector<nn::ActivationSpec> fed;
    const auto& layers = spec.layers;
    for (size_t i = 0; i < layers.size(); ++i) {
        if (layers[i].type != LayerType::linear)
            continue;
        std::optional<nn::ActivationSpec> found;
        for (size_t j = i + 1; j < layers.size() && !found; ++j) {
            if (layers[j].type == LayerType::linear)
                break;
            if (layers[j].type == LayerType::activation)
                found = layers[j].activation;
        }
        for (size_t j = i; j-- > 0 && !found;)
            if (layers[j].type == LayerType::activation)
                found = layers[j].activation;
        fed.push_back(found.value_or(spec.activation));
    }
    return fed;
}

void init_linear(nn::Linear& layer, Init init, const nn::ActivationSpec& activation) {
    using nn::init::Nonlinearity;
    const Nonlinearity nonlinearity = nn::activation_info(activation.kind).nonlinearity;
    // PReLU is kaiming's leaky_relu at the slope it starts from, as activation_gain takes it.
    const float negative_slope =
        activation.kind == nn::Activation::prelu ? activation.init : activation.negative_slope;
    const float slope = nonlinearity == Nonlinearity::leaky_relu ? negative_slope : 0.0f;
    switch (init) {
        case Init::default_init:
            layer.reset_parameters();
            return;
        case Init::xavier_uniform:
            nn::init::xavier_uniform_(layer.weight(), nn::activation_gain(activation));
            break;
        case Init::kaiming_uniform:
            nn::init::kaiming_uniform_(layer.weight(), slope, nn::init::FanMode::fan_in,
                                       nonlinearity);
            break;
        case Init::normal:
            nn::init::normal_(layer.weight(), 0.0f, 0.1f);
            break;
        case Init::lecun_normal:
            nn::init::lecun_normal_(layer.weight());
            break;
    }
    if (layer.bias().defined())
        nn::init::zeros_(layer.bias());
}

}  // namespace

void initialize(nn::Module& model, const ModelSpec& spec) {
    std::vector<nn::Linear*> linears;
    for (auto& [name, module] : model.named_modules())
        if (auto* linear = dynamic_cast<nn::Linear*>(module))
            linears.push_back(linear);
    // An mlp's Linears are its layers' Linears in order; any other model's
    // all feed its activation.
    std::vector<nn::ActivationSpec> fed =
        spec.kind == "mlp" ? fed_activations(spec) : std::vector<nn::ActivationSpec>{};
    if (fed.size() != linears.size())
        fed.assign(linears.size(), spec.activation);
    if (spec.init != Init::default_init)
        for (size_t i = 0; i < linears.size(); ++i)
            init_linear(*linears[i], spec.init, fed[i]);
    if (spec.bias_init)
        for (nn::Linear* layer : linears)
            if (layer->bias().defined())
                nn::init::constant_(layer->bias(), *spec.bias_init);
}

}  // namespace tinynn::models
