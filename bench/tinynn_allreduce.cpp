// The cost of data-parallel training over MPI ranks (docs/distributed.md),
// run under mpirun as `mpirun -n R build-bench/bench/tinynn_allreduce`:
//
// 1. distributed::sum_over_ranks (the gradient sum fit() does every step:
//    an allgather, then a sum in rank order) for buffers of 1K to 4M floats,
//    the median of 20 calls each: its fixed cost and its cost per byte;
// 2. for the models of W2, W3 and W4 (bench/README.md), one data-parallel
//    step split into compute (forward and backward on this rank's share of
//    the batch, at one thread) and the gradient sum.
//
// Rank 0 prints one JSON object. Built with TINYNN_BUILD_BENCH and MPI.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <tinynn/experiment/distributed.hpp>
#include <tinynn/tinynn.hpp>

namespace {

using Clock = std::chrono::steady_clock;
namespace distributed = tinynn::distributed;

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Seconds of one call of `f`, the median of `repeats`, every rank in step.
template <class F>
double time_it(int repeats, F f) {
    std::vector<double> times;
    std::vector<float> sync(1);
    for (int r = 0; r < repeats; ++r) {
        distributed::sum_over_ranks(sync);  // start together
        const auto start = Clock::now();
        f();
        times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    }
    return median(times);
}

std::string number(double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", v);
    return text;
}

struct Workload {
    const char* name;
    std::vector<int64_t> widths;  // inputs, hidden..., outputs
    int64_t batch;
};

}  // namespace

int main(int argc, char** argv) {
    distributed::init(&argc, &argv);
    tinynn::set_num_threads(1);
    const int ranks = distributed::size();
    std::string json = "{\"ranks\": " + std::to_string(ranks) + ", \"sum\": [";
    for (const size_t floats :
         {size_t{1} << 10, size_t{1} << 14, size_t{1} << 18, size_t{1} << 20, size_t{1} << 22}) {
        std::vector<float> buffer(floats, 1.0f);
        const double seconds = time_it(20, [&] { distributed::sum_over_ranks(buffer); });
        json += std::string(floats == 1024 ? "" : ", ") +
                "{\"bytes\": " + std::to_string(floats * 4) + ", \"seconds\": " + number(seconds) +
                "}";
    }
    json += "], \"steps\": [";
    const Workload workloads[] = {{"W2", {2, 64, 64, 3}, 32},
                                  {"W3", {784, 256, 256, 10}, 128},
                                  {"W4", {1024, 1024, 1024, 1024}, 512}};
    bool first = true;
    for (const Workload& w : workloads) {
        tinynn::manual_seed(1);
        tinynn::nn::Sequential model;
        for (size_t i = 0; i + 1 < w.widths.size(); ++i) {
            model.push_back(tinynn::nn::Linear(w.widths[i], w.widths[i + 1]));
            if (i + 2 < w.widths.size())
                model.push_back(tinynn::nn::ReLU());
        }
        const int64_t rows = w.batch / ranks;  // this rank's share
        const tinynn::Tensor x = tinynn::randn({rows, w.widths.front()});
        const tinynn::Tensor y = tinynn::randn({rows, w.widths.back()});
        tinynn::optim::SGD opt(model.parameters(), {.lr = 0.01f});
        std::vector<float> gradients;
        for (const tinynn::Tensor& p : model.parameters())
            gradients.resize(gradients.size() + static_cast<size_t>(p.numel()));
        const double compute = time_it(20, [&] {
            opt.zero_grad();
            tinynn::nn::functional::mse_loss(model(x), y).backward();
        });
        const double sum = time_it(20, [&] { distributed::sum_over_ranks(gradients); });
        json += std::string(first ? "" : ", ") + "{\"workload\": \"" + w.name +
                "\", \"rows_per_rank\": " + std::to_string(rows) +
                ", \"parameters\": " + std::to_string(gradients.size()) +
                ", \"compute_seconds\": " + number(compute) + ", \"sum_seconds\": " + number(sum) +
                "}";
        first = false;
    }
    json += "]}";
    if (distributed::rank() == 0)
        std::printf("%s\n", json.c_str());
    distributed::finish(0);
    return 0;
}
