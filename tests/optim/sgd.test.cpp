// torch.optim.SGD's update rule, checked against expectations computed here in
// double from the formulas themselves (and, for element 0, by hand), never by
// calling the optimiser.

#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/ops.hpp>
#include <tinynn/optim/sgd.hpp>
#include <tinynn/tensor.hpp>

#include "support/approx.hpp"

using tinynn::Error;
using tinynn::Tensor;
using tinynn::optim::SGD;
using tinynn::optim::SGDOptions;
using tinynn::test::check_close;

namespace {

const std::vector<float> kStart = {1.0f, -2.0f, 0.5f};
// One grad per step; the signs change between steps so that momentum, and
// where it starts, makes a visible difference.
const std::vector<std::vector<float>> kGrads = {
    {0.5f, -1.0f, 2.0f},
    {-0.25f, 0.75f, 1.5f},
    {1.0f, 0.5f, -2.0f},
    {0.3f, -0.6f, 0.9f},
};

Tensor param(const std::vector<float>& values, tinynn::Shape shape) {
    return Tensor(values, std::move(shape)).requires_grad_();
}
Tensor param(const std::vector<float>& values) {
    return param(values, {static_cast<int64_t>(values.size())});
}

std::vector<double> to_double(const std::vector<float>& v) {
    return std::vector<double>(v.begin(), v.end());
}
std::vector<float> to_float(const std::vector<double>& v) {
    return std::vector<float>(v.begin(), v.end());
}

// A grad that differs per step, per parameter and per element.
float made_up_grad(size_t step, size_t param_index, size_t element) {
    return static_cast<float>(std::sin(1.3 * static_cast<double>(step) +
                                       0.7 * static_cast<double>(element) +
                                       static_cast<double>(param_index)));
}

}  // namespace

TEST_CASE("SGD without options: p -= lr * grad, from a backward", "[optim][sgd]") {
    // loss = sum(w * w) / 2 has grad w, so each step scales w by (1 - lr).
    Tensor w = param(kStart);
    SGD opt({w}, {.lr = 0.1f});
    std::vector<double> want = to_double(kStart);
    for (int step = 1; step <= 3; ++step) {
        opt.zero_grad();
        Tensor loss = tinynn::sum(w * w) / 2.0f;
        loss.backward();
        opt.step();
        for (double& x : want)
            x *= 0.9;
        INFO("after step " << step);
        check_close(w.to_vector(), to_float(want));
    }
    check_close(w.to_vector(), {0.729f, -1.458f, 0.3645f});
}

TEST_CASE("SGD without options: p -= lr * grad, from set_grad", "[optim][sgd]") {
    Tensor p = param(kStart);
    SGD opt({p}, {.lr = 0.1f});
    std::vector<double> want = to_double(kStart);
    for (size_t k = 0; k < kGrads.size(); ++k) {
        p.set_grad(Tensor(kGrads[k]));
        opt.step();
        for (size_t j = 0; j < want.size(); ++j)
            want[j] -= 0.1 * kGrads[k][j];
        INFO("after step " << k + 1);
        check_close(p.to_vector(), to_float(want));
        // By hand: 1 - 0.1 * (0.5 - 0.25 + 1.0) after three steps.
        if (k == 2)
            CHECK(p.to_vector()[0] == Approx(0.875));
    }
}

TEST_CASE("SGD weight decay adds weight_decay * p to the gradient", "[optim][sgd]") {
    Tensor p = param(kStart);
    SGD opt({p}, {.lr = 0.1f, .weight_decay = 0.5f});
    std::vector<double> want = to_double(kStart);
    for (size_t k = 0; k < kGrads.size(); ++k) {
        p.set_grad(Tensor(kGrads[k]));
        opt.step();
        for (size_t j = 0; j < want.size(); ++j) {
            const double d = kGrads[k][j] + 0.5 * want[j];
            want[j] -= 0.1 * d;
        }
        INFO("after step " << k + 1);
        check_close(p.to_vector(), to_float(want));
        // By hand: 1 -> 0.9 (d = 1.0) -> 0.88 (d = 0.2) -> 0.736 (d = 1.44).
        if (k == 2)
            CHECK(p.to_vector()[0] == Approx(0.736));
    }
    // The grad itself is an input, not scratch space.
    check_close(p.grad().to_vector(), kGrads.back());
}

TEST_CASE("SGD momentum: the buffer starts as the gradient, then momentum * buf + grad",
          "[optim][sgd]") {
    Tensor p = param(kStart);
    SGD opt({p}, {.lr = 0.1f, .momentum = 0.9f});
    std::vector<double> want = to_double(kStart), buf(want.size());
    for (size_t k = 0; k < kGrads.size(); ++k) {
        p.set_grad(Tensor(kGrads[k]));
        opt.step();
        for (size_t j = 0; j < want.size(); ++j) {
            const double g = kGrads[k][j];
            buf[j] = k == 0 ? g : 0.9 * buf[j] + g;
            want[j] -= 0.1 * buf[j];
        }
        INFO("after step " << k + 1);
        check_close(p.to_vector(), to_float(want));
        // By hand: buf 0.5, 0.2, 1.18 -> p 0.95, 0.93, 0.812.
        if (k == 2)
            CHECK(p.to_vector()[0] == Approx(0.812));
    }
}

TEST_CASE("SGD dampening: the first buffer is the grad itself, undamped", "[optim][sgd]") {
    Tensor p = param(kStart);
    SGD opt({p}, {.lr = 0.1f, .momentum = 0.9f, .dampening = 0.3f});
    std::vector<double> want = to_double(kStart), buf(want.size());
    for (size_t k = 0; k < kGrads.size(); ++k) {
        p.set_grad(Tensor(kGrads[k]));
        opt.step();
        for (size_t j = 0; j < want.size(); ++j) {
            const double g = kGrads[k][j];
            buf[j] = k == 0 ? g : 0.9 * buf[j] + (1.0 - 0.3) * g;
            want[j] -= 0.1 * buf[j];
        }
        INFO("after step " << k + 1);
        check_close(p.to_vector(), to_float(want));
        // By hand: buf 0.5, 0.275, 0.9475 -> p 0.95, 0.9225, 0.82775.
        if (k == 0)
            CHECK(p.to_vector()[0] == Approx(0.95));
        if (k == 2)
            CHECK(p.to_vector()[0] == Approx(0.82775));
    }
}

TEST_CASE("SGD nesterov: p -= lr * (grad + momentum * buf)", "[optim][sgd]") {
    Tensor p = param(kStart);
    SGD opt({p}, {.lr = 0.1f, .momentum = 0.9f, .nesterov = true});
    std::vector<double> want = to_double(kStart), buf(want.size());
    for (size_t k = 0; k < kGrads.size(); ++k) {
        p.set_grad(Tensor(kGrads[k]));
        opt.step();
        for (size_t j = 0; j < want.size(); ++j) {
            const double g = kGrads[k][j];
            buf[j] = k == 0 ? g : 0.9 * buf[j] + g;
            want[j] -= 0.1 * (g + 0.9 * buf[j]);
        }
        INFO("after step " << k + 1);
        check_close(p.to_vector(), to_float(want));
        // By hand: d 0.95, -0.07, 2.062 -> p 0.905, 0.912, 0.7058.
        if (k == 2)
            CHECK(p.to_vector()[0] == Approx(0.7058));
    }
}

TEST_CASE("SGD with every option, over parameters of each rank", "[optim][sgd]") {
    const std::vector<std::vector<float>> starts = {
        {0.5f, -1.5f, 2.0f, 0.25f}, {1.0f, -0.5f, 3.0f}, {-0.75f}};
    const std::vector<tinynn::Shape> shapes = {{2, 2}, {3}, {}};
    const double lr = 0.05, momentum = 0.8, weight_decay = 0.1;

    // Dampening and nesterov exclude each other, so "every option" is two runs.
    for (const bool nesterov : {false, true}) {
        const double dampening = nesterov ? 0.0 : 0.25;
        DYNAMIC_SECTION("nesterov " << nesterov) {
            std::vector<Tensor> params;
            std::vector<std::vector<double>> want, buf;
            for (size_t i = 0; i < starts.size(); ++i) {
                params.push_back(param(starts[i], shapes[i]));
                want.push_back(to_double(starts[i]));
                buf.emplace_back(starts[i].size());
            }
            SGD opt(params, {.lr = static_cast<float>(lr),
                             .momentum = static_cast<float>(momentum),
                             .dampening = static_cast<float>(dampening),
                             .weight_decay = static_cast<float>(weight_decay),
                             .nesterov = nesterov});
            for (size_t k = 0; k < 5; ++k) {
                for (size_t i = 0; i < params.size(); ++i) {
                    std::vector<float> g(starts[i].size());
                    for (size_t j = 0; j < g.size(); ++j)
                        g[j] = made_up_grad(k, i, j);
                    params[i].set_grad(Tensor(g, shapes[i]));
                    for (size_t j = 0; j < g.size(); ++j) {
                        double d = g[j] + weight_decay * want[i][j];
                        buf[i][j] = k == 0 ? d : momentum * buf[i][j] + (1.0 - dampening) * d;
                        d = nesterov ? d + momentum * buf[i][j] : buf[i][j];
                        want[i][j] -= lr * d;
                    }
                }
                opt.step();
                for (size_t i = 0; i < params.size(); ++i) {
                    INFO("parameter " << i << " after step " << k + 1);
                    CHECK(params[i].shape() == shapes[i]);
                    check_close(params[i].to_vector(), to_float(want[i]));
                }
            }
        }
    }
}

TEST_CASE("SGD skips a parameter without grad, and leaves its momentum alone", "[optim][sgd]") {
    Tensor a = param({1.0f, 2.0f});
    Tensor b = param({-3.0f});
    const double lr = 0.1, momentum = 0.9, keep = 1.0 - 0.5;
    SGD opt({a, b}, {.lr = 0.1f, .momentum = 0.9f, .dampening = 0.5f});

    // Step 1: only a has a grad; b keeps its value exactly.
    a.set_grad(Tensor({1.0f, -1.0f}));
    opt.step();
    const double a1[] = {1.0 - lr * 1.0, 2.0 - lr * -1.0};
    check_close(a.to_vector(), {float(a1[0]), float(a1[1])});
    CHECK(b.to_vector() == std::vector<float>{-3.0f});

    // Step 2: b's first grad starts its buffer undamped, as if it were step 1.
    a.set_grad(Tensor({0.5f, 0.5f}));
    b.set_grad(Tensor({2.0f}));
    opt.step();
    const double a_buf2[] = {momentum * 1.0 + keep * 0.5, momentum * -1.0 + keep * 0.5};
    const double a2[] = {a1[0] - lr * a_buf2[0], a1[1] - lr * a_buf2[1]};
    const double b_buf2 = 2.0;
    const double b2 = -3.0 - lr * b_buf2;
    check_close(a.to_vector(), {float(a2[0]), float(a2[1])});
    check_close(b.to_vector(), {float(b2)});

    // Step 3: now a is skipped; its buffer must not decay meanwhile.
    a.set_grad(Tensor());
    b.set_grad(Tensor({-1.0f}));
    opt.step();
    const double b3 = b2 - lr * (momentum * b_buf2 + keep * -1.0);
    check_close(a.to_vector(), {float(a2[0]), float(a2[1])});
    check_close(b.to_vector(), {float(b3)});

    // Step 4: a's buffer carries on from step 2.
    a.set_grad(Tensor({-2.0f, 1.0f}));
    b.set_grad(Tensor());
    opt.step();
    const double a4[] = {a2[0] - lr * (momentum * a_buf2[0] + keep * -2.0),
                         a2[1] - lr * (momentum * a_buf2[1] + keep * 1.0)};
    check_close(a.to_vector(), {float(a4[0]), float(a4[1])});
    check_close(b.to_vector(), {float(b3)});
}

TEST_CASE("SGD that throws changes no parameter and starts no momentum", "[optim][sgd]") {
    Tensor a = param({1.0f, 2.0f});
    Tensor b = param({-3.0f, 4.0f});
    SGD opt({a, b}, {.lr = 0.5f, .momentum = 0.9f});
    a.set_grad(Tensor({1.0f, -1.0f}));
    b.set_grad(Tensor({2.0f, 2.0f}));
    b.matrix().resize(1, 3);  // b no longer matches its grad
    CHECK_THROWS_WITH(opt.step(), Catch::Contains("parameter 1"));
    CHECK(a.to_vector() == std::vector<float>{1.0f, 2.0f});
    // With b whole again the next step is each parameter's first: buf = grad.
    b.matrix().resize(1, 2);
    b.matrix() << -3.0f, 4.0f;
    opt.step();
    CHECK(a.to_vector() == std::vector<float>{1.0f - 0.5f * 1.0f, 2.0f - 0.5f * -1.0f});
    CHECK(b.to_vector() == std::vector<float>{-3.0f - 0.5f * 2.0f, 4.0f - 0.5f * 2.0f});
}

TEST_CASE("SGD zero_grad clears every grad, so a following step changes nothing", "[optim][sgd]") {
    Tensor a = param({1.0f, -2.0f});
    Tensor b = param({0.5f, 0.25f, -1.0f, 4.0f}, {2, 2});
    SGD opt({a, b}, {.lr = 0.1f, .momentum = 0.9f});
    (tinynn::sum(a * a) + tinynn::sum(b * b)).backward();
    REQUIRE(a.grad().defined());
    REQUIRE(b.grad().defined());
    opt.step();
    const std::vector<float> a_after = a.to_vector(), b_after = b.to_vector();
    CHECK(a_after != std::vector<float>{1.0f, -2.0f});

    opt.zero_grad();
    CHECK_FALSE(a.grad().defined());
    CHECK_FALSE(b.grad().defined());
    // With momentum a buffer exists, but PyTorch only applies it to
    // parameters that have a grad.
    opt.step();
    CHECK(a.to_vector() == a_after);
    CHECK(b.to_vector() == b_after);
}

TEST_CASE("SGD updates the parameter's own storage, outside the graph", "[optim][sgd]") {
    Tensor p = param({1.0f, 2.0f, 3.0f});
    Tensor alias = p;  // a second handle to the same value, as a module holds
    const float* storage = p.data();
    SGD opt({p}, {.lr = 0.5f, .momentum = 0.5f, .weight_decay = 0.1f});
    for (int step = 0; step < 3; ++step) {
        p.set_grad(Tensor({1.0f, 1.0f, 1.0f}));
        opt.step();
    }
    CHECK(p.data() == storage);
    CHECK(alias.to_vector() == p.to_vector());
    CHECK(alias.to_vector() != std::vector<float>{1.0f, 2.0f, 3.0f});
    CHECK(p.is_leaf());
    CHECK(p.requires_grad());
}

TEST_CASE("SGD rejects invalid options, naming the option and the value", "[optim][sgd]") {
    using Catch::Contains;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    Tensor p = param({1.0f});
    auto make = [&](SGDOptions o) { SGD opt({p}, o); };

    CHECK_THROWS_AS(make({.lr = -0.1f}), Error);
    CHECK_THROWS_WITH(make({.lr = -0.1f}), Contains("lr") && Contains("-0.1"));
    CHECK_THROWS_WITH(make({.lr = nan}), Contains("lr") && Contains("nan"));
    CHECK_THROWS_WITH(make({.lr = inf}), Contains("lr") && Contains("inf"));
    CHECK_THROWS_WITH(make({.lr = 0.1f, .momentum = -0.5f}),
                      Contains("momentum") && Contains("-0.5"));
    CHECK_THROWS_WITH(make({.lr = 0.1f, .momentum = inf}), Contains("momentum"));
    CHECK_THROWS_WITH(make({.lr = 0.1f, .momentum = 0.9f, .dampening = nan}),
                      Contains("dampening") && Contains("nan"));
    CHECK_THROWS_WITH(make({.lr = 0.1f, .dampening = -inf}), Contains("dampening"));
    CHECK_THROWS_WITH(make({.lr = 0.1f, .weight_decay = -1e-4f}),
                      Contains("weight_decay") && Contains("-0.0001"));
    CHECK_THROWS_WITH(make({.lr = 0.1f, .weight_decay = nan}), Contains("weight_decay"));
    CHECK_THROWS_AS(make({.lr = 0.1f, .weight_decay = inf}), Error);

    const char* nesterov = "Nesterov momentum requires a momentum and zero dampening";
    CHECK_THROWS_WITH(make({.lr = 0.1f, .nesterov = true}), Contains(nesterov));
    CHECK_THROWS_WITH(make({.lr = 0.1f, .momentum = 0.9f, .dampening = 0.1f, .nesterov = true}),
                      Contains(nesterov));
    CHECK_THROWS_AS(make({.lr = 0.1f, .momentum = 0.9f, .dampening = 0.1f, .nesterov = true}),
                    Error);

    // The boundaries themselves are valid, and PyTorch allows any finite dampening.
    CHECK_NOTHROW(make({.lr = 0.0f}));
    CHECK_NOTHROW(make({.lr = 0.1f, .momentum = 0.0f, .weight_decay = 0.0f}));
    CHECK_NOTHROW(make({.lr = 0.1f, .momentum = 0.9f, .dampening = -0.5f}));
    CHECK_NOTHROW(make({.lr = 0.1f, .momentum = 0.9f, .nesterov = true}));
}

TEST_CASE("SGD rejects parameters an optimiser cannot update", "[optim][sgd]") {
    using Catch::Contains;
    CHECK_THROWS_AS(SGD({}, {.lr = 0.1f}), Error);
    CHECK_THROWS_WITH(SGD({}, {.lr = 0.1f}), Contains("optimizer got an empty parameter list"));

    Tensor leaf = param({1.0f, 2.0f});
    Tensor made_by_op = leaf * 2.0f;
    REQUIRE_FALSE(made_by_op.is_leaf());
    CHECK_THROWS_AS(SGD({leaf, made_by_op}, {.lr = 0.1f}), Error);
    CHECK_THROWS_WITH(SGD({leaf, made_by_op}, {.lr = 0.1f}),
                      Contains("parameter 1") && Contains("leaf"));

    Tensor frozen({1.0f, 2.0f});
    CHECK_THROWS_WITH(SGD({frozen}, {.lr = 0.1f}), Contains("parameter 0") && Contains("require"));
    CHECK_THROWS_WITH(SGD({leaf, leaf.detach(), leaf}, {.lr = 0.1f}),
                      Contains("parameter 1") && Contains("require"));

    CHECK_THROWS_WITH(SGD({leaf, Tensor()}, {.lr = 0.1f}),
                      Contains("parameter 1") && Contains("undefined"));

    // Listed twice, it would take two steps per step.
    Tensor other = param({3.0f});
    CHECK_THROWS_WITH(SGD({leaf, other, leaf}, {.lr = 0.1f}),
                      Contains("parameter 2") && Contains("same tensor as parameter 0"));
}

TEST_CASE("SGD fits y = 2x + 1 with a linear model made of raw tensors", "[optim][sgd]") {
    // x in [-1, 1], y = 2x + 1 exactly: the minimum is w = 2, b = 1, loss 0.
    Tensor x = tinynn::linspace(-1.0, 1.0, 16).reshape({16, 1});
    Tensor y = x * 2.0f + 1.0f;
    Tensor w = tinynn::zeros({1, 1}).requires_grad_();
    Tensor b = tinynn::zeros({1}).requires_grad_();
    SGD opt({w, b}, {.lr = 0.1f, .momentum = 0.9f});

    auto loss_fn = [&] {
        Tensor err = tinynn::matmul(x, w) + b - y;
        return tinynn::mean(err * err);
    };
    const float first_loss = loss_fn().item();
    float loss = first_loss;
    for (int step = 0; step < 300; ++step) {
        opt.zero_grad();
        Tensor l = loss_fn();
        l.backward();
        opt.step();
        loss = l.item();
    }
    CHECK(first_loss > 1.0f);
    CHECK(loss < 1e-8f);
    CHECK(w.item() == Approx(2.0f).margin(1e-4));
    CHECK(b.item() == Approx(1.0f).margin(1e-4));
}
