// The pool that large tensor storage goes back to: what it keeps,
// its bounds, that a training step reuses the previous step's storage, and
// that no op reads what a recycled block held before.

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/autograd.hpp>
#include <tinynn/memory.hpp>
#include <tinynn/nn.hpp>
#include <tinynn/ops.hpp>
#include <tinynn/optim.hpp>
#include <tinynn/random.hpp>

#include "memory/storage_pool.hpp"

namespace {

using tinynn::Matrix;
using tinynn::Tensor;
using namespace tinynn::detail;

struct Gradients {
    std::vector<float> loss, inputs, weights;
};

// Forward and backward through every op, at sizes above the pool's
// threshold: [128, 256] values, [256, 256] weights.
Gradients run_graph() {
    tinynn::manual_seed(5);
    const Tensor x = tinynn::randn({128, 256}).requires_grad_();
    const Tensor w = (tinynn::randn({256, 256}) * 0.05f).requires_grad_();
    const Tensor b = tinynn::randn({256}).requires_grad_();
    const Tensor target = tinynn::randn({128, 256});
    std::vector<float> classes(128);
    for (size_t i = 0; i < classes.size(); ++i)
        classes[i] = static_cast<float>((i * 37) % 256);
    const Tensor labels(classes);
    namespace F = tinynn::nn::functional;
    const Tensor h = F::linear(x, w, b);
    const Tensor a =
        tinynn::relu(h) + tinynn::tanh(h) * tinynn::sigmoid(h) - tinynn::leaky_relu(h, 0.1f) / 2.0f;
    const Tensor m = tinynn::matmul(a, w) + tinynn::exp(tinynn::clamp(a, -3.0f, 3.0f)) * b;
    const Tensor p = tinynn::softmax(m, 1) * tinynn::t(tinynn::log_softmax(tinynn::t(m), 1));
    const Tensor q = tinynn::sqrt(tinynn::pow(a, 2.0f) + 1.0f) + tinynn::log(tinynn::sigmoid(h)) -
                     (3.0f - a) / (tinynn::abs(b) + 1.0f) + 2.0f / (tinynn::abs(h) + 1.0f);
    const Tensor r = tinynn::reshape(q, {256, 128});
    const Tensor loss = F::mse_loss(m, target) + F::cross_entropy(m, labels) +
                        tinynn::mean(tinynn::abs(-m + 1.0f)) + tinynn::mean(tinynn::sum(p, 1)) +
                        tinynn::sum(tinynn::mean(r, 0)) * 1e-3f +
                        tinynn::sum(tinynn::transpose(r, 0, 1)[3]) * 1e-3f;
    loss.backward();
    return {loss.to_vector(), x.grad().to_vector(), w.grad().to_vector()};
}

}  // namespace

TEST_CASE("recycled storage of the same size is taken again", "[memory][pool]") {
    tinynn::release_cached_memory();
    Matrix m = take_matrix(256, 256);
    const float* storage = m.data();
    recycle(m);
    CHECK(m.size() == 0);
    CHECK(pool_contents().blocks == 1);
    CHECK(tinynn::cached_bytes() == 256 * 256 * sizeof(float));

    // Same number of floats, other dims: the same block, reshaped.
    const Matrix n = take_matrix(128, 512);
    CHECK(n.data() == storage);
    CHECK(n.rows() == 128);
    CHECK(n.cols() == 512);
    CHECK(pool_contents().blocks == 0);

    // Another size is allocated anew and leaves the pool alone.
    Matrix other = take_matrix(300, 300);
    recycle(other);
    const Matrix fresh = take_matrix(256, 256);
    CHECK(fresh.size() == 256 * 256);
    CHECK(pool_contents().blocks == 1);
    tinynn::release_cached_memory();
    CHECK(pool_contents().blocks == 0);
    CHECK(tinynn::cached_bytes() == 0);
}

TEST_CASE("small blocks are left to malloc", "[memory][pool]") {
    tinynn::release_cached_memory();
    Matrix m = take_matrix(1, kPooledMinFloats - 1);
    recycle(m);
    CHECK(m.size() == 0);
    CHECK(pool_contents().blocks == 0);
}

TEST_CASE("the pool keeps at most its block and byte limits, dropping the oldest",
          "[memory][pool]") {
    tinynn::release_cached_memory();
    for (size_t i = 0; i < kPooledMaxBlocks + 3; ++i) {
        Matrix m = take_matrix(1, kPooledMinFloats + static_cast<Eigen::Index>(i));
        recycle(m);
    }
    CHECK(pool_contents().blocks == kPooledMaxBlocks);
    // The three oldest sizes went first.
    CHECK(take_matrix(1, kPooledMinFloats).size() == kPooledMinFloats);
    CHECK(pool_contents().blocks == kPooledMaxBlocks);
    CHECK(take_matrix(1, kPooledMinFloats + 3).size() == kPooledMinFloats + 3);
    CHECK(pool_contents().blocks == kPooledMaxBlocks - 1);

    // 8 MiB blocks (never written, so never resident) reach the byte limit.
    tinynn::release_cached_memory();
    const Eigen::Index eight_mib = (8 << 20) / sizeof(float);
    std::vector<Matrix> blocks;
    for (int i = 0; i < 40; ++i)
        blocks.push_back(take_matrix(1, eight_mib));
    for (Matrix& m : blocks) {
        recycle(m);
        CHECK(pool_contents().bytes <= kPooledMaxBytes);
    }
    CHECK(pool_contents().blocks == kPooledMaxBytes / (8 << 20));
    tinynn::release_cached_memory();
}

TEST_CASE("storage freed on one thread is taken on another", "[memory][pool]") {
    tinynn::release_cached_memory();
    Matrix m = take_matrix(256, 256);
    const float* storage = m.data();
    std::thread([&m] { recycle(m); }).join();
    CHECK(pool_contents().blocks == 1);
    const float* taken = nullptr;
    std::thread([&taken] { taken = take_matrix(256, 256).data(); }).join();
    CHECK(taken == storage);
    CHECK(pool_contents().blocks == 0);
}

TEST_CASE("training steps after the first reuse the storage of the step before",
          "[memory][pool][nn]") {
    tinynn::release_cached_memory();
    tinynn::manual_seed(3);
    tinynn::nn::Sequential model(tinynn::nn::Linear(256, 256), tinynn::nn::ReLU(),
                                 tinynn::nn::Linear(256, 256));
    tinynn::optim::SGD opt(model.parameters(), {.lr = 0.01f, .momentum = 0.9f});
    const Tensor x = tinynn::randn({128, 256});
    const Tensor y = tinynn::randn({128, 256});
    std::vector<size_t> pooled;
    for (int step = 0; step < 4; ++step) {
        opt.zero_grad();
        tinynn::nn::functional::mse_loss(model.forward(x), y).backward();
        opt.step();
        pooled.push_back(pool_contents().blocks);
    }
    CHECK(pooled[0] > 0);
    // Had a step allocated anew, the blocks it freed would have piled up.
    CHECK(pooled[1] == pooled[0]);
    CHECK(pooled[3] == pooled[0]);
    tinynn::release_cached_memory();
}

TEST_CASE("no op reads storage it has not written", "[memory][pool][autograd]") {
    const Gradients clean = run_graph();
    REQUIRE(std::isfinite(clean.loss[0]));
    // Taken storage full of NaN: a read of it would show in every result.
    const PoisonTakenStorage poison;
    const Gradients poisoned = run_graph();
    CHECK(poisoned.loss == clean.loss);
    CHECK(poisoned.inputs == clean.inputs);
    CHECK(poisoned.weights == clean.weights);
}

TEST_CASE("poisoned storage is NaN whatever its size", "[memory][pool]") {
    const PoisonTakenStorage poison;
    CHECK(std::isnan(take_matrix(2, 3)(1, 2)));
    CHECK(std::isnan(take_matrix(256, 256)(255, 255)));
}
