#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tinynn/tensor.hpp"

namespace tinynn::optim {

// Everything an optimiser or a scheduler needs to continue exactly where it
// stopped: what a checkpoint saves. The tensors are float32 (a safetensors
// file can hold them as they are); counts and values fit in string metadata
// (a double printed with 17 significant digits reads back to the same double).
struct State {
    std::string kind;                       // "SGD", "Adam", "StepLR", ...
    std::map<std::string, Tensor> tensors;  // per parameter index: "0.exp_avg", ...
    std::map<std::string, int64_t> counts;  // "parameters", "0.step", "last_epoch", ...
    std::map<std::string, double> values;   // "lr", "momentum", "base_lr", ...
};
using OptimizerState = State;

// What every optimiser shares: the parameters it updates and the learning
// rate, which a schedule may change between steps. A new optimiser derives
// from this and implements step(), state() and load_state().
class Optimizer {
  public:
    // Parameters must be leaves that require grad; the list must not be empty.
    // `lr` must be finite and >= 0.
    Optimizer(std::vector<Tensor> parameters, double lr, std::string kind);
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    virtual void step() = 0;  // one update from the parameters' current grads
    // As nn::Module::zero_grad: undefined grads by default, zeroed ones with
    // false (torch 1.13's default), which step() still applies momentum and
    // weight decay to.
    void zero_grad(bool set_to_none = true);
    const std::vector<Tensor>& parameters() const { return parameters_; }
    const std::string& kind() const { return kind_; }

    // A double, as torch's param_group["lr"] (a Python float): a schedule's
    // values are not floats, and Adam forms lr / bias_correction in double.
    double lr() const { return lr_; }
    // Takes effect at the next step(); throws tinynn::Error unless finite and >= 0.
    void set_lr(double lr);

    // The buffers, step counts, lr and options. load_state() takes the state
    // of an optimiser of the same kind, options and parameter shapes (it
    // throws tinynn::Error naming the difference otherwise) and leaves this
    // one stepping exactly as the one it came from would have.
    virtual State state() const = 0;
    virtual void load_state(const State& state) = 0;

  protected:
    // The state's parts shared by every optimiser: kind, parameter count, lr
    // and the options given in `options` (which must equal this one's).
    State base_state(const std::map<std::string, double>& options) const;
    // Checks those parts (and that every tensor names a parameter) and
    // returns the state's lr, for load_state to set once all is checked.
    double check_base_state(const State& state, const std::map<std::string, double>& options) const;
    // The tensor named `name` (e.g. "0.exp_avg") for parameter `index`,
    // checked against the parameter's shape; undefined when absent.
    Tensor state_tensor(const State& state, size_t index, const std::string& name) const;

    std::vector<Tensor> parameters_;
    double lr_;
    std::string kind_;
};

}  // namespace tinynn::optim
