#include "apps/compare/runs.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

#include "tinynn/autograd.hpp"
#include "tinynn/ops.hpp"
#include "tinynn/tensor.hpp"
#include "tinynn/threads.hpp"

namespace tinynn::app {

namespace {

constexpr int kBoundaryCells = 60;       // per axis
constexpr size_t kBoundaryPoints = 400;  // data points drawn over the map

bool is_hidden_activation(const std::string& type) {
    return type == "sigmoid" || type == "tanh" || type == "relu" || type == "leaky_relu";
}

// The predicted class and its probability on a grid over the training data,
// for the decision-boundary picture.
chart::ClassMap decision_boundary(const Experiment& e) {
    NoGradGuard no_grad;
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
    if (e.config.loss == "cross_entropy")
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

RunOutcome run_one(const Config& base, const RunSpec& spec, const StopRequested& stop) {
    const auto start = std::chrono::steady_clock::now();
    RunOutcome outcome;
    outcome.spec = spec;
    Experiment e = prepare_experiment(run_config(base, spec));
    outcome.result = train(e, {}, stop);
    if (const auto target = base.compare.target_loss)
        for (const EpochMetrics& m : outcome.result.history)
            if (m.train_loss <= *target) {
                outcome.epochs_to_target = m.epoch;
                break;
            }
    if (e.classification) {
        outcome.classes = e.classes;
        if (e.split.train.num_features() == 2)
            outcome.boundary = decision_boundary(e);
    }
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return outcome;
}

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

std::vector<RunSpec> run_specs(const Config& base) {
    std::vector<RunSpec> specs;
    for (const std::string& activation : base.compare.activations)
        for (uint64_t seed : base.compare.seeds)
            specs.push_back({activation, seed});
    return specs;
}

Config run_config(const Config& base, const RunSpec& spec) {
    Config c = base;
    c.seed = spec.seed;
    c.training.diagnostics = true;
    c.model.activation = spec.activation;
    auto& layers = c.model.layers;
    for (size_t i = 0; i < layers.size(); ++i) {
        const bool linear_follows =
            std::any_of(layers.begin() + static_cast<std::ptrdiff_t>(i) + 1, layers.end(),
                        [](const LayerConfig& l) { return l.type == "linear"; });
        if (linear_follows && is_hidden_activation(layers[i].type)) {
            layers[i].type = spec.activation;
            layers[i].negative_slope = c.model.negative_slope;
        }
    }
    return c;
}

std::vector<RunOutcome> run_compare(const Config& base, const CompareOptions& options) {
    const std::vector<RunSpec> specs = run_specs(base);
    std::vector<RunOutcome> outcomes(specs.size());
    // The parallelism is across runs; a product split over threads could
    // also sum in another order, which would make runs depend on --jobs.
    SingleThreadedProducts single_threaded;

    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mutex;  // guards done, first_error and the callback
    size_t done = 0;
    std::exception_ptr first_error;
    size_t first_error_index = specs.size();
    const StopRequested stop = [&] {
        return failed.load() || (options.stop_requested && options.stop_requested());
    };
    auto worker = [&] {
        for (size_t i = next++; i < specs.size() && !stop(); i = next++) {
            try {
                outcomes[i] = run_one(base, specs[i], stop);
                const std::lock_guard lock(mutex);
                ++done;
                if (options.on_run_done)
                    options.on_run_done(outcomes[i], done, specs.size());
            } catch (...) {
                const std::lock_guard lock(mutex);
                // The earliest run's error, so the message does not depend on --jobs.
                if (i < first_error_index) {
                    first_error = std::current_exception();
                    first_error_index = i;
                }
                failed = true;
            }
        }
    };
    const int jobs =
        std::clamp(options.jobs, 1, static_cast<int>(std::max<size_t>(specs.size(), 1)));
    std::vector<std::thread> threads;
    for (int j = 1; j < jobs; ++j)
        threads.emplace_back(worker);
    worker();
    for (std::thread& t : threads)
        t.join();
    if (first_error)
        std::rethrow_exception(first_error);
    return outcomes;
}

}  // namespace tinynn::app
