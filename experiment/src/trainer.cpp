#include "tinynn/experiment/trainer.hpp"

#include "data_parallel.hpp"
#include "tinynn/experiment/checkpoint.hpp"
#include "tinynn/experiment/diagnostics.hpp"
#include "tinynn/experiment/distributed.hpp"
#include "tinynn/experiment/early_stopping.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "tinynn/autograd.hpp"
#include "tinynn/ops.hpp"
#include "tinynn/optim/adam.hpp"
#include "tinynn/optim/sgd.hpp"
#include "tinynn/random.hpp"

namespace tinynn::experiment {

namespace {

// Hands the state after each completed epoch to Checkpointing::save.
class CheckpointSaver : public Callback {
  public:
    CheckpointSaver(const nn::Module& model, const optim::Optimizer& optimizer,
                    const optim::LRScheduler* scheduler, data::DataLoader& loader,
                    const EarlyStopping* early_stopping,
                    const std::function<void(Checkpoint&&)>& save)
        : model_(model),
          optimizer_(optimizer),
          scheduler_(scheduler),
          loader_(loader),
          early_stopping_(early_stopping),
          save_(save) {}

    void on_epoch_complete(const EpochMetrics& metrics, const TrainState&) override {
        Checkpoint c;
        c.epoch = metrics.epoch;
        for (const auto& [name, tensor] : model_.state_dict())
            c.model.emplace_back(name, Tensor::from_matrix(tensor.matrix(), tensor.shape()));
        c.optimizer = optimizer_.state();
        if (scheduler_)
            c.scheduler = scheduler_->state();
        c.shuffling = loader_.generator().state();
        c.random = default_generator().state();
        if (early_stopping_)
            c.early_stopping = early_stopping_->state();
        save_(std::move(c));
    }

  private:
    const nn::Module& model_;
    const optim::Optimizer& optimizer_;
    const optim::LRScheduler* scheduler_;
    data::DataLoader& loader_;
    const EarlyStopping* early_stopping_;
    const std::function<void(Checkpoint&&)>& save_;
};

// Puts the run in the state `c` saved, for training to go on with the next
// epoch. Throws tinynn::Error when it was saved by a run of another set-up.
void restore(const Checkpoint& c, nn::Module& model, optim::Optimizer& optimizer,
             optim::LRScheduler* scheduler, data::DataLoader& loader,
             EarlyStopping* early_stopping) {
    if (c.scheduler.has_value() != (scheduler != nullptr))
        throw Error(std::string("the checkpoint was saved ") +
                    (scheduler ? "without a scheduler" : "with a scheduler") +
                    "; expected the same schedule as this run's");
    if (c.early_stopping.has_value() != (early_stopping != nullptr))
        throw Error(std::string("the checkpoint was saved ") +
                    (early_stopping ? "without" : "with") +
                    " early stopping; expected the same training.early_stopping as this run's");
    model.load_state_dict(c.model);
    optimizer.load_state(c.optimizer);
    if (scheduler)
        scheduler->load_state(*c.scheduler);
    loader.generator().set_state(c.shuffling);
    default_generator().set_state(c.random);
    if (early_stopping)
        early_stopping->load_state(*c.early_stopping);
}

// The parameters' values, to return to when an epoch diverges.
std::vector<Matrix> snapshot(const std::vector<Tensor>& params) {
    std::vector<Matrix> values;
    values.reserve(params.size());
    for (const Tensor& p : params)
        values.push_back(p.matrix());
    return values;
}

void restore(std::vector<Tensor>& params, const std::vector<Matrix>& values) {
    for (size_t i = 0; i < params.size(); ++i)
        params[i].matrix() = values[i];
}

bool all_finite(const std::vector<Tensor>& params) {
    for (const Tensor& p : params)
        if (!p.matrix().allFinite())
            return false;
    return true;
}

bool finite(std::optional<double> value) {
    return !value || std::isfinite(*value);
}

// Every number of an epoch, the diagnostics included.
bool all_finite(const EpochMetrics& m) {
    if (!std::isfinite(m.train_loss) || !finite(m.test_loss) || !finite(m.test_accuracy))
        return false;
    if (!m.diagnostics)
        return true;
    const EpochDiagnostics& d = *m.diagnostics;
    for (const GradNorm& g : d.grad_norms)
        if (!std::isfinite(g.norm))
            return false;
    for (const GradNorm& g : d.grad_norms)
        if (!std::isfinite(g.update_ratio))
            return false;
    for (const ActivationStats& a : d.activations) {
        if (!finite(a.dead_fraction) || !finite(a.saturated_fraction) || !std::isfinite(a.mean))
            return false;
        if (const std::optional<ProbeStats>& p = a.probe) {
            for (const double v :
                 {p->mean, p->std, p->p2, p->p50, p->p98, p->unit0_input_p15, p->unit0_input_p50,
                  p->unit0_input_p85, p->outputs.low, p->outputs.high})
                if (!std::isfinite(v))
                    return false;
            if (p->gradients &&
                !(std::isfinite(p->gradients->low) && std::isfinite(p->gradients->high)))
                return false;
        }
    }
    return finite(d.dead_fraction) && finite(d.saturated_fraction);
}

// The share of rows whose predicted class equals the label: the argmax of
// the scores, or, for one output column (the probability of class 1),
// whether it is above 0.5.
double accuracy(const Tensor& output, const Tensor& labels) {  // [n, outputs], [n]
    const int64_t rows = output.size(0);
    if (rows == 0)
        return 0;
    const Tensor predicted =
        output.size(1) == 1 ? squeeze(gt(output, 0.5f), 1) : argmax(output, 1);  // [n]
    // The count is exact in float32 up to 2^24 rows; the share is taken in double.
    return static_cast<double>(sum(eq(predicted, labels)).item()) / static_cast<double>(rows);
}

}  // namespace

Evaluation evaluate(const Experiment& e, const data::Dataset& encoded,
                    const data::Dataset& labels) {
    NoGradGuard no_grad;
    // In eval mode, as torch evaluates: BatchNorm uses its running statistics
    // (the test rows must not move them) and Dropout passes everything. The
    // training between epochs goes on in the mode it was in.
    const nn::EvalModeGuard eval_mode(*e.model);
    Evaluation result;
    const Tensor output = (*e.model)(encoded.features);  // [n, outputs]
    result.loss = compute_loss(e.config.loss, output, encoded.targets).item();
    if (e.classification)
        result.accuracy = accuracy(output, labels.targets);
    return result;
}

TrainResult fit(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& loader,
                const LossFunction& loss_of, const FitOptions& options,
                std::span<Callback* const> callbacks) {
    std::vector<Tensor> params = optimizer.parameters();
    model.train();
    std::optional<DataParallel> parallel;
    if (options.data_parallel && distributed::size() > 1)
        parallel.emplace(model);
    for (Callback* c : callbacks)
        c->on_train_begin(model);
    TrainResult result;
    TrainState state;
    for (int64_t epoch = options.first_epoch; epoch <= options.epochs && !result.interrupted;
         ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        const std::vector<Matrix> before = snapshot(params);
        state = TrainState{.epoch = epoch};
        const double lr = optimizer.lr();  // what this epoch's steps use
        loader.start_epoch();
        double loss_sum = 0;
        for (int64_t b = 0; b < loader.num_batches(); ++b) {
            state.batch = b;
            const data::Batch batch = loader.batch(b);
            for (Callback* c : callbacks)
                c->on_batch_begin(state);
            optimizer.zero_grad();
            const int64_t n = batch.features.shape()[0];
            const auto stop_requested = [&] {
                return options.stop_requested && options.stop_requested();
            };
            bool stop = false;
            double batch_loss = 0;
            if (parallel) {
                const auto [first, last] = parallel->share(n);
                double part = 0;  // this rank's rows' share of the batch's mean loss
                if (last > first) {
                    const Tensor local = loss_of(model(rows_of(batch.features, first, last)),
                                                 rows_of(batch.targets, first, last));
                    const Tensor weighted =
                        local * (static_cast<float>(last - first) / static_cast<float>(n));
                    part = weighted.item();
                    weighted.backward();
                }
                // Every rank learns of a stop in the same batch.
                const auto [sum, stops] = parallel->sum(part, stop_requested());
                batch_loss = sum;
                stop = stops > 0;
            } else {
                Tensor loss = loss_of(model(batch.features), batch.targets);
                batch_loss = loss.item();
                loss.backward();
            }
            loss_sum += batch_loss * static_cast<double>(n);
            state.epoch_samples += n;
            for (Callback* c : callbacks)
                c->on_after_backward(model, state);
            optimizer.step();
            for (Callback* c : callbacks)
                c->on_batch_end(state);
            if (state.stop || stop || (!parallel && stop_requested())) {
                result.interrupted = true;
                break;
            }
        }
        if (result.interrupted)
            break;
        if (parallel)
            parallel->average_buffers();
        EpochMetrics metrics;
        metrics.epoch = epoch;
        metrics.lr = lr;
        metrics.train_loss =
            state.epoch_samples ? loss_sum / static_cast<double>(state.epoch_samples) : 0;
        // The loss is taken before each step, so the last step of an epoch
        // can overflow the weights while every loss was finite: both count,
        // and so do the test metrics (finite weights can still overflow on
        // the test split).
        bool finite_epoch = std::isfinite(metrics.train_loss) && all_finite(params);
        if (finite_epoch && options.validate) {
            const Evaluation test = options.validate();
            metrics.test_loss = test.loss;
            metrics.test_accuracy = test.accuracy;
            finite_epoch = all_finite(metrics);
        }
        if (finite_epoch) {
            state.epoch_seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            for (Callback* c : callbacks)
                c->on_epoch_end(metrics, state);
            // What the callbacks added (the diagnostics) counts too.
            finite_epoch = all_finite(metrics);
        }
        if (!finite_epoch) {
            restore(params, before);
            result.diverged_at = epoch;
            break;
        }
        if (options.recording.record)
            options.recording.record(metrics);
        if (options.recording.history == History::last_epoch)
            result.history.clear();
        result.history.push_back(std::move(metrics));
        if (options.scheduler)
            options.scheduler->step();
        for (Callback* c : callbacks)
            c->on_epoch_complete(result.history.back(), state);
        if (state.stop)
            break;
    }
    model.eval();
    for (Callback* c : callbacks)
        c->on_train_end(model, result);
    return result;
}

std::unique_ptr<optim::Optimizer> make_optimizer(const OptimizerConfig& c,
                                                 std::vector<Tensor> parameters) {
    switch (c.kind) {
        case OptimizerKind::sgd: {
            auto sgd = std::make_unique<optim::SGD>(
                std::move(parameters),
                optim::SGDOptions{.lr = static_cast<float>(learning_rate(c)),
                                  .momentum = c.momentum,
                                  .dampening = c.dampening,
                                  .weight_decay = static_cast<float>(weight_decay(c)),
                                  .nesterov = c.nesterov});
            // The lr as torch keeps it, a double: a schedule computes from it
            // before each step rounds it to float.
            sgd->set_lr(learning_rate(c));
            return sgd;
        }
        case OptimizerKind::adam:
            return std::make_unique<optim::Adam>(std::move(parameters),
                                                 optim::AdamOptions{.lr = learning_rate(c),
                                                                    .betas = c.betas,
                                                                    .eps = c.eps,
                                                                    .weight_decay = weight_decay(c),
                                                                    .amsgrad = c.amsgrad});
        case OptimizerKind::adamw:
            return std::make_unique<optim::AdamW>(
                std::move(parameters), optim::AdamWOptions{.lr = learning_rate(c),
                                                           .betas = c.betas,
                                                           .eps = c.eps,
                                                           .weight_decay = weight_decay(c),
                                                           .amsgrad = c.amsgrad});
    }
    throw Error("make_optimizer: no optimiser kind " + std::to_string(static_cast<int>(c.kind)));
}

std::unique_ptr<optim::LRScheduler> make_scheduler(const SchedulerConfig& c,
                                                   optim::Optimizer& optimizer) {
    switch (c.kind) {
        case SchedulerKind::none:
            return nullptr;
        case SchedulerKind::step:
            return std::make_unique<optim::StepLR>(optimizer, c.step_size, c.gamma);
        case SchedulerKind::multistep:
            return std::make_unique<optim::MultiStepLR>(optimizer, c.milestones, c.gamma);
        case SchedulerKind::exponential:
            return std::make_unique<optim::ExponentialLR>(optimizer, c.gamma);
        case SchedulerKind::cosine:
            return std::make_unique<optim::CosineAnnealingLR>(optimizer, c.t_max, c.eta_min);
    }
    throw Error("make_scheduler: no scheduler kind " + std::to_string(static_cast<int>(c.kind)));
}

TrainResult train(Experiment& e, std::span<Callback* const> callbacks,
                  const StopRequested& stop_requested, const Recording& recording,
                  const Checkpointing& checkpointing, Ranks ranks) {
    const TrainingConfig& t = e.config.training;
    const std::unique_ptr<optim::Optimizer> optimizer =
        make_optimizer(e.config.optimizer, e.model->parameters());
    const std::unique_ptr<optim::LRScheduler> scheduler =
        make_scheduler(e.config.scheduler, *optimizer);
    data::DataLoader loader(e.train_encoded, t.batch_size, t.shuffle,
                            e.config.run_seed.value_or(e.config.seed));
    std::vector<Callback*> all;
    std::optional<Diagnostics> diagnostics;
    if (t.diagnostics) {
        // The probe: the first training rows, the same for every seed of a
        // compare, since the data and its split do not vary with the seed.
        std::vector<int64_t> rows(
            static_cast<size_t>(std::min(e.train_encoded.size(), Diagnostics::kProbeRows)));
        for (size_t i = 0; i < rows.size(); ++i)
            rows[i] = static_cast<int64_t>(i);
        data::Dataset probe = e.train_encoded.subset(rows);
        const Loss probe_loss = e.config.loss;
        all.push_back(&diagnostics.emplace(
            Diagnostics::Probe{.features = probe.features,
                               .targets = probe.targets,
                               .loss =
                                   [probe_loss](const Tensor& output, const Tensor& targets) {
                                       return compute_loss(probe_loss, output, targets);
                                   },
                               .histograms = recording.probe_histograms}));
    }
    // After the diagnostics (they add to the metrics it may stop on), before
    // the caller's callbacks, which see the state it leaves.
    std::optional<EarlyStopping> early_stopping;
    if (t.early_stopping)
        all.push_back(&early_stopping.emplace(*t.early_stopping));
    all.insert(all.end(), callbacks.begin(), callbacks.end());
    EarlyStopping* stopping = early_stopping ? &*early_stopping : nullptr;
    // Last, so that it saves what every other callback did to the epoch.
    std::optional<CheckpointSaver> saver;
    if (checkpointing.save)
        all.push_back(&saver.emplace(*e.model, *optimizer, scheduler.get(), loader, stopping,
                                     checkpointing.save));
    FitOptions options{.epochs = t.epochs,
                       .stop_requested = stop_requested,
                       .recording = recording,
                       .scheduler = scheduler.get(),
                       .data_parallel = ranks == Ranks::data_parallel};
    if (const Checkpoint* c = checkpointing.resume_from) {
        restore(*c, *e.model, *optimizer, scheduler.get(), loader, stopping);
        options.first_epoch = c->epoch + 1;
        // A run that stopped early stays stopped, as the uninterrupted one would.
        if (c->early_stopping && c->early_stopping->stopped_after)
            options.epochs = c->epoch;
    }
    if (e.split.test.size() > 0)
        options.validate = [&e] { return evaluate(e, e.test_encoded, e.split.test); };
    const Loss loss = e.config.loss;
    TrainResult result = fit(
        *e.model, *optimizer, loader,
        [loss](const Tensor& output, const Tensor& targets) {
            return compute_loss(loss, output, targets);
        },
        options, all);
    if (early_stopping) {
        result.best_epoch = early_stopping->best_epoch();
        result.best_restored = early_stopping->restored();
        result.stopped_early_after = early_stopping->stopped_after();
    }
    return result;
}

}  // namespace tinynn::experiment
