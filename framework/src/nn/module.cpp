#include "tinynn/nn/module.hpp"

#include <algorithm>
#include <typeinfo>
#include <unordered_set>

#include "autograd/graph.hpp"
#include "tinynn/autograd.hpp"

namespace tinynn::nn {

struct HookHandle::Hooks {
    uint64_t next_id = 1;
    std::vector<std::pair<uint64_t, ForwardHook>> list;
};

void HookHandle::remove() {
    if (const auto hooks = hooks_.lock())
        std::erase_if(hooks->list, [this](const auto& entry) { return entry.first == id_; });
    hooks_.reset();
}

Tensor Module::operator()(const Tensor& input) {
    Tensor output = forward(input);
    if (hooks_.list)
        // A copy: a hook may remove itself (or add another) while it runs.
        for (const auto& [id, hook] : std::vector(hooks_.list->list))
            hook(*this, input, output);
    return output;
}

bool Module::has_forward_hooks() const {
    return hooks_.list && !hooks_.list->list.empty();
}

HookHandle Module::register_forward_hook(ForwardHook hook) {
    if (!hook)
        throw Error("register_forward_hook: the hook is empty");
    if (!hooks_.list)
        hooks_.list = std::make_shared<HookHandle::Hooks>();
    const uint64_t id = hooks_.list->next_id++;
    hooks_.list->list.emplace_back(id, std::move(hook));
    return HookHandle(hooks_.list, id);
}

void Module::apply(const std::function<void(Module&)>& fn) {
    for (auto& [name, child] : children_)
        child->apply(fn);
    fn(*this);
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
    std::vector<std::pair<std::string, Module*>> out{{"", this}};
    std::unordered_set<const Module*> seen{this};
    // Breadth of one level at a time would reorder torch's pre-order walk.
    std::function<void(Module&, const std::string&)> walk = [&](Module& m,
                                                                const std::string& prefix) {
        for (auto& [name, child] : m.children_) {
            if (!seen.insert(child.get()).second)
                continue;
            const std::string full = prefix.empty() ? name : prefix + "." + name;
            out.emplace_back(full, child.get());
            walk(*child, full);
        }
    };
    walk(*this, "");
    return out;
}

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
    if (taken(parameters_) || taken(buffers_) || taken(children_))
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

Tensor Module::register_buffer(std::string name, Tensor value) {
    check_name(name, "register_buffer");
    if (!value.defined())
        throw Error("register_buffer: \"" + name + "\" is an undefined tensor");
    value.requires_grad_(false);
    buffers_.emplace_back(std::move(name), value);
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

StateDict Module::every_buffer(bool recurse) const {
    StateDict out(buffers_.begin(), buffers_.end());
    if (!recurse)
        return out;
    for (const auto& [child_name, child] : children_)
        for (auto& [name, tensor] : child->every_buffer(true))
            out.emplace_back(child_name + "." + name, std::move(tensor));
    return out;
}

StateDict Module::named_buffers(bool recurse) const {
    StateDict out;
    std::unordered_set<const void*> seen;
    for (auto& entry : every_buffer(recurse))
        if (seen.insert(entry.second.impl().get()).second)
            out.push_back(std::move(entry));
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
    StateDict out(parameters_.begin(), parameters_.end());
    out.insert(out.end(), buffers_.begin(), buffers_.end());
    for (const auto& [child_name, child] : children_)
        for (auto& [name, tensor] : child->state_dict())
            out.emplace_back(child_name + "." + name, std::move(tensor));
    return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
    std::vector<Tensor> out;
    for (auto& entry : named_parameters(recurse))
        out.push_back(std::move(entry.second));
    return out;
}

void Module::zero_grad(bool set_to_none) {
    for (Tensor& p : parameters())
        detail::zero_grad_of(*p.impl(), set_to_none);
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
                            " has no such parameter or buffer");
    for (auto& [name, param] : own)
        if (const Tensor* source = find(state, name)) {
            Tensor target = param;
            target.matrix() = source->matrix();
        }
}

}  // namespace tinynn::nn
