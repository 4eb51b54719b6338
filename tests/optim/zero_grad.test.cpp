// zero_grad(set_to_none) on modules and optimisers, against torch 1.13.

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/approx.hpp"

using namespace tinynn;
using tinynn::test::check_close;

namespace {

// Two layers, only the first of which a loss of `first(x)` reaches.
class TwoHeads : public nn::Module {
  public:
    TwoHeads()
        : first(register_module("first", nn::Linear(2, 2))),
          second(register_module("second", nn::Linear(2, 1))) {}
    std::shared_ptr<nn::Linear> first;
    std::shared_ptr<nn::Linear> second;
};

}  // namespace

TEST_CASE("Module::zero_grad(false) zeroes existing grads in place, leaves others undefined",
          "[nn][module][zero_grad]") {
    TwoHeads net;
    (*net.first)(ones({3, 2})).sum().backward();
    const Tensor held = net.first->weight().grad();  // a handle taken before
    REQUIRE(held.defined());
    REQUIRE_FALSE(net.second->weight().grad().defined());

    net.zero_grad(false);
    for (const Tensor& p : net.first->parameters()) {
        REQUIRE(p.grad().defined());
        CHECK(p.grad().to_vector() == std::vector<float>(static_cast<size_t>(p.numel()), 0.0f));
    }
    // In place, as torch's p.grad.zero_(): the earlier handle sees the zeros.
    CHECK(held.impl() == net.first->weight().grad().impl());
    CHECK(held.to_vector() == std::vector<float>{0, 0, 0, 0});
    // Never computed: stays undefined rather than becoming zeros.
    for (const Tensor& p : net.second->parameters())
        CHECK_FALSE(p.grad().defined());

    // A backward after it accumulates into the zeros: the plain gradient.
    (*net.first)(ones({3, 2})).sum().backward();
    CHECK(net.first->bias().grad().to_vector() == std::vector<float>{3, 3});

    net.zero_grad();  // set_to_none by default
    for (const Tensor& p : net.parameters())
        CHECK_FALSE(p.grad().defined());
}

TEST_CASE("Optimizer::zero_grad(false) zeroes existing grads, leaves others undefined",
          "[optim][zero_grad]") {
    Tensor a = Tensor({1.0f, 2.0f}).requires_grad_();
    Tensor b = Tensor({3.0f}).requires_grad_();
    optim::SGD opt({a, b}, {.lr = 0.1f});
    (a * a).sum().backward();
    opt.zero_grad(false);
    REQUIRE(a.grad().defined());
    CHECK(a.grad().to_vector() == std::vector<float>{0, 0});
    CHECK_FALSE(b.grad().defined());
    opt.zero_grad(true);
    CHECK_FALSE(a.grad().defined());
}

TEST_CASE("With momentum and weight decay a parameter left out of a step moves as in torch",
          "[optim][sgd][zero_grad]") {
    // torch 1.13 (float32), for set_to_none in (False, True):
    //   a = tensor([1., -2.]); b = tensor([0.5, -1.5, 3.]); c = tensor([2.]),
    //   all requires_grad; opt = SGD([a, b, c], lr=0.1, momentum=0.9,
    //   weight_decay=0.01); ((a * a).sum() + (b * b * b).sum()).backward();
    //   opt.step(); then twice: opt.zero_grad(set_to_none);
    //   (a * a).sum().backward(); opt.step()
    // b's zeroed grad still gets the decay term and the momentum, so b keeps
    // moving; set to none, b is skipped. c never has a grad and never moves.
    const std::vector<float> a_final = {0.05819422006607056f, -0.11638844013214111f};
    const std::vector<float> b_zeroed = {0.2942323386669159f, -3.3182778358459473f,
                                         -4.323558330535889f};
    const std::vector<float> b_none = {0.4244999885559082f, -2.1735000610351562f,
                                       0.29699990153312683f};
    for (const bool set_to_none : {false, true}) {
        SECTION(set_to_none ? "set_to_none" : "zeroed") {
            Tensor a = Tensor({1.0f, -2.0f}).requires_grad_();
            Tensor b = Tensor({0.5f, -1.5f, 3.0f}).requires_grad_();
            Tensor c = Tensor({2.0f}).requires_grad_();
            optim::SGD opt({a, b, c}, {.lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.01f});
            ((a * a).sum() + (b * b * b).sum()).backward();
            opt.step();
            for (int step = 0; step < 2; ++step) {
                opt.zero_grad(set_to_none);
                (a * a).sum().backward();
                opt.step();
            }
            check_close(a.to_vector(), a_final);
            check_close(b.to_vector(), set_to_none ? b_none : b_zeroed);
            CHECK(c.to_vector() == std::vector<float>{2.0f});
            CHECK_FALSE(c.grad().defined());
        }
    }
}

TEST_CASE("zero_grad() then backward gives a new grad: a handle taken before keeps its values",
          "[optim][nn][zero_grad]") {
    // The grad value dropped by zero_grad is filled again by the next
    // backward only when nothing else holds it (autograd/graph.hpp,
    // spare_grad); either way the new grad must behave as a new tensor.
    Tensor a = Tensor({1.0f, 2.0f}).requires_grad_();
    optim::SGD opt({a}, {.lr = 0.1f});
    (a * a).sum().backward();
    const Tensor held = a.grad();  // a handle: this grad must not be reused
    opt.zero_grad();
    CHECK_FALSE(a.grad().defined());
    (a * a * a).sum().backward();
    CHECK(held.to_vector() == std::vector<float>{2, 4});
    CHECK(a.grad().to_vector() == std::vector<float>{3, 12});
    CHECK(a.grad().impl() != held.impl());

    // Nothing holds it now: the value may be reused, but not its contents,
    // its version or anything marked on it.
    a.grad().requires_grad_();
    opt.zero_grad();
    CHECK_FALSE(a.grad().defined());
    (a * a).sum().backward();
    CHECK(a.grad().to_vector() == std::vector<float>{2, 4});
    CHECK_FALSE(a.grad().requires_grad());
    // The kept storage is written, never added to: reached by two ops, the
    // two gradients' sum; by none, no grad.
    for (int step = 0; step < 3; ++step) {
        opt.zero_grad();
        ((a * a).sum() + a.sum()).backward();
        CHECK(a.grad().to_vector() == std::vector<float>{3, 5});
    }
    opt.zero_grad();
    Tensor b = Tensor({1.0f}).requires_grad_();
    (b * 2.0f).sum().backward();
    CHECK_FALSE(a.grad().defined());

    nn::Linear layer(2, 1);
    for (int step = 0; step < 3; ++step) {
        layer.zero_grad();
        CHECK_FALSE(layer.weight().grad().defined());
        layer(ones({1, 2})).sum().backward();
        CHECK(layer.weight().grad().to_vector() == std::vector<float>{1, 1});
        CHECK(layer.bias().grad().to_vector() == std::vector<float>{1});
    }
    // A grad read into a graph and then dropped is not reused while the
    // graph holds it.
    const Tensor doubled = layer.bias().grad() * 2.0f;
    layer.zero_grad();
    layer(ones({1, 2})).sum().backward();
    CHECK(doubled.to_vector() == std::vector<float>{2});
}
