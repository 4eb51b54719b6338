// nn::Sequential runs a Linear followed by sigmoid, tanh, relu or leaky_relu
// as one graph node (nn/linear_activation.hpp). It must be invisible: the
// same output, gradients and grad_fn as the two ops, to the bit, on every
// path of the Linear (tiny loops, one thread, cut over two); the unfused
// path wherever a hook watches either layer; the saved-output check; and
// the layers it must not take.

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "nn/linear_activation.hpp"

using namespace tinynn;

namespace {

struct Step {
    Tensor y, dx, dw, db;
    std::string printed;  // the output as torch prints it, grad_fn included
};

std::shared_ptr<nn::Module> activation(const std::string& name) {
    if (name == "sigmoid")
        return std::make_shared<nn::Sigmoid>();
    if (name == "tanh")
        return std::make_shared<nn::Tanh>();
    if (name == "relu")
        return std::make_shared<nn::ReLU>();
    if (name == "leaky_relu")
        return std::make_shared<nn::LeakyReLU>(0.1f);
    if (name == "leaky_relu_0")
        return std::make_shared<nn::LeakyReLU>(0.0f);
    return std::make_shared<nn::LeakyReLU>(-0.5f);
}

// A backward through a weighted sum, so every output element's gradient differs.
Step finish(const Tensor& x, const nn::Linear& layer, const Tensor& y) {
    manual_seed(11);
    const Tensor weights = randn(y.shape());
    sum(y * weights).backward();
    std::ostringstream printed;
    printed << y;
    return {y.detach(), x.grad(), layer.weight().grad(), layer.bias().grad(), printed.str()};
}

// act(linear(x)) through a Sequential (fused unless a hook says otherwise),
// or through the layers called one by one (two nodes).
Step run(const std::string& name, int64_t batch, int64_t in, int64_t out, bool sequential,
         bool hook = false) {
    manual_seed(5);
    auto layer = std::make_shared<nn::Linear>(in, out);
    auto act = activation(name);
    Tensor x = randn({batch, in}).requires_grad_();
    // Some inputs exactly 0, and an output of exactly 0 at relu's kink.
    x.matrix()(0, 0) = 0.0f;
    Tensor y;
    if (sequential) {
        nn::Sequential model;
        model.push_back(layer);
        model.push_back(act);
        nn::HookHandle handle;
        if (hook)
            handle = act->register_forward_hook([](nn::Module&, const Tensor&, const Tensor&) {});
        y = model(x);
    } else {
        y = (*act)((*layer)(x));
    }
    return finish(x, *layer, y);
}

bool same_bits(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() && a.to_vector() == b.to_vector();
}

}  // namespace

TEST_CASE("A Linear and its activation as one node give the two ops' bits", "[nn][fusion]") {
    const int threads_before = get_num_threads();
    // [batch, in] -> [batch, out]: W1's tiny layers, a one-thread product,
    // and one large enough to be cut over two threads.
    const std::vector<std::vector<int64_t>> sizes = {{4, 2, 8}, {32, 16, 24}, {256, 160, 128}};
    for (const int threads : {1, 2}) {
        set_num_threads(threads);
        for (const std::string name :
             {"sigmoid", "tanh", "relu", "leaky_relu", "leaky_relu_0", "leaky_relu_negative"})
            for (const auto& s : sizes) {
                INFO(name << ", " << threads << " threads, [" << s[0] << ", " << s[1] << "] -> "
                          << s[2]);
                const Step fused = run(name, s[0], s[1], s[2], true);
                const Step apart = run(name, s[0], s[1], s[2], false);
                CHECK(same_bits(fused.y, apart.y));
                CHECK(same_bits(fused.dx, apart.dx));
                CHECK(same_bits(fused.dw, apart.dw));
                CHECK(same_bits(fused.db, apart.db));
                CHECK(fused.printed == apart.printed);
            }
    }
    set_num_threads(threads_before);
}

TEST_CASE("Only exact Sigmoid, Tanh, ReLU and non-negative LeakyReLU layers fuse", "[nn][fusion]") {
    CHECK(nn::linear_activation_of(nn::Sigmoid())->kind == nn::Activation::sigmoid);
    CHECK(nn::linear_activation_of(nn::Tanh())->kind == nn::Activation::tanh);
    CHECK(nn::linear_activation_of(nn::ReLU())->kind == nn::Activation::relu);
    const auto leaky = nn::linear_activation_of(nn::LeakyReLU(0.2f));
    REQUIRE(leaky);
    CHECK(leaky->negative_slope == 0.2f);
    // A negative slope flips the output's sign, which the backward reads.
    CHECK_FALSE(nn::linear_activation_of(nn::LeakyReLU(-0.5f)));
    CHECK_FALSE(nn::linear_activation_of(nn::GELU()));
    CHECK_FALSE(nn::linear_activation_of(nn::Linear(2, 2)));
    // A subclass may change forward.
    struct Doubled : nn::Tanh {
        Tensor forward(const Tensor& input) override { return nn::Tanh::forward(input) * 2.0f; }
    };
    CHECK_FALSE(nn::linear_activation_of(Doubled()));
}

TEST_CASE("A hook on either layer gets the Linear's output as without fusion", "[nn][fusion]") {
    manual_seed(1);
    nn::Sequential model(nn::Linear(3, 4), nn::Tanh());
    const Tensor x = randn({2, 3});
    Tensor linear_output, tanh_input;
    auto on_linear = model[0].register_forward_hook(
        [&](nn::Module&, const Tensor&, const Tensor& output) { linear_output = output; });
    auto on_tanh = model[1].register_forward_hook(
        [&](nn::Module&, const Tensor& input, const Tensor&) { tanh_input = input; });
    const Tensor y = model(x);
    REQUIRE(linear_output.defined());
    CHECK(linear_output.impl() == tanh_input.impl());
    CHECK(same_bits(y, tanh(linear_output)));

    // Removed hooks: fused again, same values.
    on_linear.remove();
    on_tanh.remove();
    linear_output = Tensor();
    CHECK(same_bits(model(x), y));
    CHECK_FALSE(linear_output.defined());

    const Step hooked = run("relu", 8, 4, 8, true, true);
    const Step apart = run("relu", 8, 4, 8, false);
    CHECK(same_bits(hooked.dw, apart.dw));
}

TEST_CASE("The fused node checks its saved output and its input's features", "[nn][fusion]") {
    manual_seed(2);
    nn::Sequential model(nn::Linear(3, 4), nn::Sigmoid());
    const Tensor x = randn({2, 3});
    Tensor y = model(x);
    y.matrix()(0, 0) = 0.5f;  // a write into the output the backward reads
    CHECK_THROWS_WITH(sum(y).backward(), Catch::Contains("modified by an inplace operation") &&
                                             Catch::Contains("'sigmoid'"));
    CHECK_THROWS_WITH(model(randn({2, 5})),
                      Catch::Contains("Sequential layer 0 (Linear(in_features=3") &&
                          Catch::Contains("got shape [2, 5]"));
}

TEST_CASE("gradcheck passes through fused layers", "[nn][fusion][grad]") {
    manual_seed(4);
    nn::Sequential model(nn::Linear(3, 5), nn::Tanh(), nn::Linear(5, 4), nn::LeakyReLU(0.1f),
                         nn::Linear(4, 2), nn::Sigmoid());
    const Tensor x = randn({6, 3}).requires_grad_();
    std::vector<Tensor> inputs = model.parameters();
    inputs.push_back(x);
    const GradcheckResult r =
        gradcheck([&](const std::vector<Tensor>&) { return model(x); }, inputs);
    INFO(r.describe());
    CHECK(r.passed);
}
