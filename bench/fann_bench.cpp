// FANN 2.2's side of W1 (bench/README.md): XOR, 4 samples, 2-8-1 tanh +
// sigmoid, MSE, full-batch gradient descent, 10,000 steps. FANN is a plain C
// library with a fixed topology and no autograd: the per-step cost of a C
// library, which is what tinynn's dynamic graph is measured against.
//
//   fann_bench [--repeats R] [--quick]
//
// prints one JSON object in tinynn_bench's format. The mapping onto W1
// (activations, steepness, error function, learning rate) is explained in
// bench/README.md, "C and C++ peers".

#include "bench_cli.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <floatfann.h>

namespace {

using Clock = std::chrono::steady_clock;

using Options = BenchOptions;

// PyTorch's default Linear init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), for
// every weight and bias, as W1's other sides start from. FANN's own
// (U(-0.1, 0.1)) would start XOR nearer a flat spot and the losses would
// not be comparable. A FANN bias is the weight from a bias neuron, so a
// neuron's fan-in is its incoming connections less one.
void init_like_torch(fann* ann, unsigned seed) {
    std::vector<fann_connection> connections(fann_get_total_connections(ann));
    fann_get_connection_array(ann, connections.data());
    std::vector<unsigned> fan_in(fann_get_total_neurons(ann), 0);
    for (const fann_connection& c : connections)
        ++fan_in[c.to_neuron];
    std::mt19937 gen(seed);
    for (fann_connection& c : connections) {
        const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in[c.to_neuron] - 1));
        c.weight = std::uniform_real_distribution<float>(-bound, bound)(gen);
    }
    fann_set_weight_array(ann, connections.data(), static_cast<unsigned>(connections.size()));
}

// W1's network in FANN's terms: FANN_SIGMOID_SYMMETRIC is tanh(s x) and
// FANN_SIGMOID is 1 / (1 + exp(-2 s x)), so steepness 1 and 0.5 give tanh
// and the logistic sigmoid. The linear error function is plain MSE (FANN's
// default, FANN_ERRORFUNC_TANH, stretches large errors). FANN's batch step
// adds learning_rate / N times the summed (target - output) slopes, and
// MSE's gradient is 2 / N times that sum, so lr 1.0 is W1's SGD lr 0.5.
fann* make_w1_net(unsigned seed) {
    fann* ann = fann_create_standard(3, 2, 8, 1);
    if (ann == nullptr)
        return nullptr;
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_steepness_hidden(ann, 1.0f);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    fann_set_activation_steepness_output(ann, 0.5f);
    fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
    fann_set_training_algorithm(ann, FANN_TRAIN_BATCH);
    fann_set_learning_rate(ann, 1.0f);
    init_like_torch(ann, seed);
    return ann;
}

void fill_xor(unsigned num, unsigned /*inputs*/, unsigned /*outputs*/, fann_type* input,
              fann_type* output) {
    input[0] = static_cast<fann_type>(num >> 1);
    input[1] = static_cast<fann_type>(num & 1);
    output[0] = static_cast<fann_type>((num >> 1) ^ (num & 1));
}

int usage() {
    std::fprintf(stderr, "usage: fann_bench [--repeats R] [--quick]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse_bench_options(argc, argv, 1, false, o))
        return usage();
    const int steps = o.quick ? 1000 : 10000;
    fann_train_data* data = fann_create_train_from_callback(4, 2, 1, fill_xor);
    if (data == nullptr) {
        std::fprintf(stderr, "fann_bench: cannot create the training data\n");
        return 1;
    }
    std::vector<double> rates;
    float loss = 0;
    for (int rep = 0; rep < o.repeats; ++rep) {
        fann* ann = make_w1_net(static_cast<unsigned>(rep));
        if (ann == nullptr) {
            std::fprintf(stderr, "fann_bench: cannot create the network\n");
            return 1;
        }
        const auto start = Clock::now();
        // One epoch of FANN_TRAIN_BATCH is one full-batch step; it returns
        // the MSE of the forward passes it made, before its update (as
        // tinynn's and PyTorch's loss is).
        for (int s = 0; s < steps; ++s)
            loss = fann_train_epoch(ann, data);
        const double secs = std::chrono::duration<double>(Clock::now() - start).count();
        rates.push_back(steps / secs);
        fann_destroy(ann);
    }
    fann_destroy_train(data);
    std::printf(
        "{\"framework\": \"fann\", \"workload\": \"w1\", \"threads\": 1, \"quick\": %s, "
        "\"unit\": \"steps/s\", \"values\": %s, \"gflops\": [], \"last_loss\": %.6g}\n",
        o.quick ? "true" : "false", json_list(rates).c_str(), static_cast<double>(loss));
    return std::isfinite(loss) ? 0 : 1;
}
