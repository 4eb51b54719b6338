#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tinynn/optim/optimizer.hpp"

namespace tinynn::optim {

// torch.optim.SGD's options, one field per YAML key of the config. lr is
// only the initial learning rate: Optimizer::set_lr() changes it.
struct SGDOptions {
    float lr = 0.001f;
    float momentum = 0.0f;
    float dampening = 0.0f;
    float weight_decay = 0.0f;
    bool nesterov = false;
};

// torch.optim.SGD's rule, per parameter with a grad (the others are skipped):
//   g = grad + weight_decay * p
//   buf = g on the first step, then momentum * buf + (1 - dampening) * g
//   g = nesterov ? g + momentum * buf : buf        (when momentum != 0)
//   p -= lr * g
class SGD : public Optimizer {
  public:
    // Throws tinynn::Error for a negative or non-finite option, or nesterov
    // without momentum or with dampening.
    SGD(std::vector<Tensor> parameters, SGDOptions options);

    void step() override;
    // The options, with lr the current learning rate (see Optimizer::lr()).
    SGDOptions options() const;

    // Tensors "<i>.momentum_buffer" for each parameter that has one.
    State state() const override;
    void load_state(const State& state) override;

  private:
    // One parameter's update in a step, as flat arrays.
    struct Step {
        float* weight;
        const float* grad;
        float* buffer;  // null without momentum
        int64_t size;
        bool first;    // the buffer starts at this step's direction
        size_t index;  // of the parameter
    };

    SGDOptions options_;                    // lr is the one given at construction, see lr()
    std::vector<Matrix> momentum_buffers_;  // one per parameter; empty until its first step
    std::vector<Step> steps_;               // kept to reuse its storage across steps
};

}  // namespace tinynn::optim
