#include "tinynn/experiment/early_stopping.hpp"

#include <sstream>

#include "tinynn/error.hpp"

namespace tinynn::experiment {

namespace {

bool higher_is_better(Monitor monitor) {
    return monitor == Monitor::test_accuracy;
}

std::optional<double> monitored(Monitor monitor, const EpochMetrics& m) {
    switch (monitor) {
        case Monitor::test_loss:
            return m.test_loss;
        case Monitor::test_accuracy:
            return m.test_accuracy;
        case Monitor::train_loss:
            return m.train_loss;
    }
    return std::nullopt;
}

}  // namespace

EarlyStopping::EarlyStopping(EarlyStoppingConfig config) : config_(config) {
    if (config_.patience < 1)
        throw Error("EarlyStopping: patience " + std::to_string(config_.patience) +
                    ": expected an integer >= 1");
    if (!(config_.min_delta >= 0))
        throw Error("EarlyStopping: min_delta: expected a finite number >= 0");
}

void EarlyStopping::on_train_begin(nn::Module& model) {
    parameters_ = model.parameters();
    restored_ = false;
    if (resumed_) {
        resumed_ = false;
        if (!state_.best_weights.empty() && state_.best_weights.size() != parameters_.size())
            throw Error("EarlyStopping: the resumed state holds " +
                        std::to_string(state_.best_weights.size()) +
                        " best weights; expected one per parameter, " +
                        std::to_string(parameters_.size()));
        return;
    }
    state_ = {};
}

void EarlyStopping::load_state(EarlyStoppingState state) {
    state_ = std::move(state);
    resumed_ = true;
}

// Lightning's rule: better than the best by more than min_delta.
bool EarlyStopping::improves(double value) const {
    if (!state_.best_value)
        return true;
    return higher_is_better(config_.monitor) ? value > *state_.best_value + config_.min_delta
                                             : value < *state_.best_value - config_.min_delta;
}

void EarlyStopping::on_epoch_end(EpochMetrics& metrics, TrainState& state) {
    const std::optional<double> value = monitored(config_.monitor, metrics);
    if (!value)
        throw Error("EarlyStopping: the epoch has no " +
                    std::string(monitor_name(config_.monitor)) +
                    " (it needs a test split, and test_accuracy a classification task)");
    state_.last_epoch = metrics.epoch;
    if (improves(*value)) {
        state_.best_value = *value;
        state_.best_epoch = metrics.epoch;
        state_.epochs_without_improvement = 0;
        if (config_.restore_best) {
            state_.best_weights.resize(parameters_.size());
            for (size_t i = 0; i < parameters_.size(); ++i)
                state_.best_weights[i] = parameters_[i].matrix();
        }
        return;
    }
    if (++state_.epochs_without_improvement >= config_.patience) {
        state_.stopped_after = metrics.epoch;
        state.stop = true;
    }
}

void EarlyStopping::on_train_end(nn::Module&, const TrainResult&) {
    // Training may have ended on a later epoch (patience ran out, the epochs
    // did, or a stop or divergence came first): the best one's weights win.
    if (!config_.restore_best || !state_.best_epoch || state_.best_weights.empty() ||
        *state_.best_epoch == state_.last_epoch)
        return;
    for (size_t i = 0; i < parameters_.size(); ++i)
        parameters_[i].matrix() = state_.best_weights[i];
    restored_ = true;
}

std::string EarlyStopping::summary() const {
    std::ostringstream out;
    const std::string name(monitor_name(config_.monitor));
    if (!state_.best_epoch)
        return "early stopping: no epoch was recorded";
    out << "early stopping: best " << name << " " << *state_.best_value << " at epoch "
        << *state_.best_epoch;
    if (state_.stopped_after)
        out << "; stopped after epoch " << *state_.stopped_after << ", " << config_.patience
            << " epochs without an improvement of more than " << config_.min_delta;
    else
        out << "; did not stop early";
    if (restored_)
        out << "; the saved weights are epoch " << *state_.best_epoch << "'s";
    return out.str();
}

}  // namespace tinynn::experiment
