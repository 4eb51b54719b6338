// A model of your own: derive from nn::Module, register the layers, write
// forward, and train it with SGD — here, to fit sin(x) on [-pi, pi].
//
// Exits with status 1 if the final loss is not below the threshold, so the
// test suite notices when training stops working.

#include <cmath>
#include <cstdint>
#include <iostream>
#include <memory>
#include <numbers>
#include <vector>

#include <tinynn/tinynn.hpp>

using namespace tinynn;

namespace {

// x -> Linear -> tanh -> Linear. tanh rather than ReLU because sin is smooth
// and odd, as tanh is: a few tanh units bend into its shape easily.
class SineNet : public nn::Module {
  public:
    explicit SineNet(int64_t hidden)
        // Registering by name is what makes the layers' weights show up in
        // parameters() (for the optimiser) and in named_parameters() as
        // "hidden.weight", ... (for save/load).
        : hidden_(register_module("hidden", nn::Linear(1, hidden))),
          output_(register_module("output", nn::Linear(hidden, 1))) {}

    Tensor forward(const Tensor& x) override { return (*output_)(tanh((*hidden_)(x))); }

  private:
    std::shared_ptr<nn::Linear> hidden_;
    std::shared_ptr<nn::Linear> output_;
};

constexpr int kSteps = 2000;
constexpr int kLogEvery = 200;
constexpr float kThreshold = 1e-3f;  // sin has variance 0.5: this is a close fit

}  // namespace

int main() {
    // The same seed gives the same initial weights, hence the same losses on
    // every run.
    manual_seed(0);

    // 64 points of sin on [-pi, pi] as a [64, 1] batch: one feature per row.
    const int64_t n = 64;
    Tensor x = linspace(-std::numbers::pi, std::numbers::pi, n).reshape({n, 1});
    Tensor y = Tensor::from_matrix(x.matrix().array().sin().matrix(), {n, 1});

    SineNet model(16);
    for (const auto& [name, p] : model.named_parameters())
        std::cout << name << " " << format_shape(p.shape()) << "\n";

    // Momentum lets the steps build up along the long, shallow valleys of
    // this loss, which plain SGD at the same lr crosses slowly.
    optim::SGD optimizer(model.parameters(), {.lr = 0.05f, .momentum = 0.9f});
    nn::MSELoss criterion;

    float last = 0.0f;
    for (int step = 1; step <= kSteps; ++step) {
        optimizer.zero_grad();  // gradients accumulate: clear last step's
        Tensor loss = criterion(model(x), y);
        loss.backward();
        optimizer.step();
        last = loss.item();
        if (step % kLogEvery == 0 || step == 1)
            std::cout << "step " << step << "  loss " << last << "\n";
    }

    // Inference needs no graph: NoGradGuard skips recording it.
    {
        NoGradGuard no_grad;
        model.eval();
        Tensor probe({-2.0f, 0.0f, 1.0f}, {3, 1});
        const std::vector<float> predicted = model(probe).to_vector();
        const std::vector<float> inputs = probe.to_vector();
        for (size_t i = 0; i < inputs.size(); ++i)
            std::cout << "sin(" << inputs[i] << ") = " << std::sin(inputs[i]) << ", model says "
                      << predicted[i] << "\n";
    }

    if (!(last < kThreshold)) {
        std::cerr << "final loss " << last << " is not below " << kThreshold << "\n";
        return 1;
    }
    std::cout << "final loss " << last << " < " << kThreshold << "\n";
    return 0;
}
