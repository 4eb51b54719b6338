// The backward engine: accumulation, shared values, grad() vs backward(),
// freed graphs, deep graphs, grad mode and misuse.

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/autograd.hpp>
#include <tinynn/ops.hpp>

#include "ops/values.hpp"
#include "support/approx.hpp"

using namespace tinynn;
using Catch::Matchers::Contains;
using test::check_close;
using test::check_equal;

TEST_CASE("backward accumulates into grad() across calls", "[autograd][engine]") {
    Tensor x = Tensor{1, 2, 3}.requires_grad_();
    CHECK_FALSE(x.grad().defined());
    sum(x * x).backward();
    check_equal(x.grad(), {2, 4, 6}, {3});
    sum(x * x).backward();
    check_equal(x.grad(), {4, 8, 12}, {3});
    sum(x * 10.0f).backward();
    check_equal(x.grad(), {14, 18, 22}, {3});

    SECTION("set_grad(undefined) clears, as zero_grad does") {
        x.set_grad(Tensor());
        CHECK_FALSE(x.grad().defined());
        sum(x).backward();
        check_equal(x.grad(), {1, 1, 1}, {3});
    }
    SECTION("set_grad checks the shape") {
        CHECK_THROWS_MATCHES(x.set_grad(zeros({2})), Error,
                             test::message(Contains("[2]") && Contains("[3]")));
        x.set_grad(zeros({3}));
        sum(x).backward();
        check_equal(x.grad(), {1, 1, 1}, {3});
    }
    SECTION("only leaves that require grad receive one") {
        Tensor c{1, 1, 1};
        Tensor y = x * 2.0f;
        sum(y * c).backward();
        CHECK_FALSE(c.grad().defined());
        CHECK_FALSE(y.grad().defined());
    }
}

TEST_CASE("a value used more than once gets the sum of its gradients", "[autograd][engine]") {
    SECTION("y = x * x") {
        const Tensor x = Tensor{-1, 2, 3}.requires_grad_();
        check_equal(grad(sum(x * x), {x})[0], {-2, 4, 6}, {3});
    }
    SECTION("z = a + a, a an intermediate") {
        const Tensor x = Tensor{1, 2}.requires_grad_();
        const Tensor a = x * 3.0f;
        const Tensor z = a + a;
        check_equal(grad(sum(z), {x})[0], {6, 6}, {2});
    }
    SECTION("a diamond: two paths from x join again") {
        const Tensor x = Tensor{0.5f, -1}.requires_grad_();
        const Tensor a = x * 2.0f;
        const Tensor b = exp(a);
        const Tensor c = a * 3.0f;
        const Tensor d = b * c;  // 3 * 2x * exp(2x): d' = 6 exp(2x) (1 + 2x)
        std::vector<float> want;
        for (float v : {0.5f, -1.0f})
            want.push_back(6 * std::exp(2 * v) * (1 + 2 * v));
        check_close(grad(sum(d), {x})[0], Tensor(want));
        // The same through backward().
        Tensor y = Tensor{0.5f, -1}.requires_grad_();
        const Tensor ay = y * 2.0f;
        sum(exp(ay) * (ay * 3.0f)).backward();
        check_close(y.grad(), Tensor(want));
    }
    SECTION("an input listed at several places in one op and across ops") {
        const Tensor x = Tensor{2}.requires_grad_();
        const Tensor y = x * x * x + x / x;  // x^3 + 1
        check_close(grad(sum(y), {x})[0], Tensor{12});
    }
}

TEST_CASE("grad() returns gradients and leaves grad() alone", "[autograd][engine][grad]") {
    Tensor x = Tensor{1, 2}.requires_grad_();
    Tensor w = Tensor{3, 4}.requires_grad_();
    const std::vector<Tensor> g = grad(sum(x * w), {x, w});
    REQUIRE(g.size() == 2);
    check_equal(g[0], {3, 4}, {2});
    check_equal(g[1], {1, 2}, {2});
    CHECK_FALSE(x.grad().defined());
    CHECK_FALSE(w.grad().defined());
    CHECK_FALSE(g[0].requires_grad());

    // An existing grad() is neither read nor changed.
    sum(x).backward();
    check_equal(x.grad(), {1, 1}, {2});
    check_equal(grad(sum(x * w), {x})[0], {3, 4}, {2});
    check_equal(x.grad(), {1, 1}, {2});

    SECTION("the same input twice in the list") {
        const auto gg = grad(sum(x * w), {x, x});
        check_equal(gg[0], {3, 4}, {2});
        check_equal(gg[1], {3, 4}, {2});
    }
    SECTION("an explicit upstream gradient") {
        const auto gg = grad(x * w, {x}, Tensor{1, -1});
        check_equal(gg[0], {3, -4}, {2});
        CHECK_THROWS_MATCHES(grad(x * w, {x}, Tensor{1, 2, 3}), Error,
                             test::message(Contains("[3]") && Contains("[2]")));
    }
    SECTION("the output itself, when it is a leaf") {
        check_equal(grad(sum(x), {x})[0], {1, 1}, {2});
        check_equal(grad(x, {x}, Tensor{5, 6})[0], {5, 6}, {2});
    }
}

TEST_CASE("grad() of an intermediate value", "[autograd][engine][grad]") {
    const Tensor x = Tensor{1, 2, 3}.requires_grad_();
    const Tensor y = x * 2.0f;  // non-leaf
    const Tensor z = sum(y * y);
    CHECK_FALSE(y.is_leaf());
    const auto g = grad(z, {y, x}, /*retain_graph=*/true);
    check_equal(g[0], {4, 8, 12}, {3});   // 2y
    check_equal(g[1], {8, 16, 24}, {3});  // 8x
    // y's gradient is its total even when y has several consumers.
    const Tensor z2 = sum(y * y) + sum(y * 3.0f);
    check_equal(grad(z2, {y})[0], {7, 11, 15}, {3});
    // A non-leaf never gets a grad().
    CHECK_FALSE(y.grad().defined());
}

TEST_CASE("grad() with inputs the output does not use is an error", "[autograd][engine][error]") {
    const Tensor x = Tensor{1, 2}.requires_grad_();
    const Tensor unused = Tensor{1, 2, 3}.requires_grad_();
    CHECK_THROWS_MATCHES(grad(sum(x * x), {x, unused}), Error,
                         test::message(Contains("1") && Contains("[3]") && Contains("not used")));
    const Tensor plain{1, 2};
    CHECK_THROWS_MATCHES(grad(sum(x * plain), {plain}), Error, test::message(Contains("require")));
    // A value from another graph.
    const Tensor other = x * 5.0f;
    CHECK_THROWS_AS(grad(sum(x * 2.0f), {other}), Error);
    CHECK_THROWS_MATCHES(grad(x * x, {x}), Error, test::message(Contains("[2]")));
}

TEST_CASE("backward's gradient argument", "[autograd][engine][backward]") {
    SECTION("a non-scalar without a gradient names its shape") {
        Tensor x = zeros({2, 3}).requires_grad_();
        CHECK_THROWS_MATCHES((x * 2.0f).backward(), Error, test::message(Contains("[2, 3]")));
        CHECK_THROWS_MATCHES(sum(x, 1).backward(), Error, test::message(Contains("[2]")));
        CHECK_FALSE(x.grad().defined());
    }
    SECTION("a one-element non-scalar needs none") {
        Tensor x = Tensor({3}, {1, 1}).requires_grad_();
        (x * x).backward();
        check_equal(x.grad(), {6}, {1, 1});
    }
    SECTION("a wrong-shaped gradient names both shapes") {
        Tensor x = zeros({2, 3}).requires_grad_();
        CHECK_THROWS_MATCHES((x * 2.0f).backward(ones({3, 2})), Error,
                             test::message(Contains("[3, 2]") && Contains("[2, 3]")));
        CHECK_THROWS_MATCHES((x * 2.0f).backward(ones({3})), Error,
                             test::message(Contains("[3]") && Contains("[2, 3]")));
        CHECK_THROWS_MATCHES(sum(x).backward(ones({1})), Error,
                             test::message(Contains("[1]") && Contains("[]")));
    }
    SECTION("a non-scalar with its gradient") {
        Tensor x = Tensor({1, 2, 3, 4}, {2, 2}).requires_grad_();
        (x * x).backward(Tensor({1, 0, -1, 2}, {2, 2}));
        check_equal(x.grad(), {2, 0, -6, 16}, {2, 2});
        Tensor v = Tensor{1, 2}.requires_grad_();
        matmul(Tensor({1, 2, 3, 4}, {2, 2}), v).backward(Tensor{1, 1});
        check_equal(v.grad(), {4, 6}, {2});
    }
    SECTION("backward on a leaf seeds its own grad") {
        Tensor x = Tensor{1, 2}.requires_grad_();
        x.backward(Tensor{3, 4});
        check_equal(x.grad(), {3, 4}, {2});
    }
    SECTION("backward on a value that does not require grad") {
        const Tensor x{1, 2};
        CHECK_THROWS_MATCHES(sum(x).backward(), Error, test::message(Contains("require")));
    }
}

TEST_CASE("a freed graph cannot be walked twice", "[autograd][engine][retain]") {
    SECTION("second backward throws and names the misuse") {
        Tensor x = Tensor{1, 2}.requires_grad_();
        const Tensor loss = sum(exp(x * 2.0f));
        loss.backward();
        const Tensor first = x.grad().detach();
        CHECK_THROWS_MATCHES(loss.backward(), Error, test::message(Contains("second time")));
        CHECK_THROWS_MATCHES(grad(loss, {x}), Error, test::message(Contains("retain_graph")));
        // The failed attempt left the accumulated gradient alone.
        CHECK(x.grad().to_vector() == first.to_vector());
    }
    SECTION("retain_graph keeps it") {
        Tensor x = Tensor{1, 2}.requires_grad_();
        const Tensor loss = sum(exp(x * 2.0f));
        loss.backward(Tensor(), /*retain_graph=*/true);
        loss.backward(Tensor(), true);
        loss.backward();
        std::vector<float> want;
        for (float v : {1.0f, 2.0f})
            want.push_back(3 * 2 * std::exp(2 * v));
        check_close(x.grad(), Tensor(want));
        CHECK_THROWS_AS(loss.backward(), Error);
    }
    SECTION("a new graph over a released one") {
        Tensor x = Tensor{1, 2}.requires_grad_();
        const Tensor h = exp(x);
        sum(h).backward();
        CHECK_THROWS_AS(sum(h * 2.0f).backward(), Error);
        // Leaves are never freed: a fresh graph from x works.
        x.set_grad(Tensor());
        sum(exp(x)).backward();
        check_close(x.grad(), exp(x.detach()));
    }
    SECTION("the SPEC's softmax Jacobian rows") {
        const Tensor q = Tensor({0.1757f, 0.1738f, 0.9258f}).requires_grad_();
        const Tensor p = softmax(q, 0);
        const std::vector<float> pv = p.to_vector();
        auto row = [&](int i) {
            std::vector<float> r;
            for (int j = 0; j < 3; ++j)
                r.push_back(pv[i] * ((i == j ? 1.0f : 0.0f) - pv[j]));
            return Tensor(r);
        };
        const auto row1 = grad(p[1], {q}, /*retain_graph=*/true);
        check_close(row1[0], row(1));
        const auto row2 = grad(p[2], {q});
        check_close(row2[0], row(2));
        CHECK_THROWS_MATCHES(grad(p[0], {q}), Error, test::message(Contains("second time")));
        CHECK_FALSE(q.grad().defined());
    }
}

TEST_CASE("deep graphs use no recursion", "[autograd][engine][deep]") {
    SECTION("backward through a 20,000-op chain") {
        Tensor x = full({}, 1.5f).requires_grad_();
        Tensor y = x;
        for (int i = 0; i < 20000; ++i)
            y = y + x;  // y = (i + 2) x
        CHECK(y.item() == 1.5f * 20001);
        y.backward();
        CHECK(x.grad().item() == 20001.0f);
    }
    SECTION("grad() through a 20,000-op unary chain") {
        const Tensor x = Tensor{2, -3}.requires_grad_();
        Tensor y = x;
        for (int i = 0; i < 20000; ++i)
            y = -y;
        check_equal(y, {2, -3}, {2});
        check_equal(grad(sum(y * Tensor{1, 2}), {x})[0], {1, 2}, {2});
    }
    SECTION("retain_graph on a deep chain, then a second walk") {
        Tensor x = full({}, 1.0f).requires_grad_();
        Tensor y = x;
        for (int i = 0; i < 20000; ++i)
            y = y * 1.0f;
        y.backward(Tensor(), true);
        y.backward();
        CHECK(x.grad().item() == 2.0f);
    }
}

TEST_CASE("destroying a 200,000-op graph does not overflow the stack", "[autograd][engine][deep]") {
    constexpr int depth = 200000;
    const Tensor x = full({}, 1.0f).requires_grad_();
    SECTION("unary chain") {
        Tensor y = x;
        for (int i = 0; i < depth; ++i)
            y = y * 1.0f;
    }
    SECTION("binary chain with a leaf") {
        Tensor y = x;
        for (int i = 0; i < depth; ++i)
            y = y + x;
    }
    SECTION("a value used twice by each op") {
        Tensor y = x;
        for (int i = 0; i < depth; ++i)
            y = y * y;
    }
    SECTION("each value used by two ops") {
        Tensor y = x;
        for (int i = 0; i < depth; ++i) {
            Tensor a = exp(y);
            y = a - a * 1.0f;
        }
    }
    SECTION("a chain of index ops") {
        Tensor y = x.reshape({1});
        for (int i = 0; i < depth; ++i)
            y = y.reshape({1, 1})[0];
    }
    SECTION("after a retained backward") {
        Tensor y = x;
        for (int i = 0; i < depth; ++i)
            y = y * 1.0f;
        grad(y, {x}, /*retain_graph=*/true);
    }
    SECTION("after a freeing backward that left a handle in the middle") {
        Tensor y = x, middle;
        for (int i = 0; i < depth; ++i) {
            y = y * 1.0f;
            if (i == depth / 2)
                middle = y;
        }
        grad(y, {x});
        y = Tensor();
        middle = Tensor();
    }
    // Reaching here without a crash is the test; the graph is gone.
    CHECK(x.is_leaf());
}

TEST_CASE("NoGradGuard stops recording and restores on scope exit", "[autograd][engine][nograd]") {
    const Tensor x = Tensor{1, 2}.requires_grad_();
    CHECK(is_grad_enabled());
    {
        NoGradGuard guard;
        CHECK_FALSE(is_grad_enabled());
        const Tensor y = x * 2.0f + x;
        CHECK_FALSE(y.requires_grad());
        CHECK(y.is_leaf());
        check_equal(y, {3, 6}, {2});
        CHECK_THROWS_AS(sum(y).backward(), Error);
        {
            NoGradGuard nested;
            CHECK_FALSE(is_grad_enabled());
        }
        CHECK_FALSE(is_grad_enabled());  // the outer guard is still alive
        // Leaves keep their flag: only recording stops.
        CHECK(x.requires_grad());
    }
    CHECK(is_grad_enabled());
    const Tensor z = x * 2.0f;
    CHECK(z.requires_grad());
    CHECK_FALSE(z.is_leaf());

    SECTION("restored even when the scope is left by an exception") {
        try {
            NoGradGuard guard;
            (void)(zeros({2}) + zeros({3}));
        } catch (const Error&) {
        }
        CHECK(is_grad_enabled());
    }
}

TEST_CASE("requires_grad propagates through ops", "[autograd][engine][requires_grad]") {
    Tensor a = Tensor{1, 2}.requires_grad_();
    const Tensor b{3, 4};
    CHECK(a.requires_grad());
    CHECK(a.is_leaf());
    CHECK(&a.requires_grad_() == &a);  // returns *this, for chaining

    const Tensor ab = a * b;
    CHECK(ab.requires_grad());
    CHECK_FALSE(ab.is_leaf());
    CHECK((b + a).requires_grad());
    CHECK(sum(ab).requires_grad());
    CHECK(softmax(ab, 0)[1].requires_grad());

    SECTION("ops on tensors that do not require grad record nothing") {
        const Tensor bb = exp(b * b + 1.0f);
        CHECK_FALSE(bb.requires_grad());
        CHECK(bb.is_leaf());
        CHECK_FALSE(matmul(b, b).requires_grad());
        CHECK_FALSE(b[0].requires_grad());
        CHECK_THROWS_AS(sum(bb).backward(), Error);
    }
    SECTION("requires_grad_(false) on a leaf stops it, on a non-leaf is an error") {
        Tensor c = Tensor{1}.requires_grad_();
        c.requires_grad_(false);
        CHECK_FALSE(c.requires_grad());
        CHECK_FALSE((c * 2.0f).requires_grad());
        Tensor d = a * 2.0f;
        CHECK_THROWS_MATCHES(d.requires_grad_(false), Error, test::message(Contains("detach")));
    }
}

TEST_CASE("an undefined Tensor throws tinynn::Error instead of crashing",
          "[autograd][engine][undefined]") {
    Tensor u;
    const Tensor x = Tensor{1, 2}.requires_grad_();
    CHECK_FALSE(u.defined());
    CHECK_THROWS_AS(u.shape(), Error);
    CHECK_THROWS_AS(u.dim(), Error);
    CHECK_THROWS_AS(u.numel(), Error);
    CHECK_THROWS_AS(u.size(0), Error);
    CHECK_THROWS_AS(u.to_vector(), Error);
    CHECK_THROWS_AS(u.item(), Error);
    CHECK_THROWS_AS(u.matrix(), Error);
    CHECK_THROWS_AS(u.data(), Error);
    CHECK_THROWS_AS(u[0], Error);
    CHECK_THROWS_AS(u.requires_grad_(), Error);
    CHECK_THROWS_AS(u.requires_grad(), Error);
    CHECK_THROWS_AS(u.is_leaf(), Error);
    CHECK_THROWS_AS(u.grad(), Error);
    CHECK_THROWS_AS(u.set_grad(Tensor()), Error);
    CHECK_THROWS_AS(u.detach(), Error);
    CHECK_THROWS_AS(u.backward(), Error);
    CHECK_THROWS_AS(u + x, Error);
    CHECK_THROWS_AS(x * u, Error);
    CHECK_THROWS_AS(u - 1.0f, Error);
    CHECK_THROWS_AS(2.0f / u, Error);
    CHECK_THROWS_AS(-u, Error);
    CHECK_THROWS_AS(matmul(u, x), Error);
    CHECK_THROWS_AS(matmul(x, u), Error);
    CHECK_THROWS_AS(t(u), Error);
    CHECK_THROWS_AS(reshape(u, {1}), Error);
    CHECK_THROWS_AS(sum(u), Error);
    CHECK_THROWS_AS(mean(u, 0), Error);
    CHECK_THROWS_AS(exp(u), Error);
    CHECK_THROWS_AS(clamp(u, 0, 1), Error);
    CHECK_THROWS_AS(relu(u), Error);
    CHECK_THROWS_AS(leaky_relu(u), Error);
    CHECK_THROWS_AS(softmax(u, 0), Error);
    CHECK_THROWS_AS(zeros_like(u), Error);
    CHECK_THROWS_AS(grad(u, {x}), Error);
    CHECK_THROWS_AS(grad(sum(x), {u}), Error);
    CHECK_NOTHROW(grad(sum(x), {x}, Tensor(), false));  // undefined means implied
    {
        NoGradGuard guard;  // the no-grad path must check too
        CHECK_THROWS_AS(u * 2.0f, Error);
        CHECK_THROWS_AS(sigmoid(u), Error);
    }
    // The graph is still usable after all that.
    check_equal(grad(sum(x * x), {x})[0], {2, 4}, {2});
}
