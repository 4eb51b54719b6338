// Checking the gradients of code of your own with tinynn::gradcheck, as
// torch.autograd.gradcheck: an op built from tinynn's, a module with
// parameters, and an op with a hand-made gradient that has a bug, which
// gradcheck must catch.
//
// Exits with status 1 if a correct gradient fails the check or the wrong one
// passes it, so the test suite notices when gradcheck stops working.

#include <iostream>
#include <memory>
#include <vector>

#include <tinynn/tinynn.hpp>

using namespace tinynn;

namespace {

// An op of your own: the Huber loss of each element, quadratic within
// `delta` of 0 and linear beyond, as torch's huber_loss(reduction='none')
// against a zero target.
Tensor huber(const Tensor& x, float delta) {
    const Tensor small = clamp(abs(x), 0.0f, delta);  // min(|x|, delta)
    return 0.5f * small * small + delta * (abs(x) - small);
}

// A module of your own: a gated linear unit, y = (x W1^T + b1) * sigmoid(x W2^T + b2).
class Gated : public nn::Module {
  public:
    Gated(int64_t in, int64_t out)
        : value_(register_module("value", nn::Linear(in, out))),
          gate_(register_module("gate", nn::Linear(in, out))) {}
    Tensor forward(const Tensor& x) override {
        const Tensor value = (*value_)(x);  // [batch, out]
        return value * sigmoid((*gate_)(x));
    }

  private:
    std::shared_ptr<nn::Linear> value_;
    std::shared_ptr<nn::Linear> gate_;
};

// x^3 with a hand-made gradient, through the detach() trick for a custom
// backward: the value is x^3, and only the term that is not detached carries
// a gradient. The intended 3 x^2 needs the factor 3; it was forgotten here,
// so the gradient is x^2: a bug gradcheck must report.
Tensor cube_with_forgotten_factor(const Tensor& x) {
    const Tensor value = (x * x * x).detach();  // [shape of x]
    const Tensor slope = (x * x).detach();      // what the backward multiplies by: 3 x^2 intended
    return value + slope * x - (slope * x).detach();
}

bool report(const char* what, const GradcheckResult& result) {
    std::cout << what << ": " << result.describe() << "\n";
    return result.passed;
}

}  // namespace

int main() {
    manual_seed(0);
    bool ok = true;

    // Inputs to check must require grad. Values are kept away from +-delta,
    // where the Huber loss has no second derivative and a central difference
    // straddling the kink would disagree with either one-sided gradient.
    Tensor x = Tensor({-2.5f, -0.6f, 0.3f, 1.7f, 0.05f, -1.4f}, {2, 3}).requires_grad_();
    const auto huber_of = [](const std::vector<Tensor>& in) { return huber(in[0], 1.0f); };
    ok &= report("huber", gradcheck(huber_of, {x}));

    // A module's parameters are inputs too: gradcheck steps them in place
    // through the handles parameters() returns, which the module shares.
    Gated gated(3, 2);
    std::vector<Tensor> inputs{randn({4, 3}).requires_grad_()};
    for (const Tensor& p : gated.parameters())
        inputs.push_back(p);
    const auto gated_of = [&gated](const std::vector<Tensor>& in) { return gated(in[0]); };
    ok &= report("gated", gradcheck(gated_of, inputs));

    // Inputs that do not require grad are passed along unchecked: a target.
    const Tensor target = Tensor({1.0f, 0.0f, 1.0f, 1.0f}, {4, 1});
    Tensor logits = randn({4, 1}).requires_grad_();
    const auto loss_of = [](const std::vector<Tensor>& in) {
        return nn::functional::binary_cross_entropy_with_logits(in[0], in[1]);
    };
    ok &= report("bce_with_logits", gradcheck(loss_of, {logits, target}));

    // The bug: the check fails, and the worst element says by how much
    // (analytic x^2 against numeric 3 x^2).
    Tensor y = Tensor({0.5f, -1.0f, 2.0f}).requires_grad_();
    const GradcheckResult wrong = gradcheck(
        [](const std::vector<Tensor>& in) { return cube_with_forgotten_factor(in[0]); }, {y});
    std::cout << "cube with a forgotten factor: " << wrong.describe() << "\n";
    if (wrong.passed || wrong.failures != 3) {
        std::cout << "gradcheck missed the wrong gradient\n";
        ok = false;
    }
    if (!ok)
        return 1;
    std::cout << "all as expected\n";
    return 0;
}
