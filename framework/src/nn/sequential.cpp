#include "tinynn/nn/sequential.hpp"

#include <string>

namespace tinynn::nn {

void Sequential::push_back(std::shared_ptr<Module> module) {
    register_module(std::to_string(size()), std::move(module));
}

Tensor Sequential::forward(const Tensor& input) {
    Tensor x = input;
    const auto& layers = named_children();
    for (size_t i = 0; i < layers.size(); ++i) {
        Tensor y;
        try {
            y = (*layers[i].second)(x);  // with the layer's forward hooks
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
