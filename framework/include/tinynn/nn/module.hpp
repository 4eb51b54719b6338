#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tinynn/tensor.hpp"

namespace tinynn::nn {

// Name -> tensor, in registration order; names are dotted paths ("0.weight").
using StateDict = std::vector<std::pair<std::string, Tensor>>;

class Module;

// Called after a module's forward with the module, its input and its output,
// as torch's register_forward_hook: a way to watch any layer of any model
// (diagnostics) without the model's forward knowing about it.
using ForwardHook = std::function<void(Module& module, const Tensor& input, const Tensor& output)>;

// Returned by register_forward_hook; remove() takes the hook off again (as
// torch's RemovableHandle). It outlives its module safely.
class HookHandle {
  public:
    HookHandle() = default;
    void remove();

  private:
    friend class Module;
    struct Hooks;
    HookHandle(std::weak_ptr<Hooks> hooks, uint64_t id) : hooks_(std::move(hooks)), id_(id) {}
    std::weak_ptr<Hooks> hooks_;
    uint64_t id_ = 0;
};

// The base of every layer and model, as in PyTorch's C++ frontend: a module
// registers its parameters and submodules by name and implements forward.
// Copies of a module share its parameters (they are tensor handles).
class Module {
  public:
    virtual ~Module() = default;

    virtual Tensor forward(const Tensor& input);
    // forward, then this module's forward hooks in registration order.
    Tensor operator()(const Tensor& input);

    HookHandle register_forward_hook(ForwardHook hook);
    bool has_forward_hooks() const;

    // Calls fn on every submodule (depth first, children before their parent)
    // and then on this module, as torch's Module.apply.
    void apply(const std::function<void(Module&)>& fn);
    // This module (named "") and every submodule by dotted name, parents
    // first; a module reached twice is listed once, as in torch.
    std::vector<std::pair<std::string, Module*>> named_modules();

    // One line naming the module and its settings: "Linear(in_features=2, ...)".
    virtual std::string describe() const;

    // Registers a parameter under `name` (non-empty, no dots, unique) and
    // returns a handle to it; it requires grad unless told otherwise.
    Tensor register_parameter(std::string name, Tensor value, bool requires_grad = true);
    // Registers state that is not learned, as torch's register_buffer (e.g.
    // BatchNorm's running statistics): in state_dict() after the module's
    // parameters, loaded by load_state_dict, saved with the weights; never
    // requires grad. The same name rules as a parameter.
    Tensor register_buffer(std::string name, Tensor value);
    template <class M>
    requires std::derived_from<M, Module> std::shared_ptr<M> register_module(
        std::string name, std::shared_ptr<M> module) {
        add_child(std::move(name), module);
        return module;
    }
    template <class M>
    requires std::derived_from<std::decay_t<M>, Module> std::shared_ptr<std::decay_t<M>>
    register_module(std::string name, M&& module) {
        return register_module(std::move(name),
                               std::make_shared<std::decay_t<M>>(std::forward<M>(module)));
    }

    // Each parameter once, under the first name it is reached by, as in
    // PyTorch: a module used twice (shared weights) is optimised once.
    std::vector<Tensor> parameters(bool recurse = true) const;
    StateDict named_parameters(bool recurse = true) const;  // "child.name", recursively
    StateDict named_buffers(bool recurse = true) const;     // "child.name", recursively
    const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const {
        return children_;
    }

    // Clears every parameter's grad: by default it becomes undefined, so an
    // optimiser skips the parameter until a backward reaches it again; with
    // false the grads that exist are zeroed in place (torch 1.13's default),
    // so an optimiser still applies momentum and weight decay to them. A grad
    // no backward has made stays undefined either way.
    void zero_grad(bool set_to_none = true);
    void train(bool on = true);  // recursively
    void eval() { train(false); }
    bool is_training() const { return training_; }

    // The parameters and buffers by dotted name (handles: they share the
    // values), as PyTorch's state_dict lists them: each module's parameters,
    // then its buffers, then its children's; a shared one under each name.
    StateDict state_dict() const;
    // Copies values in by name; a missing or unexpected name (when strict) or
    // a shape mismatch throws naming the tensor and both shapes.
    void load_state_dict(const StateDict& state, bool strict = true);

  private:
    StateDict every_parameter(bool recurse) const;  // shared ones under each name
    StateDict every_buffer(bool recurse) const;
    void add_child(std::string name, std::shared_ptr<Module> module);
    void check_name(const std::string& name, const char* what) const;

    std::vector<std::pair<std::string, Tensor>> parameters_;
    std::vector<std::pair<std::string, Tensor>> buffers_;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
    // Shared with the handles; null until the first hook (no cost per call).
    // A copy of a module shares its parameters but starts without hooks, as
    // a hook watches one module.
    struct HookSlot {
        std::shared_ptr<HookHandle::Hooks> list;
        HookSlot() = default;
        HookSlot(const HookSlot&) {}
        HookSlot& operator=(const HookSlot&) { return *this; }
        HookSlot(HookSlot&&) noexcept = default;
        HookSlot& operator=(HookSlot&&) noexcept = default;
    };
    HookSlot hooks_;
    bool training_ = true;
};

// The module in eval mode for as long as this lives, then back in the mode
// it was in: evaluating between training epochs (PyTorch's model.eval() ...
// model.train()), which must leave BatchNorm's running statistics and
// Dropout's draws alone, and training's mode as it was, also on a throw.
class EvalModeGuard {
  public:
    explicit EvalModeGuard(Module& module) : module_(module), was_training_(module.is_training()) {
        module.eval();
    }
    ~EvalModeGuard() { module_.train(was_training_); }
    EvalModeGuard(const EvalModeGuard&) = delete;
    EvalModeGuard& operator=(const EvalModeGuard&) = delete;

  private:
    Module& module_;
    bool was_training_;
};

}  // namespace tinynn::nn
