// The experiments of configs/lab reproduce, at toy scale, what the papers
// they follow found (configs/lab/README.md).

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

// Each (grid point, activation) row of the lab experiment `name`, by its name.
std::map<std::string, ActivationSummary> run_lab(const std::string& name) {
    const Config config = cli::load_config(repo_path("configs/lab/" + name + ".yaml"));
    CompareSummary runs(grid_labels(config));
    run_compare(config, {.jobs = 2, .on_run_in_order = [&](const RunOutcome& r) { runs.add(r); }});
    std::map<std::string, ActivationSummary> by_name;
    for (ActivationSummary& s : runs.summaries())
        by_name[s.activation] = s;
    return by_name;
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
