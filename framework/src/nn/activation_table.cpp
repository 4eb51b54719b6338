#include "tinynn/nn/activation_table.hpp"

#include <array>

#include "tinynn/error.hpp"
#include "tinynn/nn/activation.hpp"

namespace tinynn::nn {

namespace {

template <class M>
std::shared_ptr<Module> make_plain(const ActivationSpec&) {
    return std::make_shared<M>();
}

template <class M, Activation kind>
std::optional<ActivationSpec> recognise_plain(const Module& module) {
    if (dynamic_cast<const M*>(&module))
        return ActivationSpec{.kind = kind};
    return std::nullopt;
}

std::shared_ptr<Module> make_leaky_relu(const ActivationSpec& spec) {
    return std::make_shared<LeakyReLU>(spec.negative_slope);
}

std::optional<ActivationSpec> recognise_leaky_relu(const Module& module) {
    if (const auto* m = dynamic_cast<const LeakyReLU*>(&module))
        return ActivationSpec{.kind = Activation::leaky_relu,
                              .negative_slope = m->negative_slope()};
    return std::nullopt;
}

using init::Nonlinearity;
constexpr std::array<ActivationInfo, 4> kTable{{
    {Activation::sigmoid, "sigmoid", Nonlinearity::sigmoid, UnitHealth::saturated, 0.0f, 1.0f,
     make_plain<Sigmoid>, recognise_plain<Sigmoid, Activation::sigmoid>},
    {Activation::tanh, "tanh", Nonlinearity::tanh, UnitHealth::saturated, -1.0f, 1.0f,
     make_plain<Tanh>, recognise_plain<Tanh, Activation::tanh>},
    {Activation::relu, "relu", Nonlinearity::relu, UnitHealth::dead_output, 0, 0, make_plain<ReLU>,
     recognise_plain<ReLU, Activation::relu>},
    {Activation::leaky_relu, "leaky_relu", Nonlinearity::leaky_relu, UnitHealth::dead_input, 0, 0,
     make_leaky_relu, recognise_leaky_relu},
}};

}  // namespace

std::span<const ActivationInfo> activation_table() {
    return kTable;
}

const ActivationInfo& activation_info(Activation kind) {
    for (const ActivationInfo& row : kTable)
        if (row.kind == kind)
            return row;
    throw Error("activation_info: activation " + std::to_string(static_cast<int>(kind)) +
                " has no row in the activation table");
}

std::string_view activation_name(Activation kind) {
    return activation_info(kind).name;
}

std::optional<Activation> activation_from_name(std::string_view name) {
    for (const ActivationInfo& row : kTable)
        if (row.name == name)
            return row.kind;
    return std::nullopt;
}

std::string activation_names() {
    std::string out;
    for (const ActivationInfo& row : kTable)
        out += (out.empty() ? "" : ", ") + std::string(row.name);
    return out;
}

std::shared_ptr<Module> make_activation(const ActivationSpec& spec) {
    return activation_info(spec.kind).make(spec);
}

std::optional<ActivationSpec> activation_of(const Module& module) {
    for (const ActivationInfo& row : kTable)
        if (auto spec = row.recognise(module))
            return spec;
    return std::nullopt;
}

float activation_gain(const ActivationSpec& spec) {
    const Nonlinearity n = activation_info(spec.kind).nonlinearity;
    return init::calculate_gain(n, n == Nonlinearity::leaky_relu ? spec.negative_slope : 0.0f);
}

}  // namespace tinynn::nn
