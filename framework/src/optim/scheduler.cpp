#include "tinynn/optim/scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

#include "optim/format.hpp"
#include "tinynn/error.hpp"

namespace tinynn::optim {
namespace {

void require(bool ok, const std::string& kind, const char* option, double value,
             const char* expected) {
    if (!ok)
        throw Error(kind + ": invalid " + option + " " + exact_text(value) + ": expected " +
                    expected);
}

}  // namespace

LRScheduler::LRScheduler(Optimizer& optimizer, std::string kind)
    : optimizer_(optimizer), kind_(std::move(kind)), base_lr_(optimizer.lr()) {}

void LRScheduler::initial_step() {
    step();
}

void LRScheduler::step() {
    ++last_epoch_;
    const double lr = get_lr();
    optimizer_.set_lr(lr);
    last_lr_ = lr;
}

State LRScheduler::state() const {
    State s;
    s.kind = kind_;
    s.counts["last_epoch"] = last_epoch_;
    s.values = options();
    s.values["base_lr"] = base_lr_;
    s.values["last_lr"] = last_lr_;
    return s;
}

void LRScheduler::load_state(const State& state) {
    if (state.kind != kind_)
        throw Error(kind_ + ": load_state: expected a state of kind " + kind_ + ", found kind " +
                    (state.kind.empty() ? std::string("\"\"") : state.kind));
    for (const auto& [name, value] : options()) {
        const auto saved = state.values.find(name);
        if (saved == state.values.end())
            throw Error(kind_ + ": load_state: the state has no " + name);
        if (saved->second != value)
            throw Error(kind_ + ": load_state: " + name + " is " + exact_text(value) +
                        " but the state was saved with " + exact_text(saved->second));
    }
    const auto epoch = state.counts.find("last_epoch");
    const auto base = state.values.find("base_lr");
    const auto last = state.values.find("last_lr");
    if (epoch == state.counts.end() || base == state.values.end() || last == state.values.end())
        throw Error(kind_ + ": load_state: expected last_epoch, base_lr and last_lr in the state");
    if (epoch->second < 0)
        throw Error(kind_ + ": load_state: expected last_epoch >= 0, found " +
                    std::to_string(epoch->second));
    for (const auto* lr : {&*base, &*last})
        if (!std::isfinite(lr->second) || lr->second < 0.0)
            throw Error(kind_ + ": load_state: expected " + lr->first + " finite and >= 0, found " +
                        exact_text(lr->second));
    last_epoch_ = epoch->second;
    base_lr_ = base->second;
    last_lr_ = last->second;
}

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer, "StepLR"), step_size_(step_size), gamma_(gamma) {
    require(step_size >= 1, kind(), "step_size", static_cast<double>(step_size), "at least 1");
    require(std::isfinite(gamma), kind(), "gamma", gamma, "a finite value");
    initial_step();
}

double StepLR::get_lr() const {
    const double lr = optimizer_.lr();
    if (last_epoch() == 0 || last_epoch() % step_size_ != 0)
        return lr;
    return lr * gamma_;
}

std::map<std::string, double> StepLR::options() const {
    return {{"step_size", static_cast<double>(step_size_)}, {"gamma", gamma_}};
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer, "MultiStepLR"), milestones_(std::move(milestones)), gamma_(gamma) {
    for (int64_t m : milestones_)
        require(m >= 0, kind(), "milestone", static_cast<double>(m), "a value >= 0");
    require(std::isfinite(gamma), kind(), "gamma", gamma, "a finite value");
    std::sort(milestones_.begin(), milestones_.end());
    initial_step();
}

double MultiStepLR::get_lr() const {
    const double lr = optimizer_.lr();
    const auto times = std::count(milestones_.begin(), milestones_.end(), last_epoch());
    if (times == 0)
        return lr;
    // Python's float ** int is C's pow.
    return lr * std::pow(gamma_, static_cast<double>(times));
}

std::map<std::string, double> MultiStepLR::options() const {
    std::map<std::string, double> o = {{"gamma", gamma_},
                                       {"milestones", static_cast<double>(milestones_.size())}};
    for (size_t i = 0; i < milestones_.size(); ++i)
        o["milestones." + std::to_string(i)] = static_cast<double>(milestones_[i]);
    return o;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma)
    : LRScheduler(optimizer, "ExponentialLR"), gamma_(gamma) {
    require(std::isfinite(gamma), kind(), "gamma", gamma, "a finite value");
    initial_step();
}

double ExponentialLR::get_lr() const {
    const double lr = optimizer_.lr();
    return last_epoch() == 0 ? lr : lr * gamma_;
}

std::map<std::string, double> ExponentialLR::options() const {
    return {{"gamma", gamma_}};
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer, "CosineAnnealingLR"), T_max_(T_max), eta_min_(eta_min) {
    require(T_max >= 1, kind(), "T_max", static_cast<double>(T_max), "at least 1");
    require(std::isfinite(eta_min) && eta_min >= 0.0, kind(), "eta_min", eta_min,
            "a finite value >= 0");
    initial_step();
}

double CosineAnnealingLR::get_lr() const {
    // torch's expressions, operation for operation (Python evaluates left to
    // right, int * float in double).
    constexpr double pi = std::numbers::pi;
    const double lr = optimizer_.lr();
    const int64_t epoch = last_epoch();
    const double t_max = static_cast<double>(T_max_);
    if (epoch == 0)
        return lr;
    // (torch's branch for a scheduler constructed at an epoch > 0 is never
    // taken here: construction is always epoch 0.)
    if ((epoch - 1 - T_max_) % (2 * T_max_) == 0)
        return lr + (base_lr() - eta_min_) * (1 - std::cos(pi / t_max)) / 2;
    return (1 + std::cos(pi * static_cast<double>(epoch) / t_max)) /
               (1 + std::cos(pi * static_cast<double>(epoch - 1) / t_max)) * (lr - eta_min_) +
           eta_min_;
}

std::map<std::string, double> CosineAnnealingLR::options() const {
    return {{"T_max", static_cast<double>(T_max_)}, {"eta_min", eta_min_}};
}

}  // namespace tinynn::optim
