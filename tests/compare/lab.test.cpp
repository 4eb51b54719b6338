// The experiments of configs/lab reproduce, at toy scale, what the papers
// they follow found (configs/lab/README.md).

#include <algorithm>
#include <cmath>
#include <map>

#include <catch2/catch.hpp>

#include "summary.hpp"
#include "support/cli.hpp"
#include "tinynn/cli/config.hpp"
#include "tinynn/experiment/runs.hpp"

using namespace tinynn;
using namespace tinynn::experiment;
using namespace tinynn::test;

namespace {

// The runs of the lab experiment `name`, and each (grid point, activation)
// row of its summary by its name.
struct Lab {
    CompareSummary runs;
    std::map<std::string, ActivationSummary> rows;

    ActivationSummary& operator[](const std::string& row) { return rows[row]; }
    size_t size() const { return rows.size(); }
    // The mean over seeds of compare.csv's `column` for `row` at `epoch`.
    double at(const std::string& row, const std::string& column, int64_t epoch) const {
        const Curve c = runs.curve(row, column);
        const auto it = std::find(c.epoch.begin(), c.epoch.end(), static_cast<double>(epoch));
        REQUIRE(it != c.epoch.end());
        return c.mean[static_cast<size_t>(it - c.epoch.begin())];
    }
};

Lab run_lab(const std::string& name) {
    const Config config = cli::load_config(repo_path("configs/lab/" + name + ".yaml"));
    Lab lab{CompareSummary(grid_labels(config)), {}};
    run_compare(config,
                {.jobs = 2, .on_run_in_order = [&](const RunOutcome& r) { lab.runs.add(r); }});
    for (ActivationSummary& s : lab.runs.summaries())
        lab.rows[s.activation] = s;
    return lab;
}

double last_over_first(const ActivationSummary& s) {
    return s.last_grad_end->mean / s.first_grad_end->mean;
}

}  // namespace

TEST_CASE("he_depth: deep ReLU nets train with Kaiming's init and stall with a smaller one",
          "[compare][lab]") {
    auto s = run_lab("he_depth");
    REQUIRE(s.size() == 4);
    const std::string deep =
        "[32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, "
        "32, 32, 32]";
    const ActivationSummary& shallow_default =
        s["relu (model.init=default, model.hidden=[32, 32])"];
    const ActivationSummary& shallow_kaiming =
        s["relu (model.init=kaiming_uniform, model.hidden=[32, 32])"];
    const ActivationSummary& deep_default =
        s["relu (model.init=default, model.hidden=" + deep + ")"];
    const ActivationSummary& deep_kaiming =
        s["relu (model.init=kaiming_uniform, model.hidden=" + deep + ")"];
    // Shallow, both inits train.
    CHECK(shallow_default.train_loss->mean < 0.15);
    CHECK(shallow_kaiming.train_loss->mean < 0.15);
    // Deep, the smaller init stays at chance (ln 2 = 0.693 on two classes),
    // its first layer starved of gradient; Kaiming's trains.
    CHECK(deep_default.train_loss->mean > 0.68);
    CHECK(last_over_first(deep_default) > 1e4);
    CHECK(deep_kaiming.diverged == 0);
    CHECK(deep_kaiming.train_loss->mean < 0.1);
    CHECK(last_over_first(deep_kaiming) < 100);
}

TEST_CASE("ioffe_batchnorm: BatchNorm before each sigmoid lets a 3x100 sigmoid MLP train",
          "[compare][lab]") {
    auto s = run_lab("ioffe_batchnorm");
    REQUIRE(s.size() == 2);
    const ActivationSummary& plain = s["sigmoid (model.batchnorm=false)"];
    const ActivationSummary& normalised = s["sigmoid (model.batchnorm=true)"];
    // Without it the network stays at chance on three classes (ln 3 = 1.099).
    CHECK(plain.best_loss->mean > 1.09);
    CHECK(normalised.best_loss->mean < 0.8);
    CHECK(normalised.best_loss->mean < plain.best_loss->mean - 0.3);
    // Fig. 1 (b, c): the last hidden layer's first unit's input (15th, 50th
    // and 85th percentiles on the probe). Without BatchNorm its median drifts
    // deep into the sigmoid's flat negative side and every row gives the
    // unit the same input; with it the median stays near 0 and the rows
    // stay spread.
    const std::string plain_row = "sigmoid (model.batchnorm=false)";
    const std::string normalised_row = "sigmoid (model.batchnorm=true)";
    const auto median = [&](const std::string& row, const std::string& layer, int64_t epoch) {
        return s.at(row, "unit0_input_p50." + layer, epoch);
    };
    const auto spread = [&](const std::string& row, const std::string& layer, int64_t epoch) {
        return s.at(row, "unit0_input_p85." + layer, epoch) -
               s.at(row, "unit0_input_p15." + layer, epoch);
    };
    // The last sigmoid is module 5 without BatchNorm, 8 with it.
    CHECK(std::abs(median(plain_row, "5", 30) - median(plain_row, "5", 1)) > 1.5);
    CHECK(spread(plain_row, "5", 30) < 0.1);
    CHECK(std::abs(median(normalised_row, "8", 30)) < 0.5);
    CHECK(spread(normalised_row, "8", 30) > 0.5);
}

TEST_CASE("glorot_saturation: a deep sigmoid MLP drives its top hidden layer to 0 early",
          "[compare][lab]") {
    auto s = run_lab("glorot_saturation");
    REQUIRE(s.size() == 2);
    // Fig. 2, on the 8x8 digits: the top hidden layer (module 7) is pushed
    // against 0 within ten epochs, the first two stay around 0.5, and the
    // loss stays at chance on ten classes (ln 10 = 2.303).
    CHECK(s.at("sigmoid", "probe_p98.7", 10) < 0.06);
    CHECK(s.at("sigmoid", "probe_p98.7", 30) < 0.03);
    for (const int64_t epoch : {1, 10, 30})
        for (const std::string layer : {"1", "3"}) {
            INFO("epoch " << epoch << ", layer " << layer);
            CHECK(s.at("sigmoid", "probe_p50." + layer, epoch) > 0.4);
            CHECK(s.at("sigmoid", "probe_p50." + layer, epoch) < 0.65);
        }
    CHECK(s["sigmoid"].train_loss->mean > 2.25);
    CHECK(s["sigmoid"].test_accuracy->mean < 0.15);
    // tanh, symmetric around 0, keeps its top layer centred, and trains.
    CHECK(std::abs(s.at("tanh", "probe_p50.7", 30)) < 0.1);
    CHECK(s["tanh"].test_accuracy->mean > 0.95);
}

TEST_CASE("glorot_init: the standard init shrinks tanh outputs with depth, a normalised one not",
          "[compare][lab]") {
    auto s = run_lab("glorot_init");
    REQUIRE(s.size() == 2);
    const std::string standard = "tanh (model.init=default)";
    const std::string normalised = "tanh (model.init=xavier_uniform)";
    // Fig. 6: after the first epoch, the 5th hidden layer's (module 9)
    // outputs spread far less than the 1st's under the standard init, and
    // about as much under the normalised one.
    CHECK(s.at(standard, "probe_std.9", 1) < 0.3 * s.at(standard, "probe_std.1", 1));
    CHECK(s.at(normalised, "probe_std.9", 1) > 0.8 * s.at(normalised, "probe_std.1", 1));
    // Table 1: the normalised init trains better.
    CHECK(s[normalised].train_loss->mean < 0.5 * s[standard].train_loss->mean);
    CHECK(s[normalised].test_accuracy->mean > s[standard].test_accuracy->mean);
}

TEST_CASE("clevert_elu: ELU's mean activations are nearer zero than ReLU's", "[compare][lab]") {
    auto s = run_lab("clevert_elu");
    REQUIRE(s.size() == 2);
    CHECK(std::abs(s["elu"].first_mean_end->mean) < 0.25 * s["relu"].first_mean_end->mean);
    CHECK(std::abs(s["elu"].last_mean_end->mean) < s["relu"].last_mean_end->mean);
    CHECK(s["elu"].test_accuracy->mean > 0.95);
}

TEST_CASE("identity_depth: a deep identity network is logistic regression", "[compare][lab]") {
    auto s = run_lab("identity_depth");
    REQUIRE(s.size() == 4);
    const std::string deep = " (model.hidden=[32, 32, 32, 32, 32, 32])";
    const ActivationSummary& logistic = s["identity (model.hidden=[])"];
    const ActivationSummary& deep_identity = s["identity" + deep];
    const ActivationSummary& deep_tanh = s["tanh" + deep];
    // Six layers deep, the identity network ends where no hidden layer does.
    CHECK(std::abs(deep_identity.final_loss->mean - logistic.final_loss->mean) < 0.03);
    CHECK(deep_identity.test_accuracy->mean < 0.92);
    CHECK(deep_tanh.final_loss->mean < 0.05);
    CHECK(deep_tanh.test_accuracy->mean > 0.98);
}
