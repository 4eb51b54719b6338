// dlib 19.24's side of W2 and W3 (bench/README.md): the same layer sizes,
// loss, batch, SGD with momentum and epochs as tinynn_bench, through dlib's
// DNN API, in a file of its own because dlib's headers take long to compile.
//
//   dlib_bench <w2|w3> [--threads N] [--repeats R] [--quick]
//
// prints one JSON object in tinynn_bench's format. dlib multiplies through
// the system's BLAS (cblas_sgemm; OpenBLAS on Debian with libopenblas-dev),
// whose thread count only OPENBLAS_NUM_THREADS sets: --threads must match it,
// so that no figure is labelled with a thread count it did not run at.

#include "bench_cli.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <dlib/dnn.h>

namespace {

using Clock = std::chrono::steady_clock;
using Sample = dlib::matrix<float, 0, 1>;

// W2's 2-64-64-3 and W3's 784-256-256-10, ReLU, softmax cross-entropy
// (loss_multiclass_log averages over the batch, as the other sides do).
using W2Net = dlib::loss_multiclass_log<
    dlib::fc<3, dlib::relu<dlib::fc<64, dlib::relu<dlib::fc<64, dlib::input<Sample>>>>>>>;
using W3Net = dlib::loss_multiclass_log<
    dlib::fc<10, dlib::relu<dlib::fc<256, dlib::relu<dlib::fc<256, dlib::input<Sample>>>>>>>;

using Options = BenchOptions;

// Row-major features and their labels.
struct Data {
    long features = 0;
    std::vector<float> x;
    std::vector<unsigned long> y;
    size_t size() const { return y.size(); }
};

// CS231n's spiral, as torch_bench.py's and tinynn's make_synthetic draw it.
Data spiral(int n, int classes, float noise, std::mt19937& gen) {
    Data d;
    d.features = 2;
    std::normal_distribution<float> normal(0.0f, noise);
    for (int c = 0; c < classes; ++c) {
        const int m = n / classes + (c < n % classes ? 1 : 0);
        for (int i = 0; i < m; ++i) {
            const float r = m == 1 ? 0.0f : static_cast<float>(i) / static_cast<float>(m - 1);
            const float t = 4.0f * (static_cast<float>(c) + r) + normal(gen);
            d.x.push_back(r * std::sin(t));
            d.x.push_back(r * std::cos(t));
            d.y.push_back(static_cast<unsigned long>(c));
        }
    }
    return d;
}

// W3's set: standard-normal features, uniform labels. Its content does not
// matter for timing; its size does.
Data random_classification(long n, long features, unsigned long classes, std::mt19937& gen) {
    Data d;
    d.features = features;
    d.x.resize(static_cast<size_t>(n * features));
    std::normal_distribution<float> normal;
    for (float& v : d.x)
        v = normal(gen);
    std::uniform_int_distribution<unsigned long> label(0, classes - 1);
    d.y.resize(static_cast<size_t>(n));
    for (unsigned long& l : d.y)
        l = label(gen);
    return d;
}

// Trains `epochs` epochs, batches gathered by a shuffled index straight into
// dlib's input tensor (as tinynn's DataLoader and torch_bench's tensor index
// gather theirs), one forward, backward and SGD update each: dlib's own
// loop, without dnn_trainer's background thread and automatic learning-rate
// shrinking. Returns samples per second.
template <class Net>
double train_epochs(Net& net, const Data& d, long batch, float lr, int epochs, unsigned seed,
                    double& last_loss) {
    // dlib's sgd is v = momentum v - lr g, w += v: torch's SGD with momentum
    // at a constant learning rate. Weight decay off, as on the other sides.
    std::vector<dlib::sgd> solvers(Net::num_computational_layers, dlib::sgd(0.0f, 0.9f));
    std::vector<size_t> order(d.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::mt19937 gen(seed);
    dlib::resizable_tensor x;
    // dlib's input layer must convert a sample once before the network
    // takes a tensor (it records how many rows a sample becomes); the
    // batches are then gathered into x directly.
    const Sample one = dlib::zeros_matrix<float>(d.features, 1);
    net.to_tensor(&one, &one + 1, x);
    std::vector<unsigned long> labels;
    const auto start = Clock::now();
    for (int e = 0; e < epochs; ++e) {
        std::shuffle(order.begin(), order.end(), gen);
        for (size_t first = 0; first < order.size(); first += static_cast<size_t>(batch)) {
            const size_t n = std::min(order.size() - first, static_cast<size_t>(batch));
            // input<matrix<float, 0, 1>>'s layout: samples x 1 x features x 1.
            x.set_size(static_cast<long long>(n), 1, d.features, 1);
            float* dst = x.host_write_only();
            labels.resize(n);
            for (size_t i = 0; i < n; ++i) {
                const size_t row = order[first + i];
                std::memcpy(dst + i * static_cast<size_t>(d.features),
                            d.x.data() + row * static_cast<size_t>(d.features),
                            static_cast<size_t>(d.features) * sizeof(float));
                labels[i] = d.y[row];
            }
            last_loss = net.compute_parameter_gradients(x, labels.begin());
            net.update_parameters(solvers, lr);
        }
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    return static_cast<double>(d.size()) * epochs / secs;
}

struct Result {
    std::vector<double> rates;
    std::vector<double> gflops;
    double last_loss = 0.0;
};

// W2: 3,000 spiral samples, 2-64-64-3, SGD lr 0.05 momentum 0.9, batch 32
// reshuffled every epoch, 20 epochs.
Result run_w2(const Options& o) {
    std::mt19937 data_gen(1);
    const Data d = spiral(3000, 3, 0.2f, data_gen);
    Result r;
    for (int rep = 0; rep < o.repeats; ++rep) {
        W2Net net;
        r.rates.push_back(train_epochs(net, d, 32, 0.05f, o.quick ? 2 : 20,
                                       static_cast<unsigned>(rep), r.last_loss));
    }
    return r;
}

// W3: 60,000 x 784, 10 classes, 784-256-256-10, SGD lr 0.01 momentum 0.9,
// batch 128 by a shuffled index, 1 epoch. GFLOP/s as tinynn_bench counts it:
// 6 x 269,322 parameters per sample.
Result run_w3(const Options& o) {
    std::mt19937 data_gen(123);
    const Data d = random_classification(o.quick ? 12800 : 60000, 784, 10, data_gen);
    constexpr double kParameters = 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10;
    Result r;
    for (int rep = 0; rep < o.repeats; ++rep) {
        W3Net net;
        const double rate =
            train_epochs(net, d, 128, 0.01f, 1, static_cast<unsigned>(rep), r.last_loss);
        r.rates.push_back(rate);
        r.gflops.push_back(rate * 6.0 * kParameters / 1e9);
    }
    return r;
}

int usage() {
    std::fprintf(stderr, "usage: dlib_bench <w2|w3> [--threads N] [--repeats R] [--quick]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2)
        return usage();
    Options o;
    o.workload = argv[1];
    if (!parse_bench_options(argc, argv, 2, true, o) || (o.workload != "w2" && o.workload != "w3"))
        return usage();
    const char* blas_threads = std::getenv("OPENBLAS_NUM_THREADS");
    if (blas_threads == nullptr || std::atoi(blas_threads) != o.threads) {
        std::fprintf(stderr, "dlib_bench: run with OPENBLAS_NUM_THREADS=%d for --threads %d\n",
                     o.threads, o.threads);
        return 2;
    }
    const Result r = o.workload == "w2" ? run_w2(o) : run_w3(o);
    std::printf(
        "{\"framework\": \"dlib\", \"workload\": \"%s\", \"threads\": %d, \"quick\": %s, "
        "\"unit\": \"samples/s\", \"values\": %s, \"gflops\": %s, \"last_loss\": %.6g}\n",
        o.workload.c_str(), o.threads, o.quick ? "true" : "false", json_list(r.rates).c_str(),
        json_list(r.gflops).c_str(), r.last_loss);
    return std::isfinite(r.last_loss) ? 0 : 1;
}
