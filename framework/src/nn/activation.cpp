#include "tinynn/nn/activation.hpp"

#include <sstream>

#include "tinynn/error.hpp"
#include "tinynn/ops.hpp"

namespace tinynn::nn {

Tensor ReLU::forward(const Tensor& input) {
    return relu(input);
}
Tensor Sigmoid::forward(const Tensor& input) {
    return sigmoid(input);
}
Tensor Tanh::forward(const Tensor& input) {
    return tanh(input);
}
Tensor LeakyReLU::forward(const Tensor& input) {
    return leaky_relu(input, negative_slope_);
}
Tensor ELU::forward(const Tensor& input) {
    return elu(input, alpha_);
}
Tensor SELU::forward(const Tensor& input) {
    return selu(input);
}
Tensor GELU::forward(const Tensor& input) {
    return gelu(input, approximate_);
}
Tensor SiLU::forward(const Tensor& input) {
    return silu(input);
}
Tensor Softplus::forward(const Tensor& input) {
    return softplus(input, beta_, threshold_);
}
Tensor Softsign::forward(const Tensor& input) {
    return softsign(input);
}
Tensor Mish::forward(const Tensor& input) {
    return mish(input);
}

PReLU::PReLU(int64_t num_parameters, float init) : num_parameters_(num_parameters), init_(init) {
    if (num_parameters < 1)
        throw Error("PReLU: expected num_parameters >= 1, got " + std::to_string(num_parameters));
    weight_ = register_parameter("weight", full({num_parameters}, init));
}
Tensor PReLU::forward(const Tensor& input) {
    return prelu(input, weight_);
}

Tensor Softmax::forward(const Tensor& input) {
    return softmax(input, dim_);
}
Tensor LogSoftmax::forward(const Tensor& input) {
    return log_softmax(input, dim_);
}

std::string LeakyReLU::describe() const {
    std::ostringstream s;
    s << "LeakyReLU(negative_slope=" << negative_slope_ << ")";
    return s.str();
}

std::string ELU::describe() const {
    std::ostringstream s;
    s << "ELU(alpha=" << alpha_ << ")";
    return s.str();
}
std::string GELU::describe() const {
    return approximate_ == GeluApproximate::tanh ? "GELU(approximate='tanh')"
                                                 : "GELU(approximate='none')";
}
std::string Softplus::describe() const {
    std::ostringstream s;
    s << "Softplus(beta=" << beta_ << ", threshold=" << threshold_ << ")";
    return s.str();
}
std::string PReLU::describe() const {
    std::ostringstream s;
    s << "PReLU(num_parameters=" << num_parameters_ << ")";
    return s.str();
}

std::string Softmax::describe() const {
    return "Softmax(dim=" + std::to_string(dim_) + ")";
}
std::string LogSoftmax::describe() const {
    return "LogSoftmax(dim=" + std::to_string(dim_) + ")";
}

}  // namespace tinynn::nn
