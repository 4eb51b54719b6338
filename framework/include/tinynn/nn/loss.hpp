#pragma once

#include "tinynn/nn/functional.hpp"
#include "tinynn/nn/module.hpp"

namespace tinynn::nn {

// Losses take (input, target) rather than one input.
class MSELoss : public Module {
  public:
    explicit MSELoss(Reduction reduction = Reduction::mean) : reduction_(reduction) {}
    Tensor forward(const Tensor& input, const Tensor& target) const;
    Tensor operator()(const Tensor& input, const Tensor& target) const {
        return forward(input, target);
    }
    std::string describe() const override;

  private:
    Reduction reduction_;
};

// Targets are class indices 0..K-1 stored as floats in a {batch} tensor.
class CrossEntropyLoss : public Module {
  public:
    explicit CrossEntropyLoss(Reduction reduction = Reduction::mean) : reduction_(reduction) {}
    Tensor forward(const Tensor& input, const Tensor& target) const;
    Tensor operator()(const Tensor& input, const Tensor& target) const {
        return forward(input, target);
    }
    std::string describe() const override;

  private:
    Reduction reduction_;
};

// Probabilities in [0, 1] against targets of the same shape.
class BCELoss : public Module {
  public:
    explicit BCELoss(Reduction reduction = Reduction::mean) : reduction_(reduction) {}
    Tensor forward(const Tensor& input, const Tensor& target) const;
    Tensor operator()(const Tensor& input, const Tensor& target) const {
        return forward(input, target);
    }
    std::string describe() const override;

  private:
    Reduction reduction_;
};

// Logits against targets of the same shape: BCELoss of the sigmoid, stable.
class BCEWithLogitsLoss : public Module {
  public:
    explicit BCEWithLogitsLoss(Reduction reduction = Reduction::mean) : reduction_(reduction) {}
    Tensor forward(const Tensor& input, const Tensor& target) const;
    Tensor operator()(const Tensor& input, const Tensor& target) const {
        return forward(input, target);
    }
    std::string describe() const override;

  private:
    Reduction reduction_;
};

// Log-probabilities (log_softmax's output) against class indices as in
// CrossEntropyLoss: LogSoftmax then NLLLoss is CrossEntropyLoss.
class NLLLoss : public Module {
  public:
    explicit NLLLoss(Reduction reduction = Reduction::mean) : reduction_(reduction) {}
    Tensor forward(const Tensor& input, const Tensor& target) const;
    Tensor operator()(const Tensor& input, const Tensor& target) const {
        return forward(input, target);
    }
    std::string describe() const override;

  private:
    Reduction reduction_;
};

}  // namespace tinynn::nn
