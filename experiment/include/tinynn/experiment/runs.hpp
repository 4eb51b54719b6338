#pragma once

// The runs of `tinynn compare`: one training per (activation, seed) of the
// config's compare section, spread over worker threads. Each run owns its
// data, model and random generator and products use one thread, so a run's
// numbers are the same whatever --jobs is.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tinynn/experiment/chart.hpp"
#include "tinynn/experiment/config.hpp"
#include "tinynn/experiment/trainer.hpp"

namespace tinynn::experiment {

struct RunSpec {
    nn::Activation activation = nn::Activation::tanh;
    uint64_t seed = 0;  // the initial weights and the shuffling; the data stays the config's
    size_t point = 0;   // in compare.grid_points; 0 when there is no grid
};

// What compare ranks the runs by: the test loss where there is a test split
// (lower is better; unlike the accuracy it does not move in steps of one
// test sample, and it shows overfitting), else the train loss.
double ranked_loss(const EpochMetrics& m);

struct BestEpoch {
    int64_t epoch = 0;
    double loss = 0;  // its ranked_loss
};

// What compare keeps of one run, bounded however many epochs it has: its
// epochs themselves go to CompareOptions::on_epoch as they end.
struct RunOutcome {
    RunSpec spec;
    size_t index = 0;    // in run_specs order
    TrainResult result;  // its history holds the last epoch only
    std::optional<EpochMetrics> first_epoch;
    // The epochs on the pictures' grid (on_curve), at most kCurvePoints.
    std::vector<EpochMetrics> curve;
    std::optional<int64_t> epochs_to_target;  // first epoch with train_loss <= compare.target_loss
    // The epoch with the lowest ranked_loss (the earliest of equals) and
    // that loss, kept as the run trains.
    std::optional<BestEpoch> best;
    // The smallest last-over-first Linear weight-gradient norm ratio over the
    // epochs of the last quarter of training (late_epoch): whether a
    // vanishing gradient persisted, rather than showed at the start alone.
    // Infinite where the first layer got no gradient and the last did;
    // epochs with no gradient at either end are left out.
    std::optional<double> late_grad_ratio;
    // 2-D classification data only, and only for the first seed's run of an
    // activation: the picture shows that one.
    std::optional<chart::ClassMap> boundary;
    int64_t classes = 0;  // classification only
    double seconds = 0;

    // Keeps what the fields above need of epoch `m` of a run of `epochs`, as
    // it ends (first_epoch, curve, epochs_to_target with `target_loss`,
    // best, late_grad_ratio); result comes from train().
    void add_epoch(const EpochMetrics& m, int64_t epochs, std::optional<double> target_loss);
};

// The decision-boundary picture: cells per axis of the map, and at most this
// many training points drawn over it.
inline constexpr int kBoundaryCells = 60;
inline constexpr size_t kBoundaryPoints = 400;

// The pictures draw at most this many epochs of a run: every epoch of a
// short run, else this many spread evenly from the first to the last.
inline constexpr int64_t kCurvePoints = 200;
// Whether epoch `epoch` (from 1) of a run of `epochs` is one of those.
bool on_curve(int64_t epoch, int64_t epochs);

// Whether epoch `epoch` of a run of `epochs` is in its last quarter (the
// last epoch always is).
bool late_epoch(int64_t epoch, int64_t epochs);

// Every (grid point, activation, seed), points outermost, then
// activations, in config order.
std::vector<RunSpec> run_specs(const Config& base);

// The config a grid point's runs start from: the base config without a grid.
const Config& point_config(const Config& base, size_t point);
// How many grid points `base` has: 1 without a grid.
size_t grid_size(const Config& base);
// Each grid point's label, "model.init=normal, model.hidden=[4]"; none
// without a grid.
std::vector<std::string> grid_labels(const Config& base);

// The config of one run: its point's config with `spec.seed` as its run_seed
// (initialisation and shuffling; the data and its split stay those of the
// base config's seed), `spec.activation` for every hidden activation
// (models::with_activation), and diagnostics on.
Config run_config(const Config& base, const RunSpec& spec);

struct CompareOptions {
    int jobs = 1;
    // Called from the worker thread that finished the run, one call at a time.
    std::function<void(const RunOutcome&, size_t done, size_t total)> on_run_done{};
    StopRequested stop_requested{};  // polled after every batch of every run
    // Each recorded epoch of run `index` (in run_specs order) as it ends, from
    // the worker thread training that run.
    std::function<void(size_t index, const EpochMetrics&)> on_epoch{};
    // Each run that started, in run_specs order and one call at a time, once
    // it and every run before it have ended: what is folded from these does
    // not depend on --jobs.
    std::function<void(const RunOutcome&)> on_run_in_order{};
    // Every `boundary_every` epochs (0: never), and at the last, the decision
    // boundary of the run as it stands, for a live view of training: only
    // the runs that get one at the end (RunOutcome::boundary), from the
    // worker thread training the run, in eval mode, leaving the training as
    // it would be without it.
    int64_t boundary_every = 0;
    std::function<void(size_t index, int64_t epoch, const chart::ClassMap&)> on_boundary{};
};

// How many ended runs may wait for an earlier one to end before
// on_run_in_order takes them, per job: a worker starts no run further ahead,
// so what compare holds stays bounded however many runs there are.
inline constexpr size_t kWaitingRunsPerJob = 2;

// Trains every run of `base` (a stop request keeps the rest from starting).
// An error in any run stops the others and is rethrown.
void run_compare(const Config& base, const CompareOptions& options);

}  // namespace tinynn::experiment
