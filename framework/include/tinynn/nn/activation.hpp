#pragma once

#include <cstdint>

#include "tinynn/nn/module.hpp"

// Activation layers: parameter-free modules over the ops of the same names.
namespace tinynn::nn {

class ReLU : public Module {
  public:
    Tensor forward(const Tensor& input) override;
    std::string describe() const override { return "ReLU()"; }
};

class Sigmoid : public Module {
  public:
    Tensor forward(const Tensor& input) override;
    std::string describe() const override { return "Sigmoid()"; }
};

class Tanh : public Module {
  public:
    Tensor forward(const Tensor& input) override;
    std::string describe() const override { return "Tanh()"; }
};

class LeakyReLU : public Module {
  public:
    explicit LeakyReLU(float negative_slope = 0.01f) : negative_slope_(negative_slope) {}
    Tensor forward(const Tensor& input) override;
    std::string describe() const override;
    float negative_slope() const { return negative_slope_; }

  private:
    float negative_slope_;
};

class Softmax : public Module {
  public:
    explicit Softmax(int64_t dim) : dim_(dim) {}
    Tensor forward(const Tensor& input) override;
    std::string describe() const override;
    int64_t dim() const { return dim_; }

  private:
    int64_t dim_;
};

class LogSoftmax : public Module {
  public:
    explicit LogSoftmax(int64_t dim) : dim_(dim) {}
    Tensor forward(const Tensor& input) override;
    std::string describe() const override;
    int64_t dim() const { return dim_; }

  private:
    int64_t dim_;
};

}  // namespace tinynn::nn
