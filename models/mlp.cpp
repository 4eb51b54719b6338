#include "models/mlp.hpp"

namespace tinynn::models {

std::shared_ptr<nn::Module> make_activation(const std::string& type, float negative_slope,
                                            int64_t dim) {
    if (type == "relu")
        return std::make_shared<nn::ReLU>();
    if (type == "sigmoid")
        return std::make_shared<nn::Sigmoid>();
    if (type == "tanh")
        return std::make_shared<nn::Tanh>();
    if (type == "leaky_relu")
        return std::make_shared<nn::LeakyReLU>(negative_slope);
    if (type == "softmax")
        return std::make_shared<nn::Softmax>(dim);
    if (type == "log_softmax")
        return std::make_shared<nn::LogSoftmax>(dim);
    throw Error("unknown layer type '" + type +
                "' (expected relu, sigmoid, tanh, leaky_relu, softmax or log_softmax)");
}

nn::Sequential make_mlp(const MlpOptions& options) {
    nn::Sequential model;
    int64_t width = options.inputs;
    for (int64_t hidden : options.hidden) {
        model.push_back(nn::Linear(width, hidden));
        model.push_back(make_activation(options.activation, options.negative_slope));
        width = hidden;
    }
    model.push_back(nn::Linear(width, options.outputs));
    if (options.output == "sigmoid")
        model.push_back(nn::Sigmoid());
    if (options.output == "softmax")
        model.push_back(nn::Softmax(1));
    if (options.output != "none" && options.output != "sigmoid" && options.output != "softmax")
        throw Error("unknown output '" + options.output + "' (expected none, sigmoid or softmax)");
    return model;
}

namespace {
void for_each_linear(nn::Module& module, const std::function<void(nn::Linear&)>& f) {
    if (auto* linear = dynamic_cast<nn::Linear*>(&module))
        f(*linear);
    for (auto& [name, child] : module.named_children())
        for_each_linear(*child, f);
}

nn::init::Nonlinearity nonlinearity_of(const std::string& activation) {
    using nn::init::Nonlinearity;
    if (activation == "relu")
        return Nonlinearity::relu;
    if (activation == "leaky_relu")
        return Nonlinearity::leaky_relu;
    if (activation == "tanh")
        return Nonlinearity::tanh;
    if (activation == "sigmoid")
        return Nonlinearity::sigmoid;
    return Nonlinearity::linear;
}
}  // namespace

void initialize(nn::Module& model, const std::string& scheme, const std::string& activation,
                float negative_slope) {
    const auto nonlinearity = nonlinearity_of(activation);
    const float slope = nonlinearity == nn::init::Nonlinearity::leaky_relu ? negative_slope : 0.0f;
    const float gain = nn::init::calculate_gain(nonlinearity, slope);
    for_each_linear(model, [&](nn::Linear& layer) {
        if (scheme == "default") {
            layer.reset_parameters();
            return;
        }
        if (scheme == "xavier_uniform")
            nn::init::xavier_uniform_(layer.weight(), gain);
        else if (scheme == "kaiming_uniform")
            nn::init::kaiming_uniform_(layer.weight(), slope, nn::init::FanMode::fan_in,
                                       nonlinearity == nn::init::Nonlinearity::linear
                                           ? nn::init::Nonlinearity::leaky_relu
                                           : nonlinearity);
        else if (scheme == "normal")
            nn::init::normal_(layer.weight(), 0.0f, 0.1f);
        else
            throw Error("unknown init '" + scheme +
                        "' (expected default, xavier_uniform, kaiming_uniform or normal)");
        if (layer.bias().defined())
            nn::init::zeros_(layer.bias());
    });
}

void fill_biases(nn::Module& model, float value) {
    for_each_linear(model, [value](nn::Linear& layer) {
        if (layer.bias().defined())
            nn::init::constant_(layer.bias(), value);
    });
}

}  // namespace tinynn::models
