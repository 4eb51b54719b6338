#include "tinynn/experiment/runs.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include "compare_ranks.hpp"
#include "schedule.hpp"
#include "tinynn/autograd.hpp"
#include "tinynn/experiment/distributed.hpp"
#include "tinynn/ops.hpp"
#include "tinynn/tensor.hpp"
#include "tinynn/threads.hpp"

namespace tinynn::experiment {

namespace {

// The predicted class and its probability on a grid over the training data,
// for the decision-boundary picture.
chart::ClassMap decision_boundary(const Experiment& e) {
    NoGradGuard no_grad;
    // Between epochs the model is in training mode: BatchNorm must not fold
    // the grid into its running statistics, nor Dropout draw from the
    // generator the training shuffles with.
    const nn::EvalModeGuard eval_mode(*e.model);
    const Matrix& x = e.split.train.features.matrix();  // [n, 2]
    chart::ClassMap map;
    const auto pad = [](float lo, float hi) {
        const double margin = 0.1 * std::max(1e-3, static_cast<double>(hi - lo));
        return std::pair<double, double>(lo - margin, hi + margin);
    };
    std::tie(map.x_min, map.x_max) = pad(x.col(0).minCoeff(), x.col(0).maxCoeff());
    std::tie(map.y_min, map.y_max) = pad(x.col(1).minCoeff(), x.col(1).maxCoeff());
    map.nx = map.ny = kBoundaryCells;
    const int64_t cells = int64_t{kBoundaryCells} * kBoundaryCells;
    Tensor grid = zeros({cells, 2});  // [cells, 2], cell centres, bottom row first
    const double w = (map.x_max - map.x_min) / map.nx, h = (map.y_max - map.y_min) / map.ny;
    for (int j = 0; j < map.ny; ++j)
        for (int i = 0; i < map.nx; ++i) {
            grid.matrix()(j * map.nx + i, 0) = static_cast<float>(map.x_min + (i + 0.5) * w);
            grid.matrix()(j * map.nx + i, 1) = static_cast<float>(map.y_min + (j + 0.5) * h);
        }
    Tensor out = (*e.model)(grid);  // [cells, outputs]
    if (e.config.loss == Loss::cross_entropy)
        out = softmax(out, 1);
    const Matrix& p = out.matrix();
    map.predicted.resize(static_cast<size_t>(cells));
    map.confidence.resize(static_cast<size_t>(cells));
    for (int64_t c = 0; c < cells; ++c) {
        Eigen::Index best = 0;
        float prob = 0;
        if (p.cols() == 1) {  // one output: the probability of class 1
            const float p1 = std::clamp(p(c, 0), 0.0f, 1.0f);
            best = p1 > 0.5f ? 1 : 0;
            prob = best ? p1 : 1 - p1;
        } else {
            prob = std::clamp(p.row(c).maxCoeff(&best), 0.0f, 1.0f);
        }
        map.predicted[static_cast<size_t>(c)] = static_cast<int>(best);
        map.confidence[static_cast<size_t>(c)] = prob;
    }
    const auto& labels = e.split.train.targets.matrix();  // [1, n]
    const size_t shown = std::min(kBoundaryPoints, static_cast<size_t>(x.rows()));
    for (size_t k = 0; k < shown; ++k) {
        const auto r = static_cast<Eigen::Index>(k);
        map.points.push_back({x(r, 0), x(r, 1), static_cast<int>(labels(0, r))});
    }
    return map;
}

// The last Linear's weight-gradient norm over the first's; none without
// diagnostics or without a gradient at either end.
std::optional<double> grad_ratio(const EpochMetrics& m) {
    if (!m.diagnostics || m.diagnostics->grad_norms.empty())
        return std::nullopt;
    const double first = m.diagnostics->grad_norms.front().norm;
    const double last = m.diagnostics->grad_norms.back().norm;
    if (first > 0)
        return last / first;
    return last > 0 ? std::optional(std::numeric_limits<double>::infinity()) : std::nullopt;
}

RunOutcome run_one(const Config& base, const RunSpec& spec, size_t index,
                   const CompareOptions& options, const StopRequested& stop) {
    const auto start = std::chrono::steady_clock::now();
    RunOutcome outcome;
    outcome.spec = spec;
    outcome.index = index;
    const Config config = run_config(base, spec);
    Experiment e = prepare_experiment(config);
    const int64_t epochs = config.training.epochs;
    // The pictures show the first seed's boundary and probe histograms.
    const bool drawn = spec.seed == base.compare.seeds.front();
    const bool has_boundary = e.classification && e.split.train.num_features() == 2 && drawn;
    const bool live_boundary = has_boundary && options.boundary_every > 0 && options.on_boundary;
    const auto record = [&](const EpochMetrics& m) {
        if (options.on_epoch)
            options.on_epoch(index, m);
        outcome.add_epoch(m, epochs, base.compare.target_loss);
        if (live_boundary && (m.epoch % options.boundary_every == 0 || m.epoch == epochs))
            options.on_boundary(index, m.epoch, decision_boundary(e));
    };
    outcome.result = train(
        e, {}, stop, {.record = record, .history = History::last_epoch, .probe_histograms = drawn});
    if (e.classification) {
        outcome.classes = e.classes;
        if (has_boundary)
            outcome.boundary = decision_boundary(e);
    }
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return outcome;
}

}  // namespace

void RunOutcome::add_epoch(const EpochMetrics& m, int64_t epochs,
                           std::optional<double> target_loss) {
    if (m.epoch == 1)
        first_epoch = m;
    if (on_curve(m.epoch, epochs))
        curve.push_back(m);
    if (!epochs_to_target && target_loss && m.train_loss <= *target_loss)
        epochs_to_target = m.epoch;
    const double loss = ranked_loss(m);
    if (!best || loss < best->loss)
        best = BestEpoch{.epoch = m.epoch, .loss = loss};
    if (late_epoch(m.epoch, epochs))
        if (const auto ratio = grad_ratio(m))
            late_grad_ratio = std::min(late_grad_ratio.value_or(*ratio), *ratio);
}

namespace {

// Restores the product thread count when the runs end, however they end.
class SingleThreadedProducts {
  public:
    SingleThreadedProducts() : before_(get_num_threads()) { set_num_threads(1); }
    ~SingleThreadedProducts() { set_num_threads(before_); }
    SingleThreadedProducts(const SingleThreadedProducts&) = delete;
    SingleThreadedProducts& operator=(const SingleThreadedProducts&) = delete;

  private:
    int before_;
};

}  // namespace

size_t grid_size(const Config& base) {
    return std::max<size_t>(base.compare.grid_points.size(), 1);
}

std::vector<std::string> grid_labels(const Config& base) {
    std::vector<std::string> labels;
    for (const GridPoint& point : base.compare.grid_points) {
        std::string label;
        for (size_t i = 0; i < point.values.size(); ++i)
            label += (i ? ", " : "") + base.compare.grid.at(i).key + "=" + point.values[i];
        labels.push_back(std::move(label));
    }
    return labels;
}

const Config& point_config(const Config& base, size_t point) {
    if (base.compare.grid_points.empty() && point == 0)
        return base;
    if (point >= base.compare.grid_points.size() || !base.compare.grid_points[point].config)
        throw Error("point_config: expected a grid point below " + std::to_string(grid_size(base)) +
                    " with a config, got point " + std::to_string(point));
    return *base.compare.grid_points[point].config;
}

std::vector<RunSpec> run_specs(const Config& base) {
    std::vector<RunSpec> specs;
    for (size_t point = 0; point < grid_size(base); ++point)
        for (const nn::Activation activation : base.compare.activations)
            for (uint64_t seed : base.compare.seeds)
                specs.push_back({activation, seed, point});
    return specs;
}

Config run_config(const Config& base, const RunSpec& spec) {
    Config c = point_config(base, spec.point);
    c.compare.grid.clear();
    c.compare.grid_points.clear();
    c.run_seed = spec.seed;
    c.training.diagnostics = true;
    c.model = models::with_activation(c.model, spec.activation);
    return c;
}

double ranked_loss(const EpochMetrics& m) {
    return m.test_loss.value_or(m.train_loss);
}

bool late_epoch(int64_t epoch, int64_t epochs) {
    return epoch > epochs - std::max<int64_t>(1, epochs / 4);
}

bool on_curve(int64_t epoch, int64_t epochs) {
    if (epochs <= kCurvePoints)
        return true;
    // The grid point nearest `epoch`, and whether it is `epoch` itself.
    const int64_t spans = kCurvePoints - 1;
    const auto point = [&](int64_t k) {
        return 1 + static_cast<int64_t>(
                       std::llround(static_cast<double>(k) * static_cast<double>(epochs - 1) /
                                    static_cast<double>(spans)));
    };
    const int64_t k = std::llround(static_cast<double>(epoch - 1) * static_cast<double>(spans) /
                                   static_cast<double>(epochs - 1));
    return point(k) == epoch;
}

void run_compare(const Config& base, const CompareOptions& options) {
    const std::vector<RunSpec> specs = run_specs(base);
    // The parallelism is across runs; a product split over threads could
    // also sum in another order, which would make runs depend on --jobs.
    SingleThreadedProducts single_threaded;

    const int jobs =
        std::clamp(options.jobs, 1, static_cast<int>(std::max<size_t>(specs.size(), 1)));
    const RunOne run = [&](size_t index, const CompareOptions& with) {
        return run_one(base, specs[index], index, with,
                       [&with] { return with.stop_requested && with.stop_requested(); });
    };
    // Under mpirun the other ranks train what rank 0 hands them out.
    const int ranks = distributed::size();
    if (ranks > 1 && distributed::rank() != 0) {
        serve_runs(run, options, jobs);
        return;
    }
    RunSchedule schedule(
        specs.size(), options,
        kWaitingRunsPerJob * static_cast<size_t>(jobs) * static_cast<size_t>(ranks));
    CompareOptions local = options;
    local.stop_requested = [&schedule] { return schedule.stopping(); };
    const auto worker = [&] {
        for (;;) {
            const RunSchedule::Next next = schedule.next(/*wait=*/true);
            if (next.kind != RunSchedule::Next::Kind::run)
                return;
            try {
                schedule.ended(run(next.index, local));
            } catch (...) {
                schedule.failed(next.index, std::current_exception());
            }
        }
    };
    std::vector<std::thread> threads;
    if (ranks > 1)
        threads.emplace_back([&] {
            try {
                hand_out_runs(schedule, options, jobs);
            } catch (...) {
                schedule.failed(specs.size(), std::current_exception());
            }
        });
    for (int j = 1; j < jobs; ++j)
        threads.emplace_back(worker);
    worker();
    for (std::thread& t : threads)
        t.join();
    schedule.rethrow_first_error();
}

}  // namespace tinynn::experiment
