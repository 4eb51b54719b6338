#include "tinynn/optim/optimizer.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "autograd/graph.hpp"
#include "optim/format.hpp"
#include "tinynn/error.hpp"

namespace tinynn::optim {

namespace {

void check_lr(const std::string& kind, double lr) {
    // PyTorch accepts NaN and inf (NaN < 0 is false); they only poison the weights.
    if (!std::isfinite(lr) || lr < 0.0)
        throw Error(kind + ": invalid lr " + exact_text(lr) + ": expected a finite value >= 0");
}

}  // namespace

Optimizer::Optimizer(std::vector<Tensor> parameters, double lr, std::string kind)
    : parameters_(std::move(parameters)), lr_(lr), kind_(std::move(kind)) {
    check_lr(kind_, lr_);
    // PyTorch's wording, so a config ported from it fails the same way.
    if (parameters_.empty())
        throw Error("optimizer got an empty parameter list");
    for (size_t i = 0; i < parameters_.size(); ++i) {
        const Tensor& p = parameters_[i];
        const std::string which = "optimizer: parameter " + std::to_string(i);
        if (!p.defined())
            throw Error(which + " is an undefined tensor");
        // A non-leaf's value is recomputed by every forward, so updating it
        // in place would be lost (and its grad is never accumulated).
        if (!p.is_leaf())
            throw Error(which + " of shape " + format_shape(p.shape()) +
                        " is not a leaf (it was made by an op); can't optimize a non-leaf "
                        "tensor, pass the leaf it was computed from");
        // Without requires_grad backward never fills its grad: step() would
        // silently skip it forever.
        if (!p.requires_grad())
            throw Error(which + " of shape " + format_shape(p.shape()) +
                        " does not require grad; call requires_grad_() on it first");
        // Listed twice it would be updated twice per step (PyTorch warns that
        // this will become an error). Module::parameters() lists each once.
        for (size_t j = 0; j < i; ++j)
            if (parameters_[j].impl() == p.impl())
                throw Error(which + " of shape " + format_shape(p.shape()) +
                            " is the same tensor as parameter " + std::to_string(j) +
                            "; pass each parameter once");
    }
}

void Optimizer::zero_grad(bool set_to_none) {
    // Through the values themselves, not grad() and set_grad(): handles to
    // the grads would cost two atomic counts each, in every step of a toy
    // model (parameters are checked defined at construction).
    for (Tensor& p : parameters_)
        detail::zero_grad_of(*p.impl(), set_to_none);
}

void Optimizer::set_lr(double lr) {
    check_lr(kind_, lr);
    lr_ = lr;
}

State Optimizer::base_state(const std::map<std::string, double>& options) const {
    State s;
    s.kind = kind_;
    s.counts["parameters"] = static_cast<int64_t>(parameters_.size());
    s.values = options;
    s.values["lr"] = lr_;
    return s;
}

double Optimizer::check_base_state(const State& state,
                                   const std::map<std::string, double>& options) const {
    if (state.kind != kind_)
        throw Error(kind_ + ": load_state: expected a state of kind " + kind_ + ", found kind " +
                    (state.kind.empty() ? std::string("\"\"") : state.kind));
    const auto count = state.counts.find("parameters");
    if (count == state.counts.end())
        throw Error(kind_ + ": load_state: the state has no \"parameters\" count");
    if (count->second != static_cast<int64_t>(parameters_.size()))
        throw Error(kind_ + ": load_state: expected the state of " +
                    std::to_string(parameters_.size()) + " parameter(s), found the state of " +
                    std::to_string(count->second));
    // Options other than lr are the caller's configuration: a state saved
    // under others would not continue the same run.
    for (const auto& [name, value] : options) {
        const auto saved = state.values.find(name);
        if (saved == state.values.end())
            throw Error(kind_ + ": load_state: the state has no " + name);
        if (saved->second != value)
            throw Error(kind_ + ": load_state: " + name + " is " + exact_text(value) +
                        " but the state was saved with " + exact_text(saved->second));
    }
    const auto lr = state.values.find("lr");
    if (lr == state.values.end())
        throw Error(kind_ + ": load_state: the state has no lr");
    check_lr(kind_, lr->second);
    // Tensors must name a parameter this optimiser has: one of a longer list
    // would otherwise be dropped without a word.
    for (const auto& [name, tensor] : state.tensors) {
        const size_t dot = name.find('.');
        size_t index = parameters_.size();
        if (dot != std::string::npos && dot > 0 && name.find_first_not_of("0123456789") == dot &&
            dot < 10)
            index = std::stoul(name.substr(0, dot));
        if (index >= parameters_.size())
            throw Error(kind_ +
                        ": load_state: expected tensors named <parameter index>.<buffer> "
                        "with an index below " +
                        std::to_string(parameters_.size()) + ", found \"" + name + "\"");
        if (!tensor.defined())
            throw Error(kind_ + ": load_state: the tensor \"" + name + "\" is undefined");
    }
    return lr->second;
}

Tensor Optimizer::state_tensor(const State& state, size_t index, const std::string& name) const {
    const std::string key = std::to_string(index) + "." + name;
    const auto found = state.tensors.find(key);
    if (found == state.tensors.end())
        return Tensor();
    const Tensor& p = parameters_[index];
    if (found->second.shape() != p.shape())
        throw Error(kind_ + ": load_state: parameter " + std::to_string(index) + " has shape " +
                    format_shape(p.shape()) + " but the state's \"" + key + "\" has shape " +
                    format_shape(found->second.shape()));
    return found->second;
}

}  // namespace tinynn::optim
