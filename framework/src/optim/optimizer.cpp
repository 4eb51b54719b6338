#include "tinynn/optim/optimizer.hpp"

#include <string>
#include <utility>

#include "tinynn/error.hpp"

namespace tinynn::optim {

Optimizer::Optimizer(std::vector<Tensor> parameters) : parameters_(std::move(parameters)) {
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

void Optimizer::zero_grad() {
    for (Tensor& p : parameters_)
        p.set_grad(Tensor());
}

}  // namespace tinynn::optim
