// Values a graph saved for its backward, as PyTorch's saved tensors: a write
// after the op used them (through matrix() or data(), or an optimizer step)
// makes the backward throw, naming the op, rather than compute a gradient from
// the new values. And t() / transpose(d, d) are always a new node, never the
// same handle, so requires_grad_ on the result cannot reach the input.

#include <string>

#include <catch2/catch.hpp>
#include <tinynn/autograd.hpp>
#include <tinynn/nn/linear.hpp>
#include <tinynn/ops.hpp>
#include <tinynn/optim/sgd.hpp>

#include "ops/values.hpp"

using namespace tinynn;
using Catch::Matchers::Contains;
using test::check_equal;

namespace {
// PyTorch's words, then which value of which op.
auto modified(const std::string& which) {
    return test::message(
        Contains("one of the variables needed for gradient computation has been modified by an "
                 "inplace operation: " +
                 which));
}
}  // namespace

TEST_CASE("a write into a value a backward reads makes it throw, naming the op",
          "[autograd][saved]") {
    Tensor x = Tensor{1, 2, 3}.requires_grad_();
    Tensor w{4, 5, 6};
    SECTION("an input") {
        const Tensor y = x * w;  // its backward reads w for x's gradient
        w.matrix()(0, 0) = 10.0f;
        CHECK_THROWS_MATCHES(sum(y).backward(), Error,
                             modified("input 1 of 'mul' (shape [3]) is at version 1; expected "
                                      "version 0 instead"));
    }
    SECTION("through data()") {
        const Tensor y = x * w;
        w.data()[2] = 0.0f;
        CHECK_THROWS_MATCHES(sum(y).backward(), Error, modified("input 1 of 'mul'"));
    }
    SECTION("the op's own output") {
        Tensor y = exp(x);  // its backward reads exp(x)
        const Tensor z = y * 2.0f;
        y.matrix().setZero();
        CHECK_THROWS_MATCHES(sum(z).backward(), Error, modified("the output of 'exp'"));
    }
    SECTION("a leaf written after the op, whose gradient is the one asked for") {
        const Tensor y = x * x;
        x.matrix()(0, 1) = 7.0f;
        CHECK_THROWS_MATCHES(grad(sum(y), {x}), Error, modified("input 1 of 'mul'"));
    }
}

TEST_CASE("values a backward does not read can be written, as in PyTorch", "[autograd][saved]") {
    Tensor x = Tensor{1, 2, 3}.requires_grad_();
    Tensor c{4, 5, 6};
    SECTION("add reads neither input") {
        const Tensor y = x + c;
        c.matrix().setZero();
        x.matrix().setZero();
        sum(y).backward();
        check_equal(x.grad(), {1, 1, 1}, {3});
    }
    SECTION("mul reads only the other input of the one needing a gradient") {
        const Tensor y = x * c;  // x's gradient reads c, c needs none: x is not read
        x.matrix()(0, 0) = 100.0f;
        sum(y).backward();
        check_equal(x.grad(), {4, 5, 6}, {3});
    }
    SECTION("Linear with an input that needs no gradient does not read the weight") {
        nn::Linear layer(3, 2);
        const Tensor out = layer(Tensor({1, 2, 3, 4, 5, 6}, {2, 3}));
        layer.weight().matrix().setZero();  // torch: no error either
        sum(out).backward();
        check_equal(layer.bias().grad(), {2, 2}, {2});
    }
    SECTION("reading through a const handle is no write") {
        const Tensor y = x * c;
        const Tensor& view = c;
        CHECK(view.matrix()(0, 0) == 4.0f);
        CHECK(*view.data() == 4.0f);
        sum(y).backward();
        check_equal(x.grad(), {4, 5, 6}, {3});
    }
    SECTION("a graph built after the write") {
        c.matrix()(0, 0) = 0.0f;
        sum(x * c).backward();
        check_equal(x.grad(), {0, 5, 6}, {3});
    }
}

TEST_CASE("an optimizer step invalidates the graphs built before it", "[autograd][saved]") {
    nn::Linear layer(3, 2);
    optim::SGD sgd(layer.parameters(), {.lr = 0.1f});
    Tensor x = Tensor({1, 2, 3, 4, 5, 6}, {2, 3}).requires_grad_();
    const Tensor loss = sum(tanh(layer(x)));
    loss.backward(Tensor(), /*retain_graph=*/true);
    sgd.step();  // writes the weight in place
    // torch: "... is at version 2; expected version 1 instead"
    CHECK_THROWS_MATCHES(loss.backward(), Error, modified("input 1 of 'linear'"));

    SECTION("and a graph built after the step is fine") {
        sum(tanh(layer(x))).backward();
        CHECK(layer.weight().grad().defined());
    }
}

TEST_CASE("t() and transpose(d, d) are a new node, never the same handle",
          "[autograd][transpose]") {
    SECTION("requires_grad_(false) on the result throws, as torch, and leaves w alone") {
        for (Tensor w : {Tensor{1, 2, 3}, full({}, 2.0f), Tensor({1, 2, 3, 4}, {2, 2})}) {
            w.requires_grad_();
            CHECK_THROWS_AS(w.t().requires_grad_(false), Error);
            CHECK_THROWS_AS(transpose(w, 0, 0).requires_grad_(false), Error);
            CHECK(w.requires_grad());
            CHECK(w.is_leaf());
            CHECK_FALSE(w.t().is_leaf());
            CHECK(w.t().impl() != w.impl());
        }
    }
    SECTION("the gradient passes through unchanged") {
        Tensor v = Tensor{1, 2, 3}.requires_grad_();
        sum(v.t() * Tensor{1, 2, 3}).backward();
        check_equal(v.grad(), {1, 2, 3}, {3});
        Tensor m = Tensor({1, 2, 3, 4}, {2, 2}).requires_grad_();
        sum(transpose(m, 1, -1) * Tensor({1, 2, 3, 4}, {2, 2})).backward();
        check_equal(m.grad(), {1, 2, 3, 4}, {2, 2});
    }
    SECTION("without a graph, a leaf of its own: writing into it leaves x alone") {
        const Tensor x{1, 2, 3};
        Tensor y = x.t();
        CHECK(y.is_leaf());
        y.matrix()(0, 0) = 9.0f;
        check_equal(x, {1, 2, 3}, {3});
        check_equal(y, {9, 2, 3}, {3});
    }
}
