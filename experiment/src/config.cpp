#include "tinynn/experiment/config.hpp"

#include <algorithm>
#include <array>

namespace tinynn::experiment {

namespace {

constexpr std::array<std::string_view, 2> kLossNames{"mse", "cross_entropy"};
constexpr std::array<std::string_view, 3> kOptimizerNames{"sgd", "adam", "adamw"};
constexpr std::array<std::string_view, 5> kSchedulerNames{"none", "step", "multistep",
                                                          "exponential", "cosine"};
constexpr std::array<std::string_view, 3> kMonitorNames{"test_loss", "test_accuracy", "train_loss"};

// The enum value of `name` in a table in the enum's order.
template <class Enum, size_t N>
std::optional<Enum> from_name(const std::array<std::string_view, N>& names, std::string_view name) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end())
        return std::nullopt;
    return static_cast<Enum>(it - names.begin());
}

}  // namespace

std::string_view loss_name(Loss loss) {
    return kLossNames.at(static_cast<size_t>(loss));
}

std::span<const std::string_view> loss_names() {
    return kLossNames;
}

std::optional<Loss> loss_from_name(std::string_view name) {
    return from_name<Loss>(kLossNames, name);
}

std::string_view optimizer_name(OptimizerKind kind) {
    return kOptimizerNames.at(static_cast<size_t>(kind));
}
std::span<const std::string_view> optimizer_names() {
    return kOptimizerNames;
}
std::optional<OptimizerKind> optimizer_from_name(std::string_view name) {
    return from_name<OptimizerKind>(kOptimizerNames, name);
}

double learning_rate(const OptimizerConfig& optimizer) {
    return optimizer.lr.value_or(optimizer.kind == OptimizerKind::sgd ? 0.1 : 0.001);
}
double weight_decay(const OptimizerConfig& optimizer) {
    return optimizer.weight_decay.value_or(optimizer.kind == OptimizerKind::adamw ? 0.01 : 0.0);
}

std::string_view scheduler_name(SchedulerKind kind) {
    return kSchedulerNames.at(static_cast<size_t>(kind));
}
std::span<const std::string_view> scheduler_names() {
    return kSchedulerNames;
}
std::optional<SchedulerKind> scheduler_from_name(std::string_view name) {
    return from_name<SchedulerKind>(kSchedulerNames, name);
}

std::string_view monitor_name(Monitor monitor) {
    return kMonitorNames.at(static_cast<size_t>(monitor));
}
std::span<const std::string_view> monitor_names() {
    return kMonitorNames;
}
std::optional<Monitor> monitor_from_name(std::string_view name) {
    return from_name<Monitor>(kMonitorNames, name);
}

}  // namespace tinynn::experiment
