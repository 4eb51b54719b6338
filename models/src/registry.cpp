#include "tinynn/models/registry.hpp"

#include <map>
#include <mutex>

#include "tinynn/error.hpp"
#include "tinynn/nn/activation.hpp"
#include "tinynn/nn/linear.hpp"
#include "tinynn/nn/normalization.hpp"
#include "tinynn/nn/sequential.hpp"

namespace tinynn::models {

namespace {

struct Registry {
    std::mutex mutex;
    std::map<std::string, ModelBuilder> builders{{"mlp", build_mlp}};
};

Registry& registry() {
    static Registry r;
    return r;
}

std::shared_ptr<nn::Module> build_layer(const LayerSpec& layer) {
    switch (layer.type) {
        case LayerType::linear:
            return std::make_shared<nn::Linear>(layer.in, layer.out, layer.bias);
        case LayerType::activation:
            return nn::make_activation(layer.activation);
        case LayerType::softmax:
            return std::make_shared<nn::Softmax>(layer.dim);
        case LayerType::log_softmax:
            return std::make_shared<nn::LogSoftmax>(layer.dim);
        case LayerType::batchnorm:
            return std::make_shared<nn::BatchNorm1d>(layer.num_features,
                                                     static_cast<float>(layer.eps),
                                                     static_cast<float>(layer.momentum));
        case LayerType::dropout:
            return std::make_shared<nn::Dropout>(static_cast<float>(layer.p));
    }
    throw Error("build_mlp: a layer of unknown type " +
                std::to_string(static_cast<int>(layer.type)));
}

}  // namespace

std::shared_ptr<nn::Module> build_mlp(const ModelSpec& spec) {
    auto model = std::make_shared<nn::Sequential>();
    for (const LayerSpec& layer : spec.layers)
        model->push_back(build_layer(layer));
    return model;
}

void register_model(const std::string& name, ModelBuilder builder) {
    if (name.empty() || !builder)
        throw Error("register_model: a name and a builder are needed");
    std::lock_guard lock(registry().mutex);
    registry().builders[name] = std::move(builder);
}

bool has_model(const std::string& name) {
    std::lock_guard lock(registry().mutex);
    return registry().builders.count(name) != 0;
}

std::vector<std::string> model_names() {
    std::lock_guard lock(registry().mutex);
    std::vector<std::string> names;
    for (const auto& entry : registry().builders)
        names.push_back(entry.first);
    return names;
}

std::shared_ptr<nn::Module> build_model(const ModelSpec& spec) {
    ModelBuilder builder;
    {
        std::lock_guard lock(registry().mutex);
        const auto it = registry().builders.find(spec.kind);
        if (it == registry().builders.end()) {
            std::string known;
            for (const auto& entry : registry().builders)
                known += (known.empty() ? "" : ", ") + entry.first;
            throw Error("model.kind: no model named '" + escape_text(spec.kind) +
                        "' is registered (known: " + known + ")");
        }
        builder = it->second;
    }
    auto model = builder(spec);
    if (!model)
        throw Error("model.kind: the builder of '" + escape_text(spec.kind) +
                    "' returned no model");
    return model;
}

}  // namespace tinynn::models
