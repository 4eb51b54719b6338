// The PyTorch reference values for the layers and losses (tests/data/oracles).

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/approx.hpp"
#include "support/oracle.hpp"

using namespace tinynn;
using tinynn::test::check_close;
using tinynn::test::oracle_case;

TEST_CASE("Linear matches PyTorch with and without bias", "[nn][linear][oracle]") {
    for (const char* name : {"linear_bias", "linear_nobias"}) {
        SECTION(name) {
            const auto& c = oracle_case(name);
            const bool has_bias = c.params.at("bias").get<bool>();
            nn::Linear layer(3, 4, has_bias);
            layer.weight().matrix() = c.inputs.at("weight").matrix();
            if (has_bias)
                layer.bias().matrix() = c.inputs.at("bias").matrix();
            Tensor x = c.inputs.at("x").detach().requires_grad_();

            Tensor y = layer(x);
            check_close(y, c.outputs.at("y"));

            std::vector<Tensor> wrt{x, layer.weight()};
            if (has_bias)
                wrt.push_back(layer.bias());
            auto g = grad(y, wrt, c.inputs.at("grad_output"));
            check_close(g[0], c.grads.at("x"));
            check_close(g[1], c.grads.at("weight"));
            if (has_bias)
                check_close(g[2], c.grads.at("bias"));
        }
    }
}

TEST_CASE("MSELoss matches PyTorch for mean and sum", "[nn][mse][oracle]") {
    for (const char* name : {"mse_loss_mean", "mse_loss_sum"}) {
        SECTION(name) {
            const auto& c = oracle_case(name);
            const auto reduction =
                c.params.at("reduction") == "mean" ? nn::Reduction::mean : nn::Reduction::sum;
            Tensor input = c.inputs.at("input").detach().requires_grad_();
            Tensor target = c.inputs.at("target").detach().requires_grad_();
            Tensor loss = nn::MSELoss(reduction)(input, target);
            check_close(loss, c.outputs.at("loss"));
            loss.backward();
            check_close(input.grad(), c.grads.at("input"));
            check_close(target.grad(), c.grads.at("target"));
        }
    }
}

TEST_CASE("CrossEntropyLoss matches PyTorch, with +-100 logits", "[nn][cross_entropy][oracle]") {
    const auto& c = oracle_case("cross_entropy_mean");
    Tensor logits = c.inputs.at("input").detach().requires_grad_();
    Tensor loss = nn::CrossEntropyLoss()(logits, c.inputs.at("target"));
    check_close(loss, c.outputs.at("loss"));
    loss.backward();
    check_close(logits.grad(), c.grads.at("input"));
}

TEST_CASE("The SPEC's mse of a product gives PyTorch's gradients", "[nn][mse][oracle]") {
    const auto& c = oracle_case("example_mse_scalar_weight");
    Tensor x = c.inputs.at("x").detach().requires_grad_();
    Tensor w = c.inputs.at("w").detach().requires_grad_();
    Tensor loss = nn::functional::mse_loss(x * w, c.inputs.at("target"));
    check_close(loss, c.outputs.at("loss"));
    auto g = grad(loss, {x, w});
    check_close(g[0], c.grads.at("x"));
    check_close(g[1], c.grads.at("w"));
}

TEST_CASE("Activation modules match PyTorch", "[nn][activation][oracle]") {
    struct Entry {
        const char* name;
        std::shared_ptr<nn::Module> module;
    };
    const std::vector<Entry> entries{
        {"relu", std::make_shared<nn::ReLU>()},
        {"sigmoid", std::make_shared<nn::Sigmoid>()},
        {"tanh", std::make_shared<nn::Tanh>()},
        {"leaky_relu_0.01", std::make_shared<nn::LeakyReLU>()},
        {"leaky_relu_0.2", std::make_shared<nn::LeakyReLU>(0.2f)},
        {"softmax_dim1", std::make_shared<nn::Softmax>(1)},
        {"log_softmax_dim1", std::make_shared<nn::LogSoftmax>(1)},
        {"softmax_dim0_vector", std::make_shared<nn::Softmax>(0)},
    };
    for (const auto& e : entries) {
        SECTION(e.name) {
            const auto& c = oracle_case(e.name);
            Tensor x = c.inputs.at("x").detach().requires_grad_();
            Tensor y = (*e.module)(x);
            check_close(y, c.outputs.at("y"));
            check_close(grad(y, {x}, c.inputs.at("grad_output"))[0], c.grads.at("x"));
        }
    }
}
