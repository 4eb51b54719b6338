// The Diagnostics probe (issue 14: distributions per layer, histograms of
// outputs and back-propagated gradients, firing frequency) and the
// update-to-weight ratio, against PyTorch (tests/data/oracles/diagnostics.json,
// gen_diagnostics.py), plus what the probe must leave alone.

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/approx.hpp"
#include "support/cli.hpp"
#include "support/oracle.hpp"
#include "tinynn/experiment/diagnostics.hpp"

using namespace tinynn;
using namespace tinynn::experiment;
using tinynn::test::check_close;

namespace {

const tinynn::test::OracleCase& oracle() {
    return tinynn::test::oracle_case("probe", "diagnostics.json");
}

// The oracle's model, Linear Tanh Linear BatchNorm1d ReLU Linear, with its weights.
nn::Sequential oracle_model() {
    const auto& c = oracle();
    nn::Sequential model(nn::Linear(3, 5), nn::Tanh(), nn::Linear(5, 4), nn::BatchNorm1d(4),
                         nn::ReLU(), nn::Linear(4, 2));
    nn::StateDict initial;
    for (const auto& [name, tensor] : model.state_dict())
        initial.emplace_back(name, c.inputs.at("initial." + name));
    model.load_state_dict(initial);
    return model;
}

Tensor mse(const Tensor& output, const Tensor& targets) {
    return nn::functional::mse_loss(output, targets);
}

std::vector<float> floats(const std::vector<double>& values) {
    return {values.begin(), values.end()};
}

std::vector<float> floats(const std::vector<int64_t>& values) {
    return {values.begin(), values.end()};
}

}  // namespace

TEST_CASE("percentile interpolates linearly between ranks, as torch.quantile",
          "[compare][diagnostics][probe]") {
    std::vector<float> v{4, 1, 3, 2};
    CHECK(percentile(v, 50) == Approx(2.5));
    CHECK(percentile(v, 0) == 1);
    CHECK(percentile(v, 100) == 4);
    CHECK(percentile(v, 2) == Approx(1.06));  // rank 0.06
    std::vector<float> one{7};
    CHECK(percentile(one, 98) == 7);
    std::vector<float> none;
    CHECK(percentile(none, 50) == 0);
}

TEST_CASE("percentiles of many values are exactly those of a sorted copy",
          "[compare][diagnostics][probe]") {
    // Past a few thousand values, percentiles selects through buckets, and
    // answers ranks among the values equal to the minimum or the maximum
    // from their counts; the result must not move by an ulp, whatever the
    // values' spread.
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    // Fewer values than the buckets take are selected directly.
    const std::vector<std::pair<int, size_t>> cases{{0, 8192}, {1, 8192}, {2, 8192}, {3, 8192},
                                                    {4, 8192}, {5, 8192}, {6, 8192}, {0, 256},
                                                    {1, 256},  {3, 256},  {4, 256},  {6, 256}};
    for (const auto& [shape, size] : cases) {
        INFO("shape " << shape << ", " << size << " values");
        std::vector<float> v(size);
        for (size_t i = 0; i < v.size(); ++i) {
            const float x = normal(rng);
            v[i] = shape == 0   ? x
                   : shape == 1 ? std::max(x, 0.0f)                            // ReLU: half zeros
                   : shape == 2 ? (i % 100 == 0 ? 1e6f * x : x)                // far outliers
                   : shape == 3 ? static_cast<float>(static_cast<int>(4 * x))  // ties
                   : shape == 4 ? (x < 1.3f ? 0.0f : x)       // 90 % at the minimum
                   : shape == 5 ? std::clamp(x, -2.0f, 0.5f)  // 30 % at the maximum
                                : 3.0f;                       // one value
        }
        std::vector<float> sorted = v;
        std::sort(sorted.begin(), sorted.end());
        const std::vector<double> qs{0, 2, 15, 50, 85, 98, 100};
        const std::vector<double> got = percentiles(v, qs);
        for (size_t i = 0; i < qs.size(); ++i) {
            const double rank = qs[i] / 100.0 * static_cast<double>(sorted.size() - 1);
            const auto below = static_cast<size_t>(rank);
            const double low = sorted[below];
            const double high = sorted[std::min(below + 1, sorted.size() - 1)];
            CHECK(got[i] == low + (rank - static_cast<double>(below)) * (high - low));
        }
    }
}

TEST_CASE("histogram_of bins from the minimum to the maximum, the maximum in the last bin",
          "[compare][diagnostics][probe]") {
    const Histogram h = histogram_of({0, 1, 2, 3, 4}, 4);
    CHECK(h.low == 0);
    CHECK(h.high == 4);
    CHECK(h.counts == std::vector<int64_t>{1, 1, 1, 2});
    const Histogram flat = histogram_of({2, 2, 2}, 3);
    CHECK(flat.low == 2);
    CHECK(flat.high == 2);
    CHECK(flat.counts == std::vector<int64_t>{3, 0, 0});
}

TEST_CASE("The probe's distributions, histograms and firing frequencies match PyTorch's",
          "[compare][diagnostics][probe][oracle]") {
    const auto& c = oracle();
    nn::Sequential model = oracle_model();
    model.train();  // as fit leaves it between epochs
    const auto* bn = model.as<nn::BatchNorm1d>(3);
    const Tensor running_mean =
        Tensor::from_matrix(bn->running_mean().matrix(), bn->running_mean().shape());
    const float batches_tracked = bn->num_batches_tracked().item();

    Diagnostics diagnostics(
        Diagnostics::Probe{.features = c.inputs.at("x"), .targets = c.inputs.at("y"), .loss = mse});
    diagnostics.on_train_begin(model);
    EpochMetrics metrics;
    TrainState state;
    diagnostics.on_epoch_end(metrics, state);
    diagnostics.on_train_end(model, {});

    // Eval mode for the probe only; BatchNorm's statistics and every
    // parameter's grad are left alone.
    CHECK(model.is_training());
    check_close(bn->running_mean(), running_mean, 0, 0);
    CHECK(bn->num_batches_tracked().item() == batches_tracked);
    for (const Tensor& p : model.parameters())
        CHECK_FALSE(p.grad().defined());

    REQUIRE(metrics.diagnostics);
    const std::vector<ActivationStats>& layers = metrics.diagnostics->activations;
    REQUIRE(layers.size() == 2);
    CHECK(layers[0].layer == "1");
    CHECK(layers[1].layer == "4");
    for (const ActivationStats& a : layers) {
        INFO("layer " << a.layer);
        REQUIRE(a.probe);
        const ProbeStats& p = *a.probe;
        const auto want = [&](const std::string& key) {
            return c.outputs.at(key + "." + a.layer).to_vector();
        };
        check_close({static_cast<float>(p.mean)}, want("mean"), 1e-5, 1e-6);
        check_close({static_cast<float>(p.std)}, want("std"), 1e-5, 1e-6);
        check_close(floats(std::vector<double>{p.p2, p.p50, p.p98}), want("percentiles"), 1e-5,
                    1e-6);
        check_close(
            floats(std::vector<double>{p.unit0_input_p15, p.unit0_input_p50, p.unit0_input_p85}),
            want("unit0_input"), 1e-5, 1e-6);
        check_close(floats(p.firing), want("firing"), 0, 1e-6);
        check_close(floats(std::vector<double>{p.outputs.low, p.outputs.high}),
                    want("outputs_range"), 1e-5, 1e-6);
        check_close(floats(p.outputs.counts), want("outputs_histogram"), 0, 0);
        REQUIRE(p.gradients);
        check_close(floats(std::vector<double>{p.gradients->low, p.gradients->high}),
                    want("gradients_range"), 1e-4, 1e-7);
        check_close(floats(p.gradients->counts), want("gradients_histogram"), 0, 0);
    }
}

TEST_CASE("A probe without histograms measures the same, with no histogram nor firing",
          "[compare][diagnostics][probe]") {
    const auto& c = oracle();
    const auto measure = [&](bool histograms) {
        nn::Sequential model = oracle_model();
        model.train();
        Diagnostics diagnostics(Diagnostics::Probe{.features = c.inputs.at("x"),
                                                   .targets = c.inputs.at("y"),
                                                   .loss = mse,
                                                   .histograms = histograms});
        diagnostics.on_train_begin(model);
        EpochMetrics metrics;
        TrainState state;
        diagnostics.on_epoch_end(metrics, state);
        diagnostics.on_train_end(model, {});
        return metrics.diagnostics->activations;
    };
    const std::vector<ActivationStats> with = measure(true), without = measure(false);
    REQUIRE(with.size() == without.size());
    for (size_t l = 0; l < with.size(); ++l) {
        REQUIRE(without[l].probe);
        const ProbeStats &a = *with[l].probe, &b = *without[l].probe;
        CHECK(std::vector{a.mean, a.std, a.p2, a.p50, a.p98, a.unit0_input_p15, a.unit0_input_p50,
                          a.unit0_input_p85} == std::vector{b.mean, b.std, b.p2, b.p50, b.p98,
                                                            b.unit0_input_p15, b.unit0_input_p50,
                                                            b.unit0_input_p85});
        CHECK(b.outputs.counts.empty());
        CHECK_FALSE(b.gradients);
        CHECK(b.firing.empty());
    }
}

TEST_CASE("The update-to-weight ratio of an SGD step matches PyTorch's",
          "[compare][diagnostics][oracle]") {
    const auto& c = oracle();
    nn::Sequential model = oracle_model();
    model.train();
    const Matrix rows_x = c.inputs.at("x").matrix().topRows(8);
    const Matrix rows_y = c.inputs.at("y").matrix().topRows(8);
    const Tensor x = Tensor::from_matrix(rows_x, {8, 3});  // [8, 3]
    const Tensor y = Tensor::from_matrix(rows_y, {8, 2});  // [8, 2]
    optim::SGD opt(model.parameters(), {.lr = c.params.at("lr").get<float>()});
    Diagnostics diagnostics;
    diagnostics.on_train_begin(model);
    TrainState state;
    diagnostics.on_batch_begin(state);
    opt.zero_grad();
    mse(model(x), y).backward();
    diagnostics.on_after_backward(model, state);
    opt.step();
    diagnostics.on_batch_end(state);
    const EpochDiagnostics d = diagnostics.finish_epoch();
    diagnostics.on_train_end(model, {});
    REQUIRE(d.grad_norms.size() == 3);
    for (const GradNorm& g : d.grad_norms) {
        INFO(g.name);
        check_close({static_cast<float>(g.update_ratio)},
                    c.outputs.at("update_ratio." + g.name).to_vector(), 1e-5, 1e-7);
    }
}

TEST_CASE("Without a probe nothing is measured at the epoch's end",
          "[compare][diagnostics][probe]") {
    nn::Sequential model = oracle_model();
    Diagnostics diagnostics;
    diagnostics.on_train_begin(model);
    EpochMetrics metrics;
    TrainState state;
    diagnostics.on_epoch_end(metrics, state);
    diagnostics.on_train_end(model, {});
    REQUIRE(metrics.diagnostics);
    for (const ActivationStats& a : metrics.diagnostics->activations)
        CHECK_FALSE(a.probe);
}

TEST_CASE("A probe without a loss function is refused", "[compare][diagnostics][probe]") {
    CHECK_THROWS_WITH(Diagnostics(Diagnostics::Probe{.features = Tensor({1.f}).reshape({1, 1}),
                                                     .targets = Tensor({1.f})}),
                      Catch::Contains("expected Probe::loss"));
}

TEST_CASE("Diagnostics with their probe leave training bit for bit as it was",
          "[compare][diagnostics][probe][cli]") {
    // BatchNorm (running statistics) and Dropout (random numbers) are what
    // the probe's eval-mode pass must leave alone.
    test::TempDir dir;
    const std::vector<std::string> common = {"train",
                                             test::repo_path("configs/spiral.yaml").string(),
                                             "--quiet",
                                             "--set",
                                             "model.batchnorm=true",
                                             "--set",
                                             "model.dropout=0.1",
                                             "--set",
                                             "training.epochs=40"};
    auto plain = common, watched = common;
    plain.insert(plain.end(), {"--out", "plain"});
    watched.insert(watched.end(), {"--out", "watched", "--set", "training.diagnostics=true"});
    REQUIRE(test::run_tinynn(plain, dir.path()).status == 0);
    REQUIRE(test::run_tinynn(watched, dir.path()).status == 0);
    CHECK(test::read_file(dir.path() / "plain" / "model.safetensors") ==
          test::read_file(dir.path() / "watched" / "model.safetensors"));
    const auto plain_rows = test::lines_of(test::read_file(dir.path() / "plain" / "metrics.csv"));
    const auto watched_rows =
        test::lines_of(test::read_file(dir.path() / "watched" / "metrics.csv"));
    REQUIRE(plain_rows.size() == watched_rows.size());
    for (size_t i = 1; i < plain_rows.size(); ++i) {
        INFO("epoch " << i);
        // The watched rows go on with the diagnostic columns.
        CHECK(watched_rows[i].rfind(plain_rows[i] + ",", 0) == 0);
    }
}
