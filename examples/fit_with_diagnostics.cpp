// The training loop of the tinynn command, from C++: any nn::Module trained
// by experiment::fit with callbacks — Diagnostics (gradient norm per Linear,
// dead and saturated units, watched through forward hooks, and with a probe
// each hidden layer's distribution at every epoch's end) and one of our own —
// then compared over two activations. No YAML involved.
//
// Exits with status 1 when ReLU's dead-unit count, the gradient norms or the
// probe's statistics are missing, or when training does not bring the loss
// down.

#include <cstdio>
#include <memory>

#include <tinynn/experiment/diagnostics.hpp>
#include <tinynn/experiment/trainer.hpp>
#include <tinynn/tinynn.hpp>

using namespace tinynn;

namespace {

// Two hidden layers of one activation, under names of our own.
class TwoLayer : public nn::Module {
  public:
    explicit TwoLayer(nn::Activation activation)
        : first_(register_module("first", std::make_shared<nn::Linear>(2, 16))),
          second_(register_module("second", std::make_shared<nn::Linear>(16, 16))),
          head_(register_module("head", std::make_shared<nn::Linear>(16, 2))),
          act1_(register_module("act1", nn::make_activation(activation))),
          act2_(register_module("act2", nn::make_activation(activation))) {}
    Tensor forward(const Tensor& x) override {
        const Tensor h1 = (*act1_)((*first_)(x));    // [batch, 16]
        const Tensor h2 = (*act2_)((*second_)(h1));  // [batch, 16]
        return (*head_)(h2);                         // [batch, 2] logits
    }

  private:
    std::shared_ptr<nn::Linear> first_, second_, head_;
    std::shared_ptr<nn::Module> act1_, act2_;
};

// A callback of our own: prints every 20th epoch.
class PrintEvery : public experiment::Callback {
  public:
    explicit PrintEvery(const char* label) : label_(label) {}
    void on_epoch_end(experiment::EpochMetrics& m, experiment::TrainState&) override {
        if (m.epoch % 20 != 0)
            return;
        std::printf("%s epoch %lld: train_loss %.4f", label_, static_cast<long long>(m.epoch),
                    m.train_loss);
        if (m.diagnostics)  // the Diagnostics callback ran before this one
            for (const experiment::GradNorm& g : m.diagnostics->grad_norms)
                std::printf(", |grad %s| %.3g", g.name.c_str(), g.norm);
        std::printf("\n");
    }

  private:
    const char* label_;
};

}  // namespace

int main() {
    Generator gen(3);
    const data::Dataset moons = data::make_synthetic({.kind = "moons", .samples = 256}, gen);
    int status = 0;
    for (const nn::Activation activation : {nn::Activation::tanh, nn::Activation::relu}) {
        const std::string name(nn::activation_name(activation));
        manual_seed(1);  // the same start for both
        TwoLayer model(activation);
        optim::SGD optimizer(model.parameters(), {.lr = 0.1f, .momentum = 0.9f});
        data::DataLoader loader(moons, 32, /*shuffle=*/true, /*seed=*/1);
        // The probe: fixed rows the diagnostics measure every layer on, in
        // eval mode, at each epoch's end.
        const auto cross_entropy = [](const Tensor& logits, const Tensor& labels) {
            return nn::functional::cross_entropy(logits, labels);
        };
        experiment::Diagnostics diagnostics(experiment::Diagnostics::Probe{
            .features = moons.features, .targets = moons.targets, .loss = cross_entropy});
        PrintEvery print(name.c_str());
        experiment::Callback* callbacks[] = {&diagnostics, &print};
        const experiment::TrainResult result =
            experiment::fit(model, optimizer, loader, cross_entropy, {.epochs = 60}, callbacks);

        const experiment::EpochMetrics& first = result.history.front();
        const experiment::EpochMetrics& last = result.history.back();
        const experiment::EpochDiagnostics& d = *last.diagnostics;
        std::printf("%s: loss %.4f -> %.4f; hidden layers watched:", name.c_str(), first.train_loss,
                    last.train_loss);
        bool probed = true;
        for (const experiment::ActivationStats& a : d.activations) {
            std::printf(" %s (%lld units, mean %.3f", a.layer.c_str(),
                        static_cast<long long>(a.units), a.mean);
            if (a.probe)
                std::printf(", probe 2/50/98th percentiles %.3f/%.3f/%.3f", a.probe->p2,
                            a.probe->p50, a.probe->p98);
            std::printf(")");
            probed = probed && a.probe && a.probe->firing.size() == 16;
        }
        std::printf("\n");
        const bool dead_counted = activation != nn::Activation::relu || d.dead_fraction.has_value();
        if (!(last.train_loss < 0.5 * first.train_loss) || d.grad_norms.size() != 3 ||
            d.activations.size() != 2 || !dead_counted || !probed) {
            std::fprintf(stderr, "%s: training or its diagnostics went wrong\n", name.c_str());
            status = 1;
        }
    }
    return status;
}
