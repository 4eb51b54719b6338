// Autograd basics: the first lesson of PyTorch's autograd, in tinynn.
//
//   1. activation functions and their derivatives, computed by autograd;
//   2. the gradient of a loss, with grad() and with backward();
//   3. the Jacobian of softmax, row by row, with retain_graph.
//
// Tensors print as PyTorch prints them, and every "name = tensor(...)" line
// is checked by this example's test against what PyTorch prints for the same
// computation (tests/data/oracles/print.json), so what you read here is what
// PyTorch prints. Note how the printing switches to scientific notation when
// the values span orders of magnitude, and shows grad_fn on values made by
// an op that autograd recorded.

#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include <tinynn/tinynn.hpp>

using namespace tinynn;

namespace {

// Prints f(x) and f'(x) elementwise. grad() needs a scalar output, so we
// differentiate sum(f(x)): each f(x)[i] depends on x[i] alone, so the
// gradient of the sum is exactly the vector of derivatives f'(x[i]).
void activation(const std::string& name, Tensor (*f)(const Tensor&), const Tensor& input) {
    Tensor x = input.detach().requires_grad_();
    Tensor y = f(x);
    Tensor dy = grad(sum(y), {x})[0];
    std::cout << name << "(x) = " << y << "\n";
    std::cout << name << "'(x) = " << dy << "\n";
}

}  // namespace

int main() {
    std::cout << "== 1. Activations and their derivatives ==\n";
    // Sigmoid squashes everything into (0, 1). Far from 0 it is flat: its
    // derivative is about 1.5e-5 at |x| = 11 and underflows to 0 beyond, which
    // is why deep sigmoid networks learn slowly (vanishing gradients). Note
    // sigmoid(-100) is 0, not NaN: a naive 1 / (1 + exp(100)) would overflow.
    Tensor wide = linspace(-100, 100, 10);
    std::cout << "linspace(-100, 100, 10) = " << wide << "\n";
    activation("sigmoid", sigmoid, wide);

    // tanh is a rescaled sigmoid centred on 0, with slope 1 there: the
    // outputs a layer passes on have mean near 0, which keeps the next
    // layer's updates balanced.
    Tensor narrow = linspace(-1, 1, 10);
    std::cout << "linspace(-1, 1, 10) = " << narrow << "\n";
    activation("tanh", tanh, narrow);

    // ReLU's derivative is exactly 1 for x > 0 (no saturation, however large
    // x gets) and 0 for x < 0: a unit whose inputs are all negative stops
    // learning ("dead ReLU"). PyTorch's convention at x = 0 is 0.
    activation("relu", relu, narrow);

    // LeakyReLU keeps a small slope for x < 0 so dead units can recover. At
    // exactly 0 its derivative is the slope, as in PyTorch.
    Tensor points({-2.0f, -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 2.0f});
    std::cout << "points = " << points << "\n";
    auto leaky_relu_003 = [](const Tensor& x) { return leaky_relu(x, 0.03f); };
    activation("leaky_relu", leaky_relu_003, points);

    std::cout << "\n== 2. The gradient of a loss ==\n";
    // One input x = 1, one weight w = 2, target 1: loss = (x w - 1)^2 = 1,
    // d loss / d w = 2 (x w - 1) x = 2 and d loss / d x = 2 (x w - 1) w = 4.
    // x is data, but autograd differentiates with respect to anything that
    // requires grad, so we can ask for both.
    Tensor x = ones({1}).requires_grad_();
    Tensor w = full({1}, 2.0f).requires_grad_();
    Tensor loss = nn::functional::mse_loss(x * w, ones({1}));
    std::cout << "loss = " << loss << "\n";

    // grad() returns the gradients, like torch.autograd.grad, and leaves
    // w.grad() alone: use it when you want a derivative, not an update.
    std::vector<Tensor> g = grad(loss, {x, w});
    std::cout << "grad x = " << g[0] << "\n";
    std::cout << "grad w = " << g[1] << "\n";
    std::cout << "w.grad() defined after grad(): " << std::boolalpha << w.grad().defined() << "\n";

    // backward() is what training uses: it adds the gradient into every
    // leaf's grad(). grad() freed the graph, so we build the loss again.
    loss = nn::functional::mse_loss(x * w, ones({1}));
    loss.backward();
    std::cout << "w.grad() after backward = " << w.grad() << "\n";

    // A second backward adds to the first rather than replacing it. That is
    // why every training step starts with optimizer.zero_grad().
    loss = nn::functional::mse_loss(x * w, ones({1}));
    loss.backward();
    std::cout << "w.grad() after a second backward = " << w.grad() << "\n";

    std::cout << "\n== 3. The Jacobian of softmax, row by row ==\n";
    Tensor q = Tensor({0.1757f, 0.1738f, 0.9258f}).requires_grad_();
    Tensor p = softmax(q, 0);
    std::cout << "p = softmax(q) = " << p << "\n";

    // grad() differentiates one scalar at a time, so row i of the Jacobian
    // is grad(p[i], {q}). Every row walks the same graph; retain_graph keeps
    // what it saved until the last row, which lets the graph go.
    std::vector<std::vector<float>> jacobian;
    for (int64_t i = 0; i < 3; ++i) {
        const bool retain = i < 2;
        Tensor row = grad(p[i], {q}, retain)[0];
        std::cout << "d p[" << i << "] / d q = " << row << "\n";
        jacobian.push_back(row.to_vector());
    }

    // The graph is freed now: a further call cannot replay it and says so
    // (without retain_graph, PyTorch raises the same way).
    try {
        grad(p[0], {q});
        std::cout << "a fourth grad() did not throw\n";
        return 1;
    } catch (const Error& e) {
        std::cout << "a fourth grad() throws: " << e.what() << "\n";
    }

    // Why the rows look like this: d p_i / d q_j = p_i (delta_ij - p_j), so
    // the diagonal is positive (raising q_i raises p_i) and each row sums
    // to 0 (the probabilities always sum to 1).
    const std::vector<float> pv = p.to_vector();
    double worst = 0.0;
    for (size_t i = 0; i < 3; ++i)
        for (size_t j = 0; j < 3; ++j) {
            const double closed_form = pv[i] * ((i == j ? 1.0 : 0.0) - pv[j]);
            worst = std::max(worst, std::abs(closed_form - jacobian[i][j]));
        }
    std::cout << "largest difference from p_i (delta_ij - p_j): " << worst << "\n";
    return worst < 1e-6 ? 0 : 1;
}
