// The experiments of configs/compare still show what configs/compare/README.md
// says they show.

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

std::map<std::string, ActivationSummary> run_experiment(const std::string& name) {
    const Config config = cli::load_config(repo_path("configs/compare/" + name + ".yaml"));
    CompareSummary runs;
    run_compare(config, {.jobs = 2, .on_run_in_order = [&](const RunOutcome& r) { runs.add(r); }});
    std::map<std::string, ActivationSummary> by_name;
    for (ActivationSummary& s : runs.summaries())
        by_name[s.activation] = s;
    REQUIRE(by_name.size() == 4);
    return by_name;
}

double last_over_first(const ActivationSummary& s) {
    return s.last_grad_start->mean / s.first_grad_start->mean;
}

}  // namespace

TEST_CASE("shallow: every activation converges, ReLU and LeakyReLU fastest",
          "[compare][experiments]") {
    auto s = run_experiment("shallow");
    for (const auto& [name, summary] : s) {
        INFO(name);
        CHECK(summary.reached_target == summary.runs);
        CHECK(summary.test_accuracy->mean > 0.9);
    }
    CHECK(s["relu"].epochs_to_target->mean < s["tanh"].epochs_to_target->mean);
    CHECK(s["leaky_relu"].epochs_to_target->mean < s["tanh"].epochs_to_target->mean);
    CHECK(s["tanh"].epochs_to_target->mean < s["sigmoid"].epochs_to_target->mean);
}

TEST_CASE("deep: sigmoid's first layer gets orders of magnitude less gradient",
          "[compare][experiments]") {
    auto s = run_experiment("deep");
    CHECK(last_over_first(s["sigmoid"]) > 1e4);
    CHECK(last_over_first(s["tanh"]) < 10);
    CHECK(last_over_first(s["relu"]) < 10);
    CHECK(s["sigmoid"].reached_target == 0);
    CHECK(s["sigmoid"].test_accuracy->mean < 0.6);
    CHECK(s["relu"].reached_target == s["relu"].runs);
}

TEST_CASE("dead_relu: most ReLU units die and training stalls, LeakyReLU learns",
          "[compare][experiments]") {
    auto s = run_experiment("dead_relu");
    CHECK(s["relu"].dead_end->mean > 0.6);
    CHECK(s["relu"].train_loss->mean > 0.6);  // ln 2 = 0.69: chance on two classes
    CHECK(s["relu"].reached_target == 0);
    CHECK(s["leaky_relu"].train_loss->mean < 0.1);
    CHECK(s["leaky_relu"].test_accuracy->mean > 0.95);
    CHECK(s["leaky_relu"].dead_end->mean < s["relu"].dead_end->mean);
}
