#include "tinynn/nn/init.hpp"

#include <cmath>
#include <string>

#include "tinynn/random.hpp"

namespace tinynn::nn::init {

namespace {
struct Fans {
    float in;
    float out;
};

Fans fans(const Tensor& t, const char* who) {
    if (t.dim() != 2)
        throw Error(std::string(who) + ": fan in and fan out need a matrix [out, in], got shape " +
                    format_shape(t.shape()));
    return {static_cast<float>(t.shape()[1]), static_cast<float>(t.shape()[0])};
}

Tensor fill(Tensor t, float (*draw)(Generator&, float, float), float a, float b) {
    Generator& gen = default_generator();
    float* data = t.data();
    for (int64_t i = 0; i < t.numel(); ++i)
        data[i] = draw(gen, a, b);
    return t;
}

Tensor uniform_bound(Tensor t, float bound) {
    return uniform_(std::move(t), -bound, bound);
}
}  // namespace

float calculate_gain(Nonlinearity nonlinearity, float param) {
    switch (nonlinearity) {
        case Nonlinearity::linear:
        case Nonlinearity::sigmoid:
            return 1.0f;
        case Nonlinearity::tanh:
            return 5.0f / 3.0f;
        case Nonlinearity::relu:
            return std::sqrt(2.0f);
        case Nonlinearity::leaky_relu:
            return std::sqrt(2.0f / (1.0f + param * param));
        case Nonlinearity::selu:
            return 3.0f / 4.0f;
    }
    throw Error("calculate_gain: unknown nonlinearity");
}

Tensor uniform_(Tensor tensor, float low, float high) {
    return fill(
        std::move(tensor), [](Generator& g, float lo, float hi) { return g.uniform(lo, hi); }, low,
        high);
}

Tensor normal_(Tensor tensor, float mean, float std) {
    return fill(
        std::move(tensor), [](Generator& g, float m, float s) { return g.normal(m, s); }, mean,
        std);
}

Tensor constant_(Tensor tensor, float value) {
    tensor.matrix().setConstant(value);
    return tensor;
}

Tensor zeros_(Tensor tensor) {
    return constant_(std::move(tensor), 0.0f);
}

Tensor xavier_uniform_(Tensor tensor, float gain) {
    const Fans f = fans(tensor, "xavier_uniform_");
    const float std = gain * std::sqrt(2.0f / (f.in + f.out));
    return uniform_bound(std::move(tensor), std::sqrt(3.0f) * std);
}

Tensor xavier_normal_(Tensor tensor, float gain) {
    const Fans f = fans(tensor, "xavier_normal_");
    return normal_(std::move(tensor), 0.0f, gain * std::sqrt(2.0f / (f.in + f.out)));
}

Tensor kaiming_uniform_(Tensor tensor, float a, FanMode mode, Nonlinearity nonlinearity) {
    const Fans f = fans(tensor, "kaiming_uniform_");
    const float fan = mode == FanMode::fan_in ? f.in : f.out;
    if (fan == 0)
        return tensor;  // an empty matrix: nothing to draw
    const float std = calculate_gain(nonlinearity, a) / std::sqrt(fan);
    return uniform_bound(std::move(tensor), std::sqrt(3.0f) * std);
}

Tensor kaiming_normal_(Tensor tensor, float a, FanMode mode, Nonlinearity nonlinearity) {
    const Fans f = fans(tensor, "kaiming_normal_");
    const float fan = mode == FanMode::fan_in ? f.in : f.out;
    if (fan == 0)
        return tensor;
    return normal_(std::move(tensor), 0.0f, calculate_gain(nonlinearity, a) / std::sqrt(fan));
}

Tensor lecun_normal_(Tensor tensor) {
    return kaiming_normal_(std::move(tensor), 0.0f, FanMode::fan_in, Nonlinearity::linear);
}

}  // namespace tinynn::nn::init
