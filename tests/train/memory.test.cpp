// The memory estimate behind limits.memory_mb: its arithmetic on small
// configs worked out by hand, how it scales, and the data shapes it starts
// from.

#include "tinynn/experiment/memory.hpp"

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/cli.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace tinynn;
using namespace tinynn::experiment;
namespace fs = std::filesystem;

namespace {

// 100 xor samples, 80 to train; a 2-4-2 tanh model of 22 parameters.
Config tiny_config() {
    Config c;
    c.data.kind = "xor";
    c.data.samples = 100;
    c.data.test_split = 0.2;
    c.model.hidden = {4};
    c.loss = Loss::cross_entropy;
    c.training.batch_size = 10;
    return c;
}

std::string refusal(const Config& c, const DataShape& d) {
    try {
        check_memory(c, d);
    } catch (const Error& e) {
        return e.what();
    }
    FAIL("check_memory accepted a run estimated at " << estimate_memory(c, d).total()
                                                     << " bytes against a limit of "
                                                     << memory_limit_bytes(c.limits));
    return "";
}

void write(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("The estimate of a tiny run is the count worked out by hand", "[train][memory]") {
    Config c = tiny_config();
    const DataShape d = synthetic_shape(c.data);
    REQUIRE(d.samples == 100);
    REQUIRE(d.features == 2);
    REQUIRE(d.target_columns == 1);
    REQUIRE(d.classes == 2);

    SECTION("cross-entropy, no momentum, batches of 10") {
        const MemoryEstimate e = estimate_memory(c, d);
        // Dataset 100 x (2 + 1) floats = 1200 bytes; loading peaks at three
        // copies; two int64 orders of 100.
        CHECK(e.data == 3 * 1200 + 2 * 100 * 8);
        // (2*4 + 4) + (4*2 + 2) = 22 floats: value, gradient, snapshot, and
        // a checkpoint's copy and its file's bytes.
        CHECK(e.parameters == 22 * 5 * 4);
        // Module outputs 4, 4, 2. Evaluating the 80 training samples holds
        // two 4-wide outputs and the loss's 3 x 2: 80 x 14 floats. A batch
        // of 10 holds 2 + 1 inputs, 2 x 10 outputs and gradients, 3 x 2 for
        // the loss: 10 x 29 floats, less.
        CHECK(e.activations == 80 * 14 * 4);
        CHECK(e.pass_samples == 80);
        CHECK_FALSE(e.pass_is_training);
        CHECK(e.total() == 5200 + 440 + 4480);
    }
    SECTION("mse one-hot targets, normalised, momentum, the whole set as one batch") {
        c.loss = Loss::mse;
        c.data.normalize = true;
        c.optimizer.momentum = 0.9f;
        c.training.batch_size = 0;
        const MemoryEstimate e = estimate_memory(c, d);
        // Two datasets, a normalised copy of the features (800) and one-hot
        // targets 100 x 2 (800) outweigh three datasets.
        CHECK(e.data == 2 * 1200 + 800 + 800 + 2 * 100 * 8);
        // And the momentum buffer, which a checkpoint copies too.
        CHECK(e.parameters == 22 * 8 * 4);
        // 80 samples x (2 features + 2 one-hot + 2 x 10 + 3 x 2) floats.
        CHECK(e.activations == 80 * 30 * 4);
        CHECK(e.pass_samples == 80);
        CHECK(e.pass_is_training);
    }
    SECTION("a batch larger than the training set is the training set") {
        c.training.batch_size = 1000;
        CHECK(estimate_memory(c, d).activations == 80 * 29 * 4);
        CHECK(estimate_memory(c, d).pass_samples == 80);
    }
}

TEST_CASE("An explicit layer list gives the widths and parameters", "[train][memory]") {
    Config c = tiny_config();
    c.data.samples = 10;
    c.data.test_split = 0;
    c.training.batch_size = 0;
    c.model.layers = {models::linear_layer(2, 3),
                      models::activation_layer({.kind = nn::Activation::relu}),
                      models::linear_layer(3, 2, /*bias=*/false), models::softmax_layer()};
    c.model.layers_given = true;
    const MemoryEstimate e = estimate_memory(c, synthetic_shape(c.data));
    CHECK(e.parameters == (2 * 3 + 3 + 3 * 2) * 5 * 4);
    // Outputs 3, 3, 2, 2: 10 samples x (2 + 1 + 2 x 10 + 3 x 2) floats.
    CHECK(e.activations == 10 * 29 * 4);
    CHECK(e.pass_is_training);
    CHECK(e.data == 3 * 10 * 3 * 4 + 2 * 10 * 8);
}

TEST_CASE("A registry model counts only the parameters it is given", "[train][memory]") {
    Config c = tiny_config();
    c.model.kind = "my_model";
    const DataShape d = synthetic_shape(c.data);
    CHECK(estimate_memory(c, d).parameters == 0);
    CHECK(estimate_memory(c, d, 1000.0).parameters == 1000 * 5 * 4);
    // The input batch and the loss only: 80 samples x 3 x 2 outputs.
    CHECK(estimate_memory(c, d).activations == 80 * 6 * 4);
}

TEST_CASE("The estimate grows linearly with the samples", "[train][memory]") {
    Config c = tiny_config();
    c.model.hidden = {64, 32};
    c.loss = Loss::mse;
    const auto at = [&](int64_t samples) {
        c.data.samples = samples;
        return estimate_memory(c, synthetic_shape(c.data));
    };
    const MemoryEstimate one = at(10'000), two = at(20'000), three = at(30'000);
    CHECK(two.data == 2 * one.data);
    CHECK(three.data == 3 * one.data);
    CHECK(two.activations == 2 * one.activations);  // evaluation dominates batches of 10
    CHECK(three.activations == 3 * one.activations);
    CHECK(two.parameters == one.parameters);
    CHECK(three.total() - two.total() == Approx(two.total() - one.total()));
}

TEST_CASE("Absurd sizes give a finite estimate and are refused", "[train][memory]") {
    Config c = tiny_config();
    c.data.samples = 10'000'000;
    c.model.hidden.assign(100, 100'000);
    c.training.batch_size = 0;
    const MemoryEstimate e = estimate_memory(c, synthetic_shape(c.data));
    CHECK(std::isfinite(e.total()));
    CHECK(e.total() > 1e15);  // 8 million samples through 200 layers of 100,000
    CHECK(e.parameters > 1e12);
    const std::string message = refusal(c, synthetic_shape(c.data));
    CHECK_THAT(message, StartsWith("limits.memory_mb: this run needs about "));
    CHECK_THAT(message, Contains("PiB"));

    // A CSV bound from a file of exabytes would not overflow either.
    const DataShape huge{.samples = int64_t{1} << 62, .features = 999, .classes = 2};
    CHECK(std::isfinite(estimate_memory(c, huge).total()));
}

TEST_CASE("limits.memory_mb sets the limit, unset it is three quarters of the memory",
          "[train][memory]") {
    LimitsConfig limits;
    limits.memory_mb = 512;
    CHECK(memory_limit_bytes(limits) == 512.0 * 1024 * 1024);
    limits.memory_mb = 0.5;
    CHECK(memory_limit_bytes(limits) == 512.0 * 1024);
    limits.memory_mb.reset();
    const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && page_size > 0)
        CHECK(memory_limit_bytes(limits) == 0.75 * double(pages) * double(page_size));
    else
        CHECK(memory_limit_bytes(limits) == 4096.0 * 1024 * 1024);
}

TEST_CASE("A refusal names the estimate, its parts, the limit and what to change",
          "[train][memory]") {
    Config c = tiny_config();
    const DataShape d = synthetic_shape(c.data);
    c.limits.memory_mb = 1.0;  // 1 MiB: the tiny run fits
    CHECK_NOTHROW(check_memory(c, d));

    c.limits.memory_mb = 4.0 / 1024;  // 4 KiB, under its 9.9 KiB
    const std::string message = refusal(c, d);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message ==
          "limits.memory_mb: this run needs about 9.9 KiB (data 5.1 KiB for 100 samples, "
          "parameters 440 bytes, activations 4.4 KiB evaluating 80 samples at once), above the "
          "limit of 4.0 KiB; lower data.samples, or raise limits.memory_mb");

    SECTION("the advice follows the largest part") {
        c.data.samples = 1000;
        c.training.batch_size = 0;
        c.model.hidden = {512};
        CHECK_THAT(refusal(c, synthetic_shape(c.data)),
                   Contains("set training.batch_size (0 passes the whole training set at once) "
                            "or narrow the widest layer (model.hidden), or raise "
                            "limits.memory_mb"));
        c.training.batch_size = 32;
        CHECK_THAT(refusal(c, synthetic_shape(c.data)),
                   Contains("evaluation passes a whole split through the model at once, so "
                            "lower data.samples or narrow the widest layer (model.hidden)"));
        c.data.samples = 10;
        c.model.hidden = {512, 512};
        CHECK_THAT(refusal(c, synthetic_shape(c.data)),
                   Contains("parameters 5.1 MiB") &&
                       Contains("use narrower or fewer layers (model.hidden)"));
    }
}

TEST_CASE("The synthetic shapes are those make_synthetic gives", "[train][memory]") {
    for (const std::string& kind : data::synthetic_kinds()) {
        DataConfig config;
        config.kind = kind;
        config.samples = 12;
        config.classes = 4;
        Generator gen(1);
        const DataShape made = shape_of(
            data::make_synthetic({.kind = kind, .samples = 12, .noise = 0.1f, .classes = 4}, gen));
        const DataShape expected = synthetic_shape(config);
        INFO(kind);
        CHECK(made.samples == expected.samples);
        CHECK(made.features == expected.features);
        CHECK(made.target_columns == expected.target_columns);
        CHECK(made.classes == expected.classes);
    }
}

TEST_CASE("A CSV file is sized before it is read", "[train][memory]") {
    test::TempDir dir;
    DataConfig config;
    config.kind = "csv";
    config.path = dir.path() / "d.csv";

    write(config.path, "x1,x2,label\n1.5,2,0\n3,4.25,1\n5,6,2\n");
    std::optional<DataShape> bound = csv_shape_bound(config);
    REQUIRE(bound);
    CHECK(bound->samples == 6);  // 35 bytes, rows of 3 cells: at most 6 rows
    CHECK(bound->features == 2);
    CHECK(bound->classes == 2);  // the fewest; the labels are not read
    std::optional<DataShape> counted = csv_shape_counted(config);
    REQUIRE(counted);
    CHECK(counted->samples == 3);
    CHECK(shape_of(data::load_csv({.path = config.path, .target = "label"})).samples == 3);

    // The shortest cells make the bound exact; a missing last newline counts.
    config.header = false;
    config.task = data::Task::regression;
    write(config.path, "0,1\n2,3\n4,5");
    bound = csv_shape_bound(config);
    counted = csv_shape_counted(config);
    REQUIRE(bound);
    REQUIRE(counted);
    CHECK(bound->samples == 3);
    CHECK(counted->samples == 3);
    CHECK(counted->classes == 0);

    // What the CSV reader refuses is left to it to explain.
    write(config.path, "label\n0\n1\n");
    CHECK_FALSE(csv_shape_bound(config));
    write(config.path, "\n1,2\n");
    CHECK_FALSE(csv_shape_counted(config));
    config.path = dir.path() / "missing.csv";
    CHECK_FALSE(csv_shape_bound(config));
    CHECK_FALSE(csv_shape_counted(config));
    config.path = dir.path();
    CHECK_FALSE(csv_shape_bound(config));
}
