#pragma once

// The training loop, as Lightning's fit: any nn::Module, an optimiser, a
// loader and a loss, with callbacks for everything else (diagnostics,
// progress, stop requests). train() runs it for a prepared Experiment.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "tinynn/data/loader.hpp"
#include "tinynn/experiment/callback.hpp"
#include "tinynn/experiment/experiment.hpp"
#include "tinynn/optim/optimizer.hpp"
#include "tinynn/optim/scheduler.hpp"

namespace tinynn::experiment {

struct Checkpoint;

// Polled after every batch: true stops training there.
using StopRequested = std::function<bool()>;

// Which epochs TrainResult::history keeps: all of them, or only the latest,
// so that memory stays flat however many epochs a run has (the epochs then
// go to a Recording::record that writes them out).
enum class History { every_epoch, last_epoch };

// Where the recorded epochs go: each finite, complete epoch is passed to
// `record` (when set) as it enters the history.
struct Recording {
    std::function<void(const EpochMetrics&)> record{};
    History history = History::every_epoch;
    // With diagnostics, the probe's histograms and firing frequencies
    // (Diagnostics::Probe::histograms).
    bool probe_histograms = true;
};

struct FitOptions {
    int64_t epochs = 1;
    // Above 1 when continuing a run whose earlier epochs are done (the
    // model, optimiser and loader then hold their state after epoch
    // first_epoch - 1).
    int64_t first_epoch = 1;
    StopRequested stop_requested{};
    // Called after each epoch with finite weights and train loss for its test
    // metrics; none: no test metrics.
    std::function<Evaluation()> validate{};
    Recording recording{};
    // Stepped once after each recorded epoch, as torch's schedulers are.
    optim::LRScheduler* scheduler = nullptr;
    // Data-parallel over the MPI ranks (distributed.hpp) when there are
    // several, every rank calling fit() alike: rank 0's parameters and
    // buffers go to every rank first; each batch's rows are split across
    // the ranks in rank order, each rank's loss weighted by its share of
    // them; the gradients are summed over the ranks (in rank order, so the
    // same bits on every rank) before every rank takes the same optimiser
    // step; the recorded train loss is the whole batch's. Buffers
    // (BatchNorm's running statistics) are averaged over the ranks at each
    // epoch's end, so every rank evaluates, saves and stops on the same
    // model. A stop request on any rank stops every rank after that batch.
    // The diagnostics see this rank's rows (and the summed gradients).
    bool data_parallel = false;
};

// The loss of a batch's output against its targets.
using LossFunction = std::function<Tensor(const Tensor& output, const Tensor& targets)>;

// Trains `model` in place: each epoch draws the loader's batches, and each
// batch is zero_grad, forward, loss, backward, step. An epoch that leaves a
// number NaN or infinite — a weight, the train or test loss or accuracy, or
// what a callback added (the diagnostics) — diverged: it ends training with
// the weights of the last finite epoch, and is not recorded. So no
// non-finite number is ever recorded, written or saved.
TrainResult fit(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& loader,
                const LossFunction& loss, const FitOptions& options,
                std::span<Callback* const> callbacks = {});

// The optimiser `config` names (its kind, with the options of that kind),
// over `parameters`. Throws tinynn::Error for options the optimiser refuses.
std::unique_ptr<optim::Optimizer> make_optimizer(const OptimizerConfig& config,
                                                 std::vector<Tensor> parameters);
// The schedule `config` names over `optimizer`; none for kind none.
std::unique_ptr<optim::LRScheduler> make_scheduler(const SchedulerConfig& config,
                                                   optim::Optimizer& optimizer);

// Checkpoints (checkpoint.hpp) a run takes and resumes from.
struct Checkpointing {
    // Restored before training, which then continues with the next epoch.
    const Checkpoint* resume_from = nullptr;
    // Given the state after each completed epoch (its config and data left
    // for the caller to fill in).
    std::function<void(Checkpoint&&)> save{};
};

// How train() uses the MPI ranks: each trains on its own (compare's runs),
// or all train one model together (FitOptions::data_parallel).
enum class Ranks { each_alone, data_parallel };

// Trains the experiment's model with the optimiser and schedule its config names, plus a
// Diagnostics callback when config.training.diagnostics is on.
TrainResult train(Experiment& experiment, std::span<Callback* const> callbacks = {},
                  const StopRequested& stop_requested = {}, const Recording& recording = {},
                  const Checkpointing& checkpointing = {}, Ranks ranks = Ranks::each_alone);

// Loss (and accuracy) of the model on one encoded set, without a graph.
Evaluation evaluate(const Experiment& experiment, const data::Dataset& encoded,
                    const data::Dataset& labels);

}  // namespace tinynn::experiment
