#include "tinynn/nn/module.hpp"

#include <algorithm>
#include <typeinfo>
#include <unordered_set>

#include "tinynn/autograd.hpp"

namespace tinynn::nn {

Tensor Module::forward(const Tensor&) {
    throw Error(describe() + " has no single-input forward; call it with its own arguments");
}

std::string Module::describe() const {
    return "Module";
}

void Module::check_name(const std::string& name, const char* what) const {
    if (name.empty())
        throw Error(std::string(what) + ": the name must not be empty");
    if (name.find('.') != std::string::npos)
        throw Error(std::string(what) + ": the name \"" + name +
                    "\" contains a '.', which separates the parts of dotted names");
    auto taken = [&name](const auto& entries) {
        return std::any_of(entries.begin(), entries.end(),
                           [&name](const auto& e) { return e.first == name; });
    };
    if (taken(parameters_) || taken(children_))
        throw Error(std::string(what) + ": \"" + name + "\" is already registered in " +
                    describe());
}

Tensor Module::register_parameter(std::string name, Tensor value, bool requires_grad) {
    check_name(name, "register_parameter");
    if (!value.defined())
        throw Error("register_parameter: \"" + name + "\" is an undefined tensor");
    value.requires_grad_(requires_grad);
    parameters_.emplace_back(std::move(name), value);
    return value;
}

void Module::add_child(std::string name, std::shared_ptr<Module> module) {
    check_name(name, "register_module");
    if (!module)
        throw Error("register_module: \"" + name + "\" is a null module");
    children_.emplace_back(std::move(name), std::move(module));
}

StateDict Module::every_parameter(bool recurse) const {
    StateDict out(parameters_.begin(), parameters_.end());
    if (!recurse)
        return out;
    for (const auto& [child_name, child] : children_)
        for (auto& [name, tensor] : child->every_parameter(true))
            out.emplace_back(child_name + "." + name, std::move(tensor));
    return out;
}

StateDict Module::named_parameters(bool recurse) const {
    StateDict out;
    std::unordered_set<const void*> seen;
    for (auto& entry : every_parameter(recurse))
        if (seen.insert(entry.second.impl().get()).second)
            out.push_back(std::move(entry));
    return out;
}

StateDict Module::state_dict() const {
    return every_parameter(true);
}

std::vector<Tensor> Module::parameters(bool recurse) const {
    std::vector<Tensor> out;
    for (auto& entry : named_parameters(recurse))
        out.push_back(std::move(entry.second));
    return out;
}

void Module::zero_grad() {
    for (Tensor& p : parameters())
        p.set_grad(Tensor());
}

void Module::train(bool on) {
    training_ = on;
    for (auto& entry : children_)
        entry.second->train(on);
}

void Module::load_state_dict(const StateDict& state, bool strict) {
    const StateDict own = state_dict();
    auto find = [](const StateDict& dict, const std::string& name) -> const Tensor* {
        for (const auto& [key, tensor] : dict)
            if (key == name)
                return &tensor;
        return nullptr;
    };
    // Check everything before copying anything: a failed load leaves the
    // module as it was.
    for (const auto& [name, param] : own) {
        const Tensor* source = find(state, name);
        if (!source) {
            if (strict)
                throw Error("load_state_dict: missing \"" + name + "\" (shape " +
                            format_shape(param.shape()) + ") for " + describe());
            continue;
        }
        if (source->shape() != param.shape())
            throw Error("load_state_dict: \"" + name + "\" has shape " +
                        format_shape(source->shape()) + " but the module expects " +
                        format_shape(param.shape()));
    }
    if (strict)
        for (const auto& [name, tensor] : state)
            if (!find(own, name))
                throw Error("load_state_dict: unexpected \"" + name + "\" (shape " +
                            format_shape(tensor.shape()) + "): " + describe() +
                            " has no such parameter");
    for (auto& [name, param] : own)
        if (const Tensor* source = find(state, name)) {
            Tensor target = param;
            target.matrix() = source->matrix();
        }
}

}  // namespace tinynn::nn
