#pragma once

#include <cstdint>

#include "tinynn/ops.hpp"

#include "tinynn/nn/module.hpp"

// Activation layers: modules over the ops of the same names, parameter-free
// but for PReLU's slopes.
namespace tinynn::nn {

// Passes its input through unchanged (the same tensor, as torch).
class Identity : public Module {
  public:
    Tensor forward(const Tensor& input) override { return input; }
    std::string describe() const override { return "Identity()"; }
};

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

class ELU : public Module {
  public:
    explicit ELU(float alpha = 1.0f) : alpha_(alpha) {}
    Tensor forward(const Tensor& input) override;
    std::string describe() const override;
    float alpha() const { return alpha_; }

  private:
    float alpha_;
};

class SELU : public Module {
  public:
    Tensor forward(const Tensor& input) override;
    std::string describe() const override { return "SELU()"; }
};

class GELU : public Module {
  public:
    explicit GELU(GeluApproximate approximate = GeluApproximate::none)
        : approximate_(approximate) {}
    Tensor forward(const Tensor& input) override;
    std::string describe() const override;
    GeluApproximate approximate() const { return approximate_; }

  private:
    GeluApproximate approximate_;
};

class SiLU : public Module {
  public:
    Tensor forward(const Tensor& input) override;
    std::string describe() const override { return "SiLU()"; }
};

class Softplus : public Module {
  public:
    explicit Softplus(float beta = 1.0f, float threshold = 20.0f)
        : beta_(beta), threshold_(threshold) {}
    Tensor forward(const Tensor& input) override;
    std::string describe() const override;
    float beta() const { return beta_; }
    float threshold() const { return threshold_; }

  private:
    float beta_;
    float threshold_;
};

class Softsign : public Module {
  public:
    Tensor forward(const Tensor& input) override;
    std::string describe() const override { return "Softsign()"; }
};

class Mish : public Module {
  public:
    Tensor forward(const Tensor& input) override;
    std::string describe() const override { return "Mish()"; }
};

// Leaky ReLU with learnable slopes: the parameter "weight" [num_parameters],
// every slope `init`, as torch. num_parameters 1 shares one slope; otherwise
// it must be the input's channels (its columns, [batch, channels]).
class PReLU : public Module {
  public:
    explicit PReLU(int64_t num_parameters = 1, float init = 0.25f);
    Tensor forward(const Tensor& input) override;
    std::string describe() const override;
    int64_t num_parameters() const { return num_parameters_; }
    float init() const { return init_; }
    Tensor weight() const { return weight_; }  // [num_parameters]

  private:
    int64_t num_parameters_;
    float init_;
    Tensor weight_;
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
