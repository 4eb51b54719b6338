#include "tinynn/nn/sequential.hpp"

#include <optional>
#include <string>
#include <typeinfo>

#include "nn/linear_activation.hpp"
#include "tinynn/nn/linear.hpp"

namespace tinynn::nn {

void Sequential::push_back(std::shared_ptr<Module> module) {
    register_module(std::to_string(size()), std::move(module));
}

namespace {
// The activation layer `next` fuses with when `layer` is a Linear (exactly)
// and no forward hook watches either: a hook would be owed the Linear's
// output, which the fused node never makes. (Types by address, as
// linear_activation_of.)
std::optional<LinearActivation> fuses_with(const Module& layer, const Module& next) {
    if (&typeid(layer) != &typeid(Linear) || layer.has_forward_hooks() || next.has_forward_hooks())
        return std::nullopt;
    return linear_activation_of(next);
}
}  // namespace

Tensor Sequential::forward(const Tensor& input) {
    Tensor x = input;
    const auto& layers = named_children();
    for (size_t i = 0; i < layers.size(); ++i) {
        Tensor y;
        try {
            Module& layer = *layers[i].second;
            const auto fused =
                i + 1 < layers.size() ? fuses_with(layer, *layers[i + 1].second) : std::nullopt;
            if (fused)  // layers i and i + 1 as one node (nn/linear_activation.hpp)
                y = linear_activation(static_cast<Linear&>(layer), x, *fused), ++i;
            else
                y = layer(x);  // with the layer's forward hooks
        } catch (const Error& e) {
            throw Error("Sequential layer " + std::to_string(i) + " (" +
                        layers[i].second->describe() + "): " + e.what());
        }
        x = std::move(y);
    }
    return x;
}

std::string Sequential::describe() const {
    std::string s = "Sequential(";
    for (size_t i = 0; i < size(); ++i)
        s += (i ? ", " : "") + (*this)[i].describe();
    return s + ")";
}

Module& Sequential::operator[](size_t index) const {
    return *ptr(index);
}

std::shared_ptr<Module> Sequential::ptr(size_t index) const {
    if (index >= size())
        throw Error("Sequential: index " + std::to_string(index) + " is out of range for " +
                    std::to_string(size()) + " layers");
    return named_children()[index].second;
}

}  // namespace tinynn::nn
