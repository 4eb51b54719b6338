// The program of SPEC.md section 5, verbatim: the contract that tinynn's
// public API must compile and run unchanged. It writes model.safetensors
// into the current directory.
#include <tinynn/tinynn.hpp>
using namespace tinynn;

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
}
