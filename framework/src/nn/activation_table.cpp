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

std::shared_ptr<Module> make_elu(const ActivationSpec& spec) {
    return std::make_shared<ELU>(spec.alpha);
}
std::optional<ActivationSpec> recognise_elu(const Module& module) {
    if (const auto* m = dynamic_cast<const ELU*>(&module))
        return ActivationSpec{.kind = Activation::elu, .alpha = m->alpha()};
    return std::nullopt;
}
float elu_scale(const ActivationSpec& spec) {
    return spec.alpha;
}

std::shared_ptr<Module> make_gelu(const ActivationSpec& spec) {
    return std::make_shared<GELU>(spec.approximate);
}
std::optional<ActivationSpec> recognise_gelu(const Module& module) {
    if (const auto* m = dynamic_cast<const GELU*>(&module))
        return ActivationSpec{.kind = Activation::gelu, .approximate = m->approximate()};
    return std::nullopt;
}

std::shared_ptr<Module> make_softplus(const ActivationSpec& spec) {
    return std::make_shared<Softplus>(spec.beta, spec.threshold);
}
std::optional<ActivationSpec> recognise_softplus(const Module& module) {
    if (const auto* m = dynamic_cast<const Softplus*>(&module))
        return ActivationSpec{
            .kind = Activation::softplus, .beta = m->beta(), .threshold = m->threshold()};
    return std::nullopt;
}
// log(1 + exp(beta x)) / beta approaches 0 as exp(beta x) / beta, whose
// gradient is beta times the output: the band narrows as beta grows.
float softplus_scale(const ActivationSpec& spec) {
    return 1.0f / spec.beta;
}

std::shared_ptr<Module> make_prelu(const ActivationSpec& spec) {
    return std::make_shared<PReLU>(spec.num_parameters, spec.init);
}
std::optional<ActivationSpec> recognise_prelu(const Module& module) {
    if (const auto* m = dynamic_cast<const PReLU*>(&module))
        return ActivationSpec{
            .kind = Activation::prelu, .num_parameters = m->num_parameters(), .init = m->init()};
    return std::nullopt;
}

// SELU's lower asymptote, -scale * alpha.
constexpr float kSeluFloor = -1.0507009873554804934f * 1.6732632423543772848f;

using init::Nonlinearity;
// Health of the new rows, and why:
// * identity: linear everywhere, nothing can die or saturate;
// * elu, selu: below 0 the output approaches its negative asymptote and the
//   gradient (output - asymptote) vanishes with it; above 0 it passes, so
//   only the low side saturates. The band is [asymptote, 0], at whose top
//   the negative side's gradient is largest;
// * softplus: approaches 0 from above and its gradient (beta times the
//   output, near 0) vanishes there: a soft dead ReLU, measured as
//   saturation at 0; the band [0, 1 / beta];
// * softsign: squashes into (-1, 1) as tanh does, more slowly;
// * silu, gelu, mish: not monotone, and an output near 0 is as likely the
//   healthy x = 0 (gradient 1/2) as the dead far left, so the output cannot
//   tell; a unit whose input is negative for every sample is gated off as
//   a dead ReLU's is, passing back at most about a tenth of a gradient;
// * prelu: dead_input as leaky_relu, whose slope it learns.
constexpr std::array<ActivationInfo, 13> kTable{{
    {Activation::sigmoid, "sigmoid", Nonlinearity::sigmoid, UnitHealth::saturated, 0.0f, 1.0f,
     make_plain<Sigmoid>, recognise_plain<Sigmoid, Activation::sigmoid>},
    {Activation::tanh, "tanh", Nonlinearity::tanh, UnitHealth::saturated, -1.0f, 1.0f,
     make_plain<Tanh>, recognise_plain<Tanh, Activation::tanh>},
    {Activation::relu, "relu", Nonlinearity::relu, UnitHealth::dead_output, 0, 0, make_plain<ReLU>,
     recognise_plain<ReLU, Activation::relu>},
    {Activation::leaky_relu, "leaky_relu", Nonlinearity::leaky_relu, UnitHealth::dead_input, 0, 0,
     make_leaky_relu, recognise_leaky_relu},
    {Activation::identity, "identity", Nonlinearity::linear, UnitHealth::none, 0, 0,
     make_plain<Identity>, recognise_plain<Identity, Activation::identity>},
    {Activation::elu, "elu", Nonlinearity::linear, UnitHealth::saturated_low, -1.0f, 0.0f, make_elu,
     recognise_elu, elu_scale},
    {Activation::selu, "selu", Nonlinearity::selu, UnitHealth::saturated_low, kSeluFloor, 0.0f,
     make_plain<SELU>, recognise_plain<SELU, Activation::selu>},
    {Activation::gelu, "gelu", Nonlinearity::linear, UnitHealth::dead_input, 0, 0, make_gelu,
     recognise_gelu},
    {Activation::silu, "silu", Nonlinearity::linear, UnitHealth::dead_input, 0, 0, make_plain<SiLU>,
     recognise_plain<SiLU, Activation::silu>},
    {Activation::softplus, "softplus", Nonlinearity::linear, UnitHealth::saturated_low, 0.0f, 1.0f,
     make_softplus, recognise_softplus, softplus_scale},
    {Activation::softsign, "softsign", Nonlinearity::linear, UnitHealth::saturated, -1.0f, 1.0f,
     make_plain<Softsign>, recognise_plain<Softsign, Activation::softsign>},
    {Activation::mish, "mish", Nonlinearity::linear, UnitHealth::dead_input, 0, 0, make_plain<Mish>,
     recognise_plain<Mish, Activation::mish>},
    {Activation::prelu, "prelu", Nonlinearity::leaky_relu, UnitHealth::dead_input, 0, 0, make_prelu,
     recognise_prelu},
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

OutputRange activation_range(const ActivationSpec& spec) {
    const ActivationInfo& row = activation_info(spec.kind);
    const float scale = row.range_scale ? row.range_scale(spec) : 1.0f;
    return {row.low * scale, row.high * scale};
}

// PReLU is the activation of He et al.'s derivation, whose gain is
// leaky_relu's at the slope it starts from.
float activation_gain(const ActivationSpec& spec) {
    const Nonlinearity n = activation_info(spec.kind).nonlinearity;
    const float slope = spec.kind == Activation::prelu ? spec.init : spec.negative_slope;
    return init::calculate_gain(n, n == Nonlinearity::leaky_relu ? slope : 0.0f);
}

}  // namespace tinynn::nn
