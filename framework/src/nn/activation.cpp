#include "tinynn/nn/activation.hpp"

#include <sstream>

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

std::string Softmax::describe() const {
    return "Softmax(dim=" + std::to_string(dim_) + ")";
}
std::string LogSoftmax::describe() const {
    return "LogSoftmax(dim=" + std::to_string(dim_) + ")";
}

}  // namespace tinynn::nn
