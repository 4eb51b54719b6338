// compare's summary folded from the runs one at a time (issue 18): diverged
// runs are counted, never averaged; a statistic over no value prints "—";
// the curves keep at most kCurvePoints epochs of a run. And its verdict
// (issue 14) on constructed runs: a tie, a clear winner, overfitting,
// vanishing gradients that persist or only show at the start, no test split.

#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "compare_files.hpp"
#include "summary.hpp"
#include "support/cli.hpp"
#include "tinynn/experiment/runs.hpp"

using namespace tinynn;
using namespace tinynn::experiment;
using Catch::Matchers::Contains;
using tinynn::test::lines_of;

namespace {

// A run of `activation` whose epochs 1..last have these train losses, test
// losses (none: no test split) and last-over-first-layer gradient ratios
// (none: no diagnostics), kept as run_compare keeps them.
RunOutcome run_with(nn::Activation activation, uint64_t seed, const std::vector<double>& train,
                    const std::vector<double>& test, const std::vector<double>& grad_ratios = {}) {
    RunOutcome r;
    r.spec = {activation, seed};
    for (size_t i = 0; i < train.size(); ++i) {
        EpochMetrics m;
        m.epoch = static_cast<int64_t>(i + 1);
        m.train_loss = train[i];
        if (!test.empty())
            m.test_loss = test[i];
        if (!grad_ratios.empty())
            m.diagnostics =
                EpochDiagnostics{.grad_norms = {{"0.weight", 1.0}, {"2.weight", grad_ratios[i]}},
                                 .activations = {},
                                 .dead_fraction = std::nullopt,
                                 .saturated_fraction = std::nullopt};
        r.add_epoch(m, static_cast<int64_t>(train.size()), std::nullopt);
        r.result.history = {m};
    }
    return r;
}

// A run whose test loss is twice its train loss at every epoch.
RunOutcome run_of(nn::Activation activation, uint64_t seed, const std::vector<double>& losses,
                  std::optional<int64_t> diverged_at = std::nullopt) {
    std::vector<double> test;
    for (const double loss : losses)
        test.push_back(loss * 2);
    RunOutcome r = run_with(activation, seed, losses, test);
    r.result.diverged_at = diverged_at;
    return r;
}

// The summaries of `runs` folded in order, and their findings over `epochs`.
struct Folded {
    std::vector<ActivationSummary> summaries;
    std::vector<std::string> lines;
    std::string text;  // the lines, one per line
    std::string csv;   // summary.csv
};

Folded fold(const std::vector<RunOutcome>& runs, int64_t epochs) {
    CompareSummary summary;
    for (const RunOutcome& r : runs)
        summary.add(r);
    Folded f;
    f.summaries = summary.summaries();
    f.lines = findings(f.summaries, summary.has_test(), std::nullopt, epochs);
    for (const std::string& line : f.lines)
        f.text += line + '\n';
    f.csv = summary_csv(Config{}, f.summaries, summary.has_test());
    return f;
}

const ActivationSummary& row(const Folded& f, const std::string& activation) {
    for (const ActivationSummary& s : f.summaries)
        if (s.activation == activation)
            return s;
    FAIL("no row " << activation);
    throw;
}

// Flat curves ending at `final` (train loss half of it), one per seed.
std::vector<RunOutcome> flat_runs(nn::Activation activation, const std::vector<double>& finals) {
    std::vector<RunOutcome> runs;
    for (size_t k = 0; k < finals.size(); ++k) {
        const double f = finals[k];
        runs.push_back(run_with(activation, k + 1, {1.0, 0.8, 0.6, f / 2}, {2.0, 1.6, 1.2, f}));
    }
    return runs;
}

std::vector<RunOutcome> joined(std::vector<RunOutcome> a, const std::vector<RunOutcome>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
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
    const auto lines = findings(summaries, summary.has_test(), std::nullopt, 5);
    const std::string md = summary_markdown(config, summaries, lines);
    CHECK_THAT(md, Contains("| relu | — (2 diverged) | — | — |"));
    CHECK_THAT(md, Contains("No run ended without diverging"));
    CHECK_THAT(md, Contains("relu: 2 of 2 runs diverged"));
    for (const char* bad : {"nan", "NaN", "inf", "n/a"})
        CHECK_THAT(md, !Contains(bad));
    CHECK(summary.curve("relu", "train_loss").epoch.empty());
    // Nothing to rank: every cell after the counts is empty.
    const auto csv = lines_of(summary_csv(Config{}, summaries, summary.has_test()));
    REQUIRE(csv.size() == 3);
    CHECK(csv[1] == "relu,2,2,test_loss" + std::string(12, ',') + ",0");
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

TEST_CASE("Activations whose seeds overlap cannot be told apart, and share the tie mark",
          "[compare][summary][verdict]") {
    // p = 0.34 between the two (tests/compare/welch.test.cpp).
    const Folded f = fold(joined(flat_runs(nn::Activation::tanh, {0.31, 0.36, 0.40}),
                                 flat_runs(nn::Activation::relu, {0.30, 0.32, 0.35})),
                          4);
    INFO(f.text);
    const ActivationSummary& relu = row(f, "relu");
    const ActivationSummary& tanh = row(f, "tanh");
    CHECK(relu.final_place.rank == 1);
    CHECK(tanh.final_place.rank == 2);
    REQUIRE(tanh.final_place.p);
    CHECK(*tanh.final_place.p == Approx(0.341822).margin(1e-5));
    CHECK(tanh.final_place.tied_with_first == true);
    CHECK(relu.final_losses == std::vector<double>{0.30, 0.32, 0.35});
    CHECK_THAT(f.text, Contains("By final test loss, mean over the seeds (lower is better): "
                                "relu 0.323 ± 0.025, tanh 0.357 ± 0.045."));
    CHECK_THAT(f.text,
               Contains("relu and tanh cannot be told apart over 3 seeds (Welch's t-test, p = "
                        "0.34)."));
    CHECK_THAT(f.text, !Contains("Lowest final"));
    CHECK_THAT(f.text, !Contains("ahead of"));
    // Both rows tied with the first in summary.csv: rank 1 and rank 2 (tied).
    const auto lines = lines_of(f.csv);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] ==
          "activation,runs,diverged,loss,final_mean,final_std,best_mean,best_std,best_epoch_mean,"
          "best_epoch_std,rank,p_vs_first,tied_with_first,best_rank,best_p_vs_first,"
          "best_tied_with_first,overfitted_runs");
    CHECK(lines[1].starts_with("tanh,3,0,test_loss,"));
    CHECK_THAT(lines[1], Contains(",2,0.3418"));
    CHECK(lines[1].ends_with(",true,0"));
    CHECK(lines[2].starts_with("relu,3,0,test_loss,"));
    CHECK_THAT(lines[2], Contains(",4,0,1,,true,1,,true,0"));
}

TEST_CASE("A clear winner is ranked first and not tied", "[compare][summary][verdict]") {
    const Folded f = fold(joined(flat_runs(nn::Activation::sigmoid, {0.20, 0.25, 0.22, 0.30, 0.21}),
                                 flat_runs(nn::Activation::relu, {0.10, 0.11, 0.12, 0.10, 0.13})),
                          4);
    INFO(f.text);
    const ActivationSummary& sigmoid = row(f, "sigmoid");
    CHECK(row(f, "relu").final_place.rank == 1);
    CHECK(sigmoid.final_place.rank == 2);
    CHECK(*sigmoid.final_place.p == Approx(0.00143579).margin(1e-7));
    CHECK(sigmoid.final_place.tied_with_first == false);
    CHECK_THAT(f.text, Contains("relu is first beyond the spread over seeds: Welch's t-test at "
                                "5 % tells it apart from sigmoid (p = 0.0014)."));
    CHECK_THAT(f.text, !Contains("cannot be told apart"));
    const auto lines = lines_of(f.csv);
    CHECK_THAT(lines[1], Contains(",2,0.00143") && Contains(",false,"));
}

TEST_CASE("One seed ranks without a test, and says so", "[compare][summary][verdict]") {
    const Folded f = fold(
        joined(flat_runs(nn::Activation::tanh, {0.4}), flat_runs(nn::Activation::relu, {0.3})), 4);
    INFO(f.text);
    CHECK(row(f, "tanh").final_place.rank == 2);
    CHECK_FALSE(row(f, "tanh").final_place.p);
    CHECK_FALSE(row(f, "tanh").final_place.tied_with_first);
    CHECK_THAT(f.text, Contains("no spread to test against") &&
                           Contains("whether relu is ahead of tanh may not hold for other seeds"));
    CHECK_THAT(f.text, !Contains("cannot be told apart") && !Contains("beyond the spread"));
    // Untested: neither tied nor apart.
    CHECK(lines_of(f.csv)[1].ends_with(",2,,,2,,,0"));
}

TEST_CASE("A run whose test loss rose after an early best is called out as overfitting",
          "[compare][summary][verdict]") {
    // Best at epoch 3 of 10, then 50 % up; the train loss keeps falling.
    const std::vector<double> train{1, .8, .6, .5, .4, .3, .2, .15, .1, .05};
    const std::vector<double> rising{1, .6, .4, .42, .45, .48, .5, .53, .56, .6};
    const std::vector<double> falling{1, .9, .8, .7, .6, .5, .45, .42, .41, .4};
    const Folded f = fold({run_with(nn::Activation::tanh, 1, train, rising),
                           run_with(nn::Activation::tanh, 2, train, rising),
                           run_with(nn::Activation::relu, 1, train, falling),
                           run_with(nn::Activation::relu, 2, train, falling)},
                          10);
    INFO(f.text);
    const ActivationSummary& tanh = row(f, "tanh");
    CHECK(tanh.overfitted == 2);
    CHECK(tanh.best_epoch->mean == 3);
    CHECK(tanh.best_loss->mean == Approx(0.4));
    CHECK(tanh.final_loss->mean == Approx(0.6));
    CHECK(row(f, "relu").overfitted == 0);
    CHECK(row(f, "relu").best_epoch->mean == 10);
    CHECK_THAT(f.text, Contains("tanh overfits in 2 of 2 seeds: its test loss was lowest at epoch "
                                "3 of 10 on average, and ended 50 % above that best"));
    CHECK_THAT(f.text, !Contains("relu overfits"));
    // Ranked at the end relu is ahead; at the best epoch it is tanh.
    CHECK(row(f, "relu").final_place.rank == 1);
    CHECK(tanh.best_place.rank == 1);
    CHECK(lines_of(f.csv)[1].ends_with(",2"));
    // A best epoch late in the run, or a small rise, is not overfitting.
    CHECK(overfitted({.epoch = 3, .loss = 0.4}, 10, 0.6));
    CHECK_FALSE(overfitted({.epoch = 8, .loss = 0.4}, 10, 0.6));
    CHECK_FALSE(overfitted({.epoch = 3, .loss = 0.4}, 10, 0.43));
}

TEST_CASE("Vanishing gradients are claimed only when the ratio persists",
          "[compare][summary][verdict]") {
    const std::vector<double> loss{1, .8, .6, .5, .4, .3, .2, .1};
    // At epoch 1 the last layer gets 90x the first's gradient, at the end 0.8x.
    const std::vector<double> start_only{90, 60, 30, 10, 5, 2, 1, 0.8};
    // 90x, and still 20x or more through the last quarter (epochs 7 and 8).
    const std::vector<double> persisting{90, 80, 60, 40, 30, 25, 20, 22};
    const Folded f = fold({run_with(nn::Activation::tanh, 1, loss, loss, start_only),
                           run_with(nn::Activation::tanh, 2, loss, loss, start_only),
                           run_with(nn::Activation::sigmoid, 1, loss, loss, persisting),
                           run_with(nn::Activation::sigmoid, 2, loss, loss, persisting)},
                          8);
    INFO(f.text);
    CHECK(row(f, "tanh").late_ratio_runs == 2);
    CHECK(row(f, "tanh").vanishing_late == 0);
    CHECK(row(f, "sigmoid").vanishing_late == 2);
    CHECK_THAT(
        f.text,
        Contains("Vanishing gradients for sigmoid (persisting in 2 of 2 seeds): the ratio stayed "
                 "at least 10× through the last quarter of training"));
    CHECK_THAT(f.text,
               !Contains("Vanishing gradients for tanh") &&
                   !Contains("Vanishing gradients for sigmoid (persisting in 2 of 2 seeds), tanh"));
    CHECK_THAT(
        f.text,
        Contains("The ratio was at least 10× at epoch 1 for tanh (persisting in 0 of 2 seeds) but "
                 "did not stay there"));
    // One late epoch under the threshold breaks the persistence.
    const Folded dip = fold(
        {run_with(nn::Activation::sigmoid, 1, loss, loss, {90, 80, 60, 40, 30, 25, 9, 22})}, 8);
    CHECK(row(dip, "sigmoid").vanishing_late == 0);
    CHECK_THAT(dip.text, Contains("No activation shows vanishing gradients here."));
}

TEST_CASE("Without a test split the verdict ranks by train loss and says so",
          "[compare][summary][verdict]") {
    const Folded f = fold({run_with(nn::Activation::tanh, 1, {1, .5, .25}, {}),
                           run_with(nn::Activation::tanh, 2, {1, .5, .375}, {}),
                           run_with(nn::Activation::relu, 1, {1, .4, .9}, {}),
                           run_with(nn::Activation::relu, 2, {1, .4, .95}, {})},
                          3);
    INFO(f.text);
    CHECK_THAT(f.text, Contains("There is no test split (data.test_split: 0), so this ranks by "
                                "train loss"));
    CHECK_THAT(f.text, Contains("By final train loss, mean over the seeds"));
    CHECK_THAT(f.text, !Contains("test loss"));
    // A train loss that rises again is not called overfitting.
    CHECK(row(f, "relu").overfitted == 0);
    CHECK_THAT(f.text, !Contains("overfits"));
    const auto lines = lines_of(f.csv);
    CHECK(lines[1].starts_with("tanh,2,0,train_loss,0.3125,"));
    // No overfitting count without held-out data.
    CHECK(lines[1].ends_with(","));
}

TEST_CASE("The summary keeps the first seed's probe histograms at up to kHistogramEpochs epochs",
          "[compare][summary][probe]") {
    const auto run = [](uint64_t seed, double firing) {
        RunOutcome r;
        r.spec = {nn::Activation::relu, seed};
        const int64_t epochs = 150;
        for (int64_t e = 1; e <= epochs; ++e) {
            ActivationStats layer;
            layer.layer = "1";
            layer.kind = nn::Activation::relu;
            layer.probe = ProbeStats{};
            layer.probe->outputs = {.low = 0, .high = static_cast<double>(e), .counts = {1, 2}};
            layer.probe->firing = {0.0, firing, 1.0};
            EpochMetrics m;
            m.epoch = e;
            m.train_loss = 1;
            m.diagnostics = EpochDiagnostics{.grad_norms = {},
                                             .activations = {layer},
                                             .dead_fraction = std::nullopt,
                                             .saturated_fraction = std::nullopt};
            r.add_epoch(m, epochs, std::nullopt);
            r.result.history = {m};
        }
        return r;
    };
    CompareSummary summary;
    summary.add(run(1, 0.55));
    summary.add(run(2, 0.25));
    const std::vector<LayerHistograms>& layers = summary.histograms("relu");
    REQUIRE(layers.size() == 1);
    const LayerHistograms& h = layers[0];
    CHECK(h.layer == "1");
    REQUIRE(h.epochs.size() == kHistogramEpochs);
    CHECK(h.epochs.front() == 1);
    CHECK(h.epochs.back() == 150);
    CHECK(std::is_sorted(h.epochs.begin(), h.epochs.end()));
    REQUIRE(h.outputs.size() == kHistogramEpochs);
    CHECK(h.outputs.back().high == 150);
    // No gradients recorded: empty histograms in their place.
    REQUIRE(h.gradients.size() == kHistogramEpochs);
    CHECK(h.gradients.front().counts.empty());
    // Firing on [0, 1] in kFiringBins bins, the first seed's: 0, 0.55 and 1.
    const Histogram& firing = h.firing.front();
    CHECK(firing.low == 0);
    CHECK(firing.high == 1);
    REQUIRE(firing.counts.size() == static_cast<size_t>(kFiringBins));
    CHECK(firing.counts[0] == 1);
    CHECK(firing.counts[5] == 1);
    CHECK(firing.counts[kFiringBins - 1] == 1);
    CHECK(summary.histograms("tanh").empty());
}
