#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <type_traits>

#include "tinynn/nn/module.hpp"

namespace tinynn::nn {

// Modules applied in order; the children are named "0", "1", ... so the
// parameters are "0.weight", "0.bias", "2.weight", as in torch.nn.Sequential.
class Sequential : public Module {
  public:
    Sequential() = default;
    template <class... Ms>
    requires(sizeof...(Ms) > 0 && (std::derived_from<std::decay_t<Ms>, Module> && ...) &&
             !(sizeof...(Ms) == 1 && (std::same_as<std::decay_t<Ms>, Sequential> &&
                                      ...))) explicit Sequential(Ms&&... modules) {
        (push_back(std::forward<Ms>(modules)), ...);
    }

    void push_back(std::shared_ptr<Module> module);
    template <class M>
    requires std::derived_from<std::decay_t<M>, Module>
    void push_back(M&& module) {
        push_back(
            std::shared_ptr<Module>(std::make_shared<std::decay_t<M>>(std::forward<M>(module))));
    }

    // Runs the layers in turn; an error in one is rethrown naming the layer.
    Tensor forward(const Tensor& input) override;
    std::string describe() const override;

    size_t size() const { return named_children().size(); }
    Module& operator[](size_t index) const;
    std::shared_ptr<Module> ptr(size_t index) const;
    template <class M>
    M* as(size_t index) const {  // the layer as M, or nullptr when it is not one
        return dynamic_cast<M*>(&(*this)[index]);
    }
};

}  // namespace tinynn::nn
