// fit() records finite epochs only (issue 18): an epoch that leaves any
// number NaN or infinite — a weight, the train or test loss, a diagnostic —
// diverged, and training ends on the weights of the last finite epoch. And
// the history a run keeps can be its last epoch alone, the others written out.

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "tinynn/experiment/run_files.hpp"
#include "tinynn/experiment/trainer.hpp"

using namespace tinynn;
using namespace tinynn::experiment;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

data::Dataset sums(float scale) {
    data::Dataset d;
    d.features = Tensor({0, 0, 1, 0, 0, 1, 1, 1}, {4, 2});
    d.targets = Tensor({0, scale, scale, 2 * scale}, {4, 1});
    return d;
}

// y = scale (x1 + x2) on four points, a Linear(2, 1) to fit it, plain SGD on
// the whole set at once; the same initial weights every time.
struct Setup {
    explicit Setup(float lr = 0.05f, float scale = 1)
        : model((manual_seed(1), nn::Linear(2, 1))),
          optimizer(model.parameters(), {.lr = lr}),
          loader(sums(scale), 0, false, 1) {}

    nn::Linear model;
    optim::SGD optimizer;
    data::DataLoader loader;

    TrainResult fit(const FitOptions& options, std::span<Callback* const> callbacks = {}) {
        return experiment::fit(
            model, optimizer, loader,
            [](const Tensor& out, const Tensor& y) { return nn::functional::mse_loss(out, y); },
            options, callbacks);
    }
    std::vector<float> weights() const {
        std::vector<float> values;
        for (const Tensor& p : model.parameters())
            for (Eigen::Index i = 0; i < p.matrix().size(); ++i)
                values.push_back(p.matrix().data()[i]);
        return values;
    }
};

// Sets one diagnostic of epoch `at` to `value`, as a faulty callback could.
class BadDiagnostic : public Callback {
  public:
    BadDiagnostic(int64_t at, double value) : at_(at), value_(value) {}
    void on_epoch_end(EpochMetrics& m, TrainState&) override {
        EpochDiagnostics d;
        d.grad_norms = {{"0.weight", m.epoch == at_ ? value_ : 1}};
        m.diagnostics = d;
    }

  private:
    int64_t at_;
    double value_;
};

}  // namespace

TEST_CASE("A non-finite test loss or accuracy is divergence, with the last finite weights",
          "[train][divergence]") {
    for (const auto& [what, loss, accuracy] :
         {std::tuple{"NaN test loss", kNaN, 0.5}, std::tuple{"infinite test loss", kInf, 0.5},
          std::tuple{"NaN test accuracy", 1.0, kNaN}}) {
        INFO(what);
        Setup s;
        std::vector<float> after_two;
        int64_t validated = 0;
        // Epochs 1 and 2 are finite; the test split overflows at epoch 3.
        const TrainResult r =
            s.fit({.epochs = 5, .validate = [&, loss = loss, accuracy = accuracy] {
                       if (++validated == 2)
                           after_two = s.weights();
                       return validated == 3 ? Evaluation{.loss = loss, .accuracy = accuracy}
                                             : Evaluation{.loss = 1, .accuracy = 0.5};
                   }});
        CHECK(r.diverged_at == 3);
        REQUIRE(r.history.size() == 2);
        CHECK(r.history.back().epoch == 2);
        CHECK(s.weights() == after_two);
    }
}

TEST_CASE("A non-finite diagnostic is divergence and is never recorded", "[train][divergence]") {
    for (const double bad : {kNaN, kInf, -kInf}) {
        Setup s;
        BadDiagnostic diagnostic(2, bad);
        Callback* callbacks[] = {&diagnostic};
        std::vector<EpochMetrics> recorded;
        const TrainResult r =
            s.fit({.epochs = 4,
                   .recording = {.record = [&](const EpochMetrics& m) { recorded.push_back(m); }}},
                  callbacks);
        CHECK(r.diverged_at == 2);
        REQUIRE(recorded.size() == 1);
        CHECK(recorded[0].epoch == 1);
        CHECK(r.history.size() == 1);
    }
}

TEST_CASE("Weights that overflow in an epoch's last step are not kept", "[train][divergence]") {
    // The repro: y = 1e6 x at a learning rate of 1e33.
    Setup s(1e33f, 1e6f);
    const std::vector<float> initial = s.weights();
    // batch_size 0: the epoch's one loss is taken before its one step, which
    // overflows the weights.
    const TrainResult r = s.fit({.epochs = 3});
    CHECK(r.diverged_at == 1);
    CHECK(r.history.empty());
    CHECK(s.weights() == initial);
}

TEST_CASE("History::last_epoch keeps one epoch and records every one", "[train][divergence]") {
    Setup every, last;
    const TrainResult all = every.fit({.epochs = 6});
    std::vector<EpochMetrics> recorded;
    const TrainResult one =
        last.fit({.epochs = 6,
                  .recording = {.record = [&](const EpochMetrics& m) { recorded.push_back(m); },
                                .history = History::last_epoch}});
    REQUIRE(all.history.size() == 6);
    REQUIRE(one.history.size() == 1);
    CHECK(one.history.back().epoch == 6);
    CHECK(one.history.back().train_loss == all.history.back().train_loss);
    REQUIRE(recorded.size() == 6);
    for (size_t i = 0; i < 6; ++i)
        CHECK(recorded[i].train_loss == all.history[i].train_loss);
    CHECK(every.weights() == last.weights());
}

TEST_CASE("The run files refuse to write a number that is not finite", "[train][divergence]") {
    std::string out;
    append_number(out, 0.25);
    CHECK(out == "0.25");
    for (const double bad : {kNaN, kInf, -kInf})
        CHECK_THROWS_AS(append_number(out, bad), Error);
    CHECK(out == "0.25");
    EpochMetrics m;
    m.epoch = 1;
    m.train_loss = kNaN;
    CHECK_THROWS_AS(metrics_csv_row(m, false, false), Error);
}
