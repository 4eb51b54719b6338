// compare's summary folded from the runs one at a time (issue 18): diverged
// runs are counted, never averaged; a statistic over no value prints "—";
// the curves keep at most kCurvePoints epochs of a run.

#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "compare_files.hpp"
#include "summary.hpp"
#include "tinynn/experiment/runs.hpp"

using namespace tinynn;
using namespace tinynn::experiment;
using Catch::Matchers::Contains;

namespace {

// A run of `activation` whose epochs 1..last have these train losses.
RunOutcome run_of(nn::Activation activation, uint64_t seed, const std::vector<double>& losses,
                  std::optional<int64_t> diverged_at = std::nullopt) {
    RunOutcome r;
    r.spec = {activation, seed};
    for (size_t i = 0; i < losses.size(); ++i) {
        EpochMetrics m;
        m.epoch = static_cast<int64_t>(i + 1);
        m.train_loss = losses[i];
        m.test_loss = losses[i] * 2;
        if (i == 0)
            r.first_epoch = m;
        r.curve.push_back(m);
        r.result.history = {m};
    }
    r.result.diverged_at = diverged_at;
    return r;
}

Config config_of(const std::vector<nn::Activation>& activations) {
    Config c;
    c.name = "fold";
    c.compare.activations = activations;
    return c;
}

}  // namespace

TEST_CASE("Diverged runs are counted and left out of the means and curves", "[compare][summary]") {
    CompareSummary summary;
    summary.add(run_of(nn::Activation::tanh, 1, {1.0, 0.5}));
    summary.add(run_of(nn::Activation::tanh, 2, {1.0, 0.3}));
    // Its last finite epoch had a huge loss: averaged in, it would swamp the others.
    summary.add(run_of(nn::Activation::tanh, 3, {1.0, 1e30}, 3));
    const std::vector<ActivationSummary> s = summary.summaries();
    REQUIRE(s.size() == 1);
    CHECK(s[0].runs == 3);
    CHECK(s[0].diverged == 1);
    REQUIRE(s[0].train_loss);
    CHECK(s[0].train_loss->n == 2);
    CHECK(s[0].train_loss->mean == Approx(0.4));
    CHECK(s[0].train_loss->std == Approx(std::sqrt(0.02)));
    CHECK(s[0].test_loss->max == Approx(1.0));
    const Curve c = summary.curve("tanh", "train_loss");
    CHECK(c.epoch == std::vector<double>{1, 2});
    CHECK(c.high[1] == Approx(0.5));
    CHECK(summary.runs() == 3);
    CHECK(summary.diverged() == 1);
}

TEST_CASE("An activation whose every run diverged prints no number", "[compare][summary]") {
    const Config config = config_of({nn::Activation::relu, nn::Activation::tanh});
    CompareSummary summary;
    summary.add(run_of(nn::Activation::relu, 1, {}, 1));
    summary.add(run_of(nn::Activation::relu, 2, {2.0, 1e38}, 3));
    summary.add(run_of(nn::Activation::tanh, 1, {}, 1));
    summary.add(run_of(nn::Activation::tanh, 2, {}, 1));
    const auto summaries = summary.summaries();
    const auto lines = findings(summaries, std::nullopt, 5);
    const std::string md = summary_markdown(config, summaries, lines);
    CHECK_THAT(md, Contains("| relu | — (2 diverged) | — | — |"));
    CHECK_THAT(md, Contains("No run ended without diverging"));
    CHECK_THAT(md, Contains("relu: 2 of 2 runs diverged"));
    for (const char* bad : {"nan", "NaN", "inf", "n/a"})
        CHECK_THAT(md, !Contains(bad));
    CHECK(summary.curve("relu", "train_loss").epoch.empty());
}

TEST_CASE("Statistics fold one value at a time and print non-finite values as none",
          "[compare][summary]") {
    Accumulator a;
    CHECK_FALSE(a.stat());
    for (const double v : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0})
        a.add(v);
    const Stat s = *a.stat();
    CHECK(s.n == 8);
    CHECK(s.mean == 5);
    CHECK(s.std == Approx(std::sqrt(32.0 / 7)));
    CHECK(s.min == 2);
    CHECK(s.max == 9);
    CHECK(format_number(NAN) == kNoValue);
    CHECK(format_number(-INFINITY) == kNoValue);
    CHECK(format_number(std::nullopt) == kNoValue);
    CHECK(format_stat(Stat{.mean = 1, .std = NAN, .n = 2}) == std::string("1 ± ") + kNoValue);
    CHECK(format_percent(Stat{.mean = NAN, .n = 1}) == kNoValue);
}

TEST_CASE("A run's curve keeps every epoch up to kCurvePoints, then that many",
          "[compare][summary]") {
    for (const int64_t epochs : {int64_t{1}, int64_t{7}, kCurvePoints}) {
        int64_t kept = 0;
        for (int64_t e = 1; e <= epochs; ++e)
            kept += on_curve(e, epochs);
        CHECK(kept == epochs);
    }
    for (const int64_t epochs : {kCurvePoints + 1, int64_t{1000}, int64_t{10'000'000}}) {
        INFO(epochs);
        std::vector<int64_t> kept;
        // Walking ten million epochs takes a while: the grid's neighbourhoods suffice.
        const int64_t step = std::max<int64_t>(1, (epochs - 1) / (kCurvePoints - 1));
        for (int64_t k = 0; k < kCurvePoints; ++k) {
            const int64_t centre = 1 + k * (epochs - 1) / (kCurvePoints - 1);
            for (int64_t e = std::max<int64_t>(1, centre - step);
                 e <= std::min(epochs, centre + step); ++e)
                if (on_curve(e, epochs) && (kept.empty() || e > kept.back()))
                    kept.push_back(e);
        }
        CHECK(kept.size() == static_cast<size_t>(kCurvePoints));
        CHECK(kept.front() == 1);
        CHECK(kept.back() == epochs);
    }
}
