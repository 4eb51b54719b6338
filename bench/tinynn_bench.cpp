// tinynn's side of the benchmarks against PyTorch (bench/torch_bench.py runs
// the same workloads). It uses the public API only, as a user would, so the
// figures include everything a user pays for: graph building, autograd,
// optimiser steps and batch gathering.
//
//   tinynn_bench <w1|w2|w3|w4|gemm|sum1e3|sum1e5|sum1e7> [--threads N] [--repeats R] [--quick]
//
// prints one JSON object: the workload, the unit, one rate per repeat, and
// the last loss (so a run that silently stopped learning shows).

#include "bench_cli.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <tinynn/tinynn.hpp>

namespace {

using Clock = std::chrono::steady_clock;
namespace F = tinynn::nn::functional;

using Options = BenchOptions;

struct Result {
    std::string unit;
    std::vector<double> rates;   // per repeat
    std::vector<double> gflops;  // per repeat, where the workload counts FLOPs
    double last_loss = 0.0;
    double flops_per_unit = 0.0;  // FLOPs per sample (or per step for W4)
};

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

int64_t count_parameters(const tinynn::nn::Module& m) {
    int64_t n = 0;
    for (const auto& p : m.parameters())
        n += p.numel();
    return n;
}

// One training step as a PyTorch user writes it: zero_grad, forward, loss,
// backward, step.
template <class LossFn>
float train_step(tinynn::nn::Sequential& model, tinynn::optim::SGD& opt, const tinynn::Tensor& x,
                 const tinynn::Tensor& y, LossFn loss_fn) {
    opt.zero_grad();
    tinynn::Tensor loss = loss_fn(model(x), y);
    loss.backward();
    opt.step();
    return loss.item();
}

// W1: XOR, 4 samples, 2-8-1 tanh + sigmoid, MSE, SGD lr 0.5, full batch.
// Bounded by per-op overhead: the arithmetic is a few hundred FLOPs a step.
Result run_w1(const Options& o) {
    const int steps = o.quick ? 1000 : 10000;
    const tinynn::Tensor x({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
    const tinynn::Tensor y({0, 1, 1, 0}, {4, 1});
    Result r;
    r.unit = "steps/s";
    for (int rep = 0; rep < o.repeats; ++rep) {
        tinynn::manual_seed(static_cast<uint64_t>(rep));
        tinynn::nn::Sequential model(tinynn::nn::Linear(2, 8), tinynn::nn::Tanh(),
                                     tinynn::nn::Linear(8, 1), tinynn::nn::Sigmoid());
        tinynn::optim::SGD opt(model.parameters(), {.lr = 0.5f});
        const auto start = Clock::now();
        float loss = 0;
        for (int s = 0; s < steps; ++s)
            loss = train_step(model, opt, x, y,
                              [](const auto& p, const auto& t) { return F::mse_loss(p, t); });
        r.rates.push_back(steps / seconds_since(start));
        r.last_loss = loss;
    }
    return r;
}

// Trains `epochs` epochs over a DataLoader (which gathers every batch by a
// shuffled index) and returns samples per second.
double train_epochs(tinynn::nn::Sequential& model, tinynn::optim::SGD& opt,
                    tinynn::data::DataLoader& loader, int epochs, double& last_loss) {
    int64_t samples = 0;
    const auto start = Clock::now();
    for (int e = 0; e < epochs; ++e) {
        loader.start_epoch();
        for (int64_t b = 0; b < loader.num_batches(); ++b) {
            const tinynn::data::Batch batch = loader.batch(b);
            last_loss =
                train_step(model, opt, batch.features, batch.targets,
                           [](const auto& p, const auto& t) { return F::cross_entropy(p, t); });
            samples += batch.features.size(0);
        }
    }
    return static_cast<double>(samples) / seconds_since(start);
}

// W2: 3,000 spiral samples, 2-64-64-3 ReLU, cross-entropy, SGD lr 0.05
// momentum 0.9, batch 32 reshuffled every epoch, 20 epochs.
Result run_w2(const Options& o) {
    const int epochs = o.quick ? 2 : 20;
    tinynn::Generator gen(1);
    const tinynn::data::Dataset data = tinynn::data::make_synthetic(
        {.kind = "spiral", .samples = 3000, .noise = 0.2f, .classes = 3}, gen);
    Result r;
    r.unit = "samples/s";
    for (int rep = 0; rep < o.repeats; ++rep) {
        tinynn::manual_seed(static_cast<uint64_t>(rep));
        tinynn::nn::Sequential model(tinynn::nn::Linear(2, 64), tinynn::nn::ReLU(),
                                     tinynn::nn::Linear(64, 64), tinynn::nn::ReLU(),
                                     tinynn::nn::Linear(64, 3));
        tinynn::optim::SGD opt(model.parameters(), {.lr = 0.05f, .momentum = 0.9f});
        tinynn::data::DataLoader loader(data, 32, true, static_cast<uint64_t>(rep));
        r.rates.push_back(train_epochs(model, opt, loader, epochs, r.last_loss));
    }
    return r;
}

// A random classification set: standard-normal features, uniform labels.
// Its content does not matter for timing; its size does.
tinynn::data::Dataset random_classification(int64_t n, int64_t features, int64_t classes) {
    tinynn::manual_seed(123);
    tinynn::data::Dataset d;
    d.features = tinynn::randn({n, features});
    tinynn::Generator gen(5);
    std::vector<float> labels(static_cast<size_t>(n));
    for (float& l : labels)
        l = static_cast<float>(gen.below(static_cast<uint64_t>(classes)));
    d.targets = tinynn::Tensor(std::move(labels));
    d.task = tinynn::data::Task::classification;
    d.num_classes = classes;
    return d;
}

// W3: 60,000 x 784 synthetic samples, 10 classes, 784-256-256-10 ReLU,
// cross-entropy, SGD lr 0.01 momentum 0.9, batch 128 by a shuffled index,
// 1 epoch.
Result run_w3(const Options& o) {
    const int64_t n = o.quick ? 12800 : 60000;
    const tinynn::data::Dataset data = random_classification(n, 784, 10);
    Result r;
    r.unit = "samples/s";
    for (int rep = 0; rep < o.repeats; ++rep) {
        tinynn::manual_seed(static_cast<uint64_t>(rep));
        tinynn::nn::Sequential model(tinynn::nn::Linear(784, 256), tinynn::nn::ReLU(),
                                     tinynn::nn::Linear(256, 256), tinynn::nn::ReLU(),
                                     tinynn::nn::Linear(256, 10));
        r.flops_per_unit = 6.0 * static_cast<double>(count_parameters(model));
        tinynn::optim::SGD opt(model.parameters(), {.lr = 0.01f, .momentum = 0.9f});
        tinynn::data::DataLoader loader(data, 128, true, static_cast<uint64_t>(rep));
        const double rate = train_epochs(model, opt, loader, 1, r.last_loss);
        r.rates.push_back(rate);
        r.gflops.push_back(rate * r.flops_per_unit / 1e9);
    }
    return r;
}

// W4: 1024-1024-1024-1024 ReLU, MSE, batch 512, 50 steps on one batch.
// Matrix products dominate, so this is the one that measures the GEMMs.
Result run_w4(const Options& o) {
    const int steps = o.quick ? 5 : 50;
    const int64_t batch = 512;
    tinynn::manual_seed(99);
    const tinynn::Tensor x = tinynn::randn({batch, 1024});
    const tinynn::Tensor y = tinynn::randn({batch, 1024});
    Result r;
    r.unit = "GFLOP/s";
    for (int rep = 0; rep < o.repeats; ++rep) {
        tinynn::manual_seed(static_cast<uint64_t>(rep));
        tinynn::nn::Sequential model(tinynn::nn::Linear(1024, 1024), tinynn::nn::ReLU(),
                                     tinynn::nn::Linear(1024, 1024), tinynn::nn::ReLU(),
                                     tinynn::nn::Linear(1024, 1024));
        r.flops_per_unit = 6.0 * static_cast<double>(count_parameters(model)) * batch;
        tinynn::optim::SGD opt(model.parameters(), {.lr = 0.01f});
        auto mse = [](const auto& p, const auto& t) { return F::mse_loss(p, t); };
        // One untimed step: the first allocates what later steps reuse (and
        // so does PyTorch's), which a 50-step figure should not be about.
        train_step(model, opt, x, y, mse);
        const auto start = Clock::now();
        float loss = 0;
        for (int s = 0; s < steps; ++s)
            loss = train_step(model, opt, x, y, mse);
        const double per_s = steps / seconds_since(start);
        r.rates.push_back(per_s * r.flops_per_unit / 1e9);
        r.last_loss = loss;
    }
    r.gflops = r.rates;
    return r;
}

// The machine's single-precision matrix-product rate through tinynn::matmul
// (OpenBLAS's sgemm with TINYNN_BLAS, Eigen's without, cut over tinynn's
// threads), at the thread count set: the ceiling W4's products can reach.
Result run_gemm(const Options& o) {
    const int64_t n = 2048;
    const int products = o.quick ? 2 : 5;
    tinynn::manual_seed(0);
    const tinynn::Tensor a = tinynn::randn({n, n});
    const tinynn::Tensor b = tinynn::randn({n, n});
    // Two untimed products: `c = matmul(a, b)` keeps the old product alive
    // while it makes the new one, so two blocks take turns, and each costs
    // 4,096 page faults (~14 us each on a virtual machine) the first time.
    tinynn::Tensor c = tinynn::matmul(a, b);
    c = tinynn::matmul(a, b);
    Result r;
    r.unit = "GFLOP/s";
    for (int rep = 0; rep < o.repeats; ++rep) {
        const auto start = Clock::now();
        for (int i = 0; i < products; ++i)
            c = tinynn::matmul(a, b);
        const double secs = seconds_since(start);
        r.rates.push_back(2.0 * n * n * n * products / secs / 1e9);
    }
    r.last_loss = static_cast<double>(c.matrix()(0, 0));  // keeps the products observable
    r.gflops = r.rates;
    return r;
}

// mean() of n float32 values, 0.1 each, and item(): the large-sum path every
// reduction takes (issue 15). The rate is in values per second; last_loss is
// the mean itself, which should print as 0.1.
Result run_sum(const Options& o, int64_t n) {
    const tinynn::Tensor x = tinynn::full({n}, 0.1f);  // [n]
    const int64_t calls = std::max<int64_t>(3, (o.quick ? 20'000'000 : 200'000'000) / n);
    float mean = x.mean().item();  // untimed: first touch of the code and data
    Result r;
    r.unit = "Gvalues/s";
    for (int rep = 0; rep < o.repeats; ++rep) {
        const auto start = Clock::now();
        for (int64_t i = 0; i < calls; ++i)
            mean = x.mean().item();
        r.rates.push_back(static_cast<double>(n) * static_cast<double>(calls) /
                          seconds_since(start) / 1e9);
    }
    r.last_loss = mean;
    return r;
}

// Whose matrix product the library was built with (TINYNN_BLAS).
#ifdef EIGEN_USE_BLAS
constexpr const char* kProduct = "openblas";
#else
constexpr const char* kProduct = "eigen";
#endif

void print_json(const Options& o, const Result& r) {
    std::printf(
        "{\"framework\": \"tinynn\", \"workload\": \"%s\", \"threads\": %d, "
        "\"product_threads\": %d, \"product\": \"%s\", \"quick\": %s, \"unit\": \"%s\", "
        "\"values\": %s, \"gflops\": %s, \"last_loss\": %.6g}\n",
        o.workload.c_str(), o.threads, tinynn::get_num_threads(), kProduct,
        o.quick ? "true" : "false", r.unit.c_str(), json_list(r.rates).c_str(),
        json_list(r.gflops).c_str(), r.last_loss);
}

int usage() {
    std::fprintf(stderr,
                 "usage: tinynn_bench <w1|w2|w3|w4|gemm|sum1e3|sum1e5|sum1e7> [--threads N] "
                 "[--repeats R] [--quick]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2)
        return usage();
    Options o;
    o.workload = argv[1];
    if (!parse_bench_options(argc, argv, 2, true, o))
        return usage();
    try {
        tinynn::set_num_threads(o.threads);
        const std::vector<std::pair<std::string, std::function<Result(const Options&)>>> runs = {
            {"w1", run_w1},
            {"w2", run_w2},
            {"w3", run_w3},
            {"w4", run_w4},
            {"gemm", run_gemm},
            {"sum1e3", [](const Options& opt) { return run_sum(opt, 1'000); }},
            {"sum1e5", [](const Options& opt) { return run_sum(opt, 100'000); }},
            {"sum1e7", [](const Options& opt) { return run_sum(opt, 10'000'000); }}};
        const auto it = std::find_if(runs.begin(), runs.end(),
                                     [&](const auto& entry) { return entry.first == o.workload; });
        if (it == runs.end())
            return usage();
        print_json(o, it->second(o));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tinynn_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
