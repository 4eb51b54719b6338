// What a compare run sends from another MPI rank to rank 0 (wire.hpp) reads
// back to the same bits, and bytes that do not read back are refused.

#include <catch2/catch.hpp>

#include "support/cli.hpp"
#include "tinynn/cli/config.hpp"
#include "tinynn/error.hpp"
#include "wire.hpp"

using namespace tinynn;
using namespace tinynn::experiment;
using Catch::Matchers::Contains;

TEST_CASE("A compare run's epochs and outcome read back from bytes bit for bit",
          "[compare][wire]") {
    // 2-D classification (a decision boundary), a probe, early stopping's
    // fields: every part of an outcome is filled in.
    Config config = cli::load_config(test::repo_path("configs/lab/ioffe_batchnorm.yaml"));
    config.compare.seeds = {1};  // two grid points of 30 epochs
    std::vector<std::string> outcomes, epochs;
    run_compare(
        config,
        {.jobs = 1,
         .on_epoch = [&](size_t, const EpochMetrics& m) { epochs.push_back(wire::to_bytes(m)); },
         .on_run_in_order = [&](const RunOutcome& r) { outcomes.push_back(wire::to_bytes(r)); }});
    REQUIRE(outcomes.size() == 2);
    REQUIRE(epochs.size() == 60);
    for (const std::string& bytes : outcomes) {
        const RunOutcome back = wire::run_from(bytes);
        CHECK(wire::to_bytes(back) == bytes);
        CHECK(back.curve.size() == 30);
        REQUIRE(back.first_epoch);
        REQUIRE(back.first_epoch->diagnostics);
        CHECK(back.first_epoch->diagnostics->activations.front().probe.has_value());
    }
    CHECK(wire::run_from(outcomes[0]).boundary.has_value());
    for (const std::string& bytes : epochs)
        CHECK(wire::to_bytes(wire::epoch_from(bytes)) == bytes);

    // Cut short or with bytes to spare: refused.
    CHECK_THROWS_WITH(wire::run_from(std::string_view(outcomes[0]).substr(0, 100)),
                      Contains("ends early"));
    CHECK_THROWS_WITH(wire::epoch_from(epochs[0] + "x"), Contains("left over"));
    CHECK_THROWS_AS(wire::epoch_from(""), Error);
}
