// The program of SPEC.md section 5, built against an installed tinynn found
// with find_package, plus lines that print its gradients so the install test
// can compare them with PyTorch's (everything after "save" is added).
#include <iostream>
#include <string>
#include <vector>

#include <tinynn/tinynn.hpp>
using namespace tinynn;

namespace {

void show(const std::string& label, const tinynn::Tensor& t) {
    const std::vector<float> values = t.to_vector();
    std::cout << label << " = [";
    for (size_t i = 0; i < values.size(); ++i)
        std::cout << (i ? ", " : "") << values[i];
    std::cout << "]\n";
}

}  // namespace

int main() {
    // Tensors and autograd (shapes: {} scalar, {n} vector, {r, c} matrix)
    Tensor a = linspace(-100, 100, 10);    // like torch.linspace
    Tensor s = sigmoid(a);                 // s.shape() == std::vector<int64_t>{10}
    std::vector<float> v = s.to_vector();  // row-major copy; s.item() for one element
    Tensor x = ones({1});
    Tensor w = full({1}, 2.0f).requires_grad_();  // requires_grad_ returns *this
    Tensor loss = nn::functional::mse_loss(x * w, ones({1}));
    std::vector<Tensor> g = grad(loss, {w});  // like torch.autograd.grad -> {2}
    loss = nn::functional::mse_loss(x * w, ones({1}));
    loss.backward();  // w.grad() -> {2}

    Tensor q = Tensor({0.1757f, 0.1738f, 0.9258f}).requires_grad_();
    Tensor p = softmax(q, 0);                            // dim as in torch
    auto row1 = grad(p[1], {q}, /*retain_graph=*/true);  // p[i]: element i, in the graph
    auto row2 = grad(p[2], {q});                         // a third call would throw: graph freed

    // Modules
    manual_seed(0);
    auto model = nn::Sequential(nn::Linear(2, 8), nn::Tanh(), nn::Linear(8, 8),
                                nn::LeakyReLU(0.01f), nn::Linear(8, 1), nn::Sigmoid());
    for (auto& [name, p] : model.named_parameters()) { /* "0.weight", "0.bias", "2.weight", ... */
    }
    optim::SGD opt(model.parameters(), {.lr = 0.1f, .momentum = 0.9f});
    nn::MSELoss criterion;
    Tensor X = randn({4, 2}), Y = rand({4, 1});
    for (int step = 0; step < 100; ++step) {
        opt.zero_grad();
        Tensor l = criterion(model(X), Y);
        l.backward();
        opt.step();
    }
    save(model, "model.safetensors");  // and load(model, path)

    std::cout.precision(9);
    show("grad(loss, {w})", g[0]);
    show("w.grad()", w.grad());
    show("row1", row1[0]);
    show("row2", row2[0]);
    try {
        grad(p[0], {q});
        std::cout << "a third call did not throw\n";
    } catch (const Error& e) {
        std::cout << "a third call throws: " << e.what() << "\n";
    }

    // The same rows for the input of the oracle case example_softmax_jacobian,
    // whose values PyTorch computed.
    Tensor logits = Tensor({1.0f, 2.0f, 0.5f}).requires_grad_();
    Tensor probs = softmax(logits, 0);
    for (int64_t i = 0; i < 3; ++i)
        show("jacobian row " + std::to_string(i),
             grad(probs[i], {logits}, /*retain_graph=*/i < 2)[0]);

    // The weights just written load back into the same architecture.
    load(model, "model.safetensors");
    std::cout << "loaded " << model.named_parameters().size() << " tensors\n";
}
