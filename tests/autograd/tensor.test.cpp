// The Tensor handle itself: construction, shape queries, factories, the
// default generator, printing, detach and indexing.

#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/autograd.hpp>
#include <tinynn/ops.hpp>
#include <tinynn/random.hpp>
#include <tinynn/tensor.hpp>

#include "ops/values.hpp"
#include "support/approx.hpp"
#include "support/oracle.hpp"

using namespace tinynn;
using Catch::Matchers::Contains;
using tinynn::test::check_equal;

namespace {
// Bit patterns, so that -0 vs 0 and the last ulp both count.
std::vector<uint32_t> bits(const std::vector<float>& v) {
    std::vector<uint32_t> out(v.size());
    std::memcpy(out.data(), v.data(), v.size() * sizeof(float));
    return out;
}
}  // namespace

TEST_CASE("Tensor constructors give the documented shapes", "[tensor][construct]") {
    SECTION("braced list is a vector") {
        Tensor t{1.0f, 2.0f, 3.0f};
        check_equal(t, {1, 2, 3}, {3});
        CHECK(t.defined());
        CHECK(t.is_leaf());
        CHECK_FALSE(t.requires_grad());
    }
    SECTION("braced list with a shape is filled row-major") {
        Tensor m({1, 2, 3, 4, 5, 6}, {2, 3});
        check_equal(m, {1, 2, 3, 4, 5, 6}, {2, 3});
        CHECK(m.matrix()(0, 2) == 3.0f);
        CHECK(m.matrix()(1, 0) == 4.0f);
        Tensor s({7}, {});
        check_equal(s, {7}, {});
        Tensor col({1, 2, 3}, {3, 1});
        CHECK(col.shape() == Shape{3, 1});
        CHECK(col.matrix()(2, 0) == 3.0f);
    }
    SECTION("std::vector, with and without a shape") {
        Tensor v(std::vector<float>{4, 5});
        check_equal(v, {4, 5}, {2});
        Tensor m(std::vector<float>{1, 2, 3, 4, 5, 6}, Shape{3, 2});
        check_equal(m, {1, 2, 3, 4, 5, 6}, {3, 2});
        CHECK(m.matrix()(1, 0) == 3.0f);
    }
    SECTION("an Eigen matrix keeps rows and cols, whatever its storage order") {
        Eigen::MatrixXf colmajor(2, 3);
        colmajor << 1, 2, 3, 4, 5, 6;
        check_equal(Tensor(colmajor), {1, 2, 3, 4, 5, 6}, {2, 3});
        Eigen::VectorXf column(3);
        column << 7, 8, 9;
        check_equal(Tensor(column), {7, 8, 9}, {3, 1});
        check_equal(Tensor(colmajor.transpose()), {1, 4, 2, 5, 3, 6}, {3, 2});
    }
    SECTION("a count that does not fill the shape is an error naming it") {
        CHECK_THROWS_MATCHES(Tensor({1, 2, 3}, {2, 2}), Error, test::message(Contains("[2, 2]")));
        CHECK_THROWS_AS(Tensor({1, 2}, {}), Error);
        CHECK_THROWS_MATCHES(Tensor({1}, {1, 1, 1}), Error, test::message(Contains("[1, 1, 1]")));
        CHECK_THROWS_AS(Tensor({}, {-1}), Error);
    }
    SECTION("from_matrix checks the storage against the shape") {
        CHECK_NOTHROW(Tensor::from_matrix(Matrix::Zero(1, 4), {4}));
        CHECK_THROWS_AS(Tensor::from_matrix(Matrix::Zero(4, 1), {4}), Error);
        CHECK_THROWS_AS(Tensor::from_matrix(Matrix::Zero(2, 2), {}), Error);
    }
    SECTION("default-constructed is undefined") {
        CHECK_FALSE(Tensor().defined());
    }
}

TEST_CASE("shape, numel, dim and size", "[tensor][shape]") {
    Tensor s = full({}, 2.0f);
    Tensor v = zeros({5});
    Tensor m = zeros({2, 3});
    Tensor e = zeros({0, 3});
    CHECK(s.shape().empty());
    CHECK(s.dim() == 0);
    CHECK(s.numel() == 1);
    CHECK(v.dim() == 1);
    CHECK(v.numel() == 5);
    CHECK(v.size(0) == 5);
    CHECK(v.size(-1) == 5);
    CHECK(m.dim() == 2);
    CHECK(m.numel() == 6);
    CHECK(m.size(0) == 2);
    CHECK(m.size(1) == 3);
    CHECK(m.size(-1) == 3);
    CHECK(m.size(-2) == 2);
    CHECK(e.numel() == 0);
    CHECK(e.to_vector().empty());
    CHECK_THROWS_MATCHES(m.size(2), Error, test::message(Contains("2")));
    CHECK_THROWS_AS(m.size(-3), Error);
    CHECK_THROWS_AS(s.size(0), Error);
}

TEST_CASE("to_vector is a row-major copy", "[tensor][shape]") {
    Tensor m({1, 2, 3, 4, 5, 6}, {2, 3});
    std::vector<float> v = m.to_vector();
    CHECK(v == std::vector<float>{1, 2, 3, 4, 5, 6});
    v[0] = 100;  // a copy: the tensor keeps its value
    CHECK(m.to_vector()[0] == 1.0f);
    // The transpose's row-major order is the original's column order.
    CHECK(m.t().to_vector() == std::vector<float>{1, 4, 2, 5, 3, 6});
}

TEST_CASE("item reads the one element and refuses more", "[tensor][shape]") {
    CHECK(full({}, 3.5f).item() == 3.5f);
    CHECK(Tensor{-2.0f}.item() == -2.0f);
    CHECK(Tensor({9}, {1, 1}).item() == 9.0f);
    CHECK_THROWS_MATCHES(Tensor({1, 2}).item(), Error, test::message(Contains("[2]")));
    CHECK_THROWS_MATCHES(zeros({2, 3}).item(), Error, test::message(Contains("[2, 3]")));
}

TEST_CASE("zeros, ones, full and the _like factories", "[tensor][factory]") {
    check_equal(zeros({2, 2}), {0, 0, 0, 0}, {2, 2});
    check_equal(ones({3}), {1, 1, 1}, {3});
    check_equal(full({}, -1.5f), {-1.5f}, {});
    check_equal(full({1, 2}, 4.0f), {4, 4}, {1, 2});
    Tensor m({1, 2, 3, 4, 5, 6}, {3, 2});
    check_equal(zeros_like(m), std::vector<float>(6, 0.0f), {3, 2});
    check_equal(ones_like(m), std::vector<float>(6, 1.0f), {3, 2});
    check_equal(ones_like(full({}, 7.0f)), {1}, {});
    CHECK_THROWS_MATCHES(zeros({2, 3, 4}), Error, test::message(Contains("[2, 3, 4]")));
    CHECK_THROWS_AS(ones({-1}), Error);
    CHECK_FALSE(zeros({2}).requires_grad());
}

TEST_CASE("linspace equals torch.linspace bit for bit", "[tensor][factory][linspace]") {
    SECTION("the oracle cases: linspace(-100, 100, 10) and linspace(-1, 1, 10)") {
        const Tensor want100 = test::oracle_case("example_sigmoid_linspace").inputs.at("x");
        const Tensor got100 = linspace(-100, 100, 10);
        CHECK(got100.shape() == Shape{10});
        CHECK(bits(got100.to_vector()) == bits(want100.to_vector()));

        const Tensor want1 = test::oracle_case("example_tanh_linspace").inputs.at("x");
        const Tensor got1 = linspace(-1, 1, 10);
        CHECK(bits(got1.to_vector()) == bits(want1.to_vector()));
        CHECK(bits(linspace(-1, 1, 10).to_vector()) ==
              bits(test::oracle_case("example_relu_linspace").inputs.at("x").to_vector()));
    }
    SECTION("ends are exact, symmetric ranges are symmetric") {
        const std::vector<float> v = linspace(-1, 1, 10).to_vector();
        CHECK(v.front() == -1.0f);
        CHECK(v.back() == 1.0f);
        for (size_t i = 0; i < v.size(); ++i)
            CHECK(v[i] == -v[v.size() - 1 - i]);
    }
    SECTION("torch's values where rounding differs: one fused multiply-add each") {
        // From Debian's PyTorch 1.13 on this machine: torch.linspace(-1, 1, n)
        // printed with float.hex(). Rounding the product before the add
        // instead would give 0 in the middle, not -2^-25.
        const std::vector<float> want7{-0x1.0000000000000p+0f, -0x1.5555540000000p-1f,
                                       -0x1.5555540000000p-2f, -0x1.0000000000000p-25f,
                                       0x1.5555540000000p-2f,  0x1.5555540000000p-1f,
                                       0x1.0000000000000p+0f};
        const std::vector<float> want13{
            -0x1.0000000000000p+0f,  -0x1.aaaaaa0000000p-1f, -0x1.5555540000000p-1f,
            -0x1.0000000000000p-1f,  -0x1.5555540000000p-2f, -0x1.5555520000000p-3f,
            -0x1.0000000000000p-25f, 0x1.5555520000000p-3f,  0x1.5555540000000p-2f,
            0x1.0000000000000p-1f,   0x1.5555540000000p-1f,  0x1.aaaaaa0000000p-1f,
            0x1.0000000000000p+0f};
        CHECK(bits(linspace(-1, 1, 7).to_vector()) == bits(want7));
        CHECK(bits(linspace(-1, 1, 13).to_vector()) == bits(want13));
    }
    SECTION("small cases") {
        check_equal(linspace(0, 1, 5), {0, 0.25f, 0.5f, 0.75f, 1}, {5});
        check_equal(linspace(3, 3, 1), {3}, {1});
        check_equal(linspace(2, -2, 3), {2, 0, -2}, {3});
        CHECK(linspace(0, 1, 0).shape() == Shape{0});
        CHECK_THROWS_AS(linspace(0, 1, -1), Error);
    }
}

TEST_CASE("arange follows torch.arange", "[tensor][factory]") {
    check_equal(arange(4), {0, 1, 2, 3}, {4});
    check_equal(arange(1, 2.5, 0.5), {1, 1.5f, 2}, {3});
    check_equal(arange(5, 1, -2), {5, 3}, {2});
    CHECK(arange(0).numel() == 0);
    CHECK(arange(0, 1, 0.3).numel() == 4);  // ceil(1 / 0.3)
    CHECK_THROWS_AS(arange(0, 1, 0), Error);
    CHECK_THROWS_AS(arange(0, 1, -1), Error);
    CHECK_THROWS_AS(arange(std::numeric_limits<double>::infinity()), Error);
}

TEST_CASE("manual_seed makes rand and randn reproducible", "[tensor][random]") {
    manual_seed(42);
    const std::vector<float> r1 = rand({3, 4}).to_vector();
    const std::vector<float> n1 = randn({7}).to_vector();  // odd: leaves a spare normal
    manual_seed(42);
    const std::vector<float> r2 = rand({3, 4}).to_vector();
    const std::vector<float> n2 = randn({7}).to_vector();
    CHECK(bits(r1) == bits(r2));
    CHECK(bits(n1) == bits(n2));

    // Reseeding discards the spare normal Box-Muller kept from before.
    manual_seed(42);
    (void)rand({3, 4});
    (void)randn({1});
    manual_seed(42);
    (void)rand({3, 4});
    CHECK(randn({1}).item() == n1[0]);

    manual_seed(43);
    CHECK(rand({3, 4}).to_vector() != r1);
    CHECK(randn({7}).to_vector() != n1);

    // Consecutive draws without reseeding differ.
    manual_seed(42);
    CHECK(rand({3, 4}).to_vector() != rand({3, 4}).to_vector());
    CHECK(rand({2, 5}).shape() == Shape{2, 5});
    CHECK(randn({}).shape().empty());
}

TEST_CASE("rand is uniform on the unit interval, randn standard normal", "[tensor][random]") {
    manual_seed(0);
    const std::vector<float> u = rand({100, 100}).to_vector();
    double sum = 0;
    float lo = 1, hi = 0;
    for (float x : u) {
        sum += x;
        lo = std::min(lo, x);
        hi = std::max(hi, x);
    }
    CHECK(lo >= 0.0f);
    CHECK(hi < 1.0f);
    CHECK(lo < 0.01f);
    CHECK(hi > 0.99f);
    CHECK(sum / u.size() == Approx(0.5).margin(0.02));

    const std::vector<float> n = randn({10000}).to_vector();
    double mean = 0, sq = 0;
    for (float x : n)
        mean += x;
    mean /= n.size();
    for (float x : n)
        sq += (x - mean) * (x - mean);
    const double std = std::sqrt(sq / (n.size() - 1));
    CHECK(mean == Approx(0.0).margin(0.05));
    CHECK(std == Approx(1.0).margin(0.05));
    for (float x : n)
        REQUIRE(std::isfinite(x));
}

TEST_CASE("detach copies the value out of the graph", "[tensor][autograd]") {
    Tensor x = Tensor{1.0f, 2.0f}.requires_grad_();
    Tensor y = x * 3.0f;
    Tensor d = y.detach();
    CHECK(d.to_vector() == y.to_vector());
    CHECK(d.shape() == y.shape());
    CHECK_FALSE(d.requires_grad());
    CHECK(d.is_leaf());
    CHECK_FALSE(x.detach().requires_grad());
    // d enters the product as a constant: the gradient reaches x only.
    (d * x).sum().backward();
    CHECK(x.grad().to_vector() == std::vector<float>{3.0f, 6.0f});
}

TEST_CASE("Indexing picks along dim 0", "[tensor][index]") {
    Tensor v{10.0f, 20.0f, 30.0f};
    Tensor m({1, 2, 3, 4, 5, 6}, {2, 3});
    SECTION("element of a vector, row of a matrix") {
        check_equal(v[0], {10}, {});
        check_equal(v[2], {30}, {});
        check_equal(m[1], {4, 5, 6}, {3});
        check_equal(m[0][2], {3}, {});
    }
    SECTION("negative indices count from the end") {
        check_equal(v[-1], {30}, {});
        check_equal(v[-3], {10}, {});
        check_equal(m[-2], {1, 2, 3}, {3});
    }
    SECTION("out of range is an error naming the index and shape") {
        CHECK_THROWS_MATCHES(v[3], Error, test::message(Contains("3") && Contains("[3]")));
        CHECK_THROWS_AS(v[-4], Error);
        CHECK_THROWS_MATCHES(m[2], Error, test::message(Contains("[2, 3]")));
        CHECK_THROWS_AS(full({}, 1.0f)[0], Error);
    }
    SECTION("differentiable: the gradient lands on the indexed element or row") {
        Tensor x = Tensor{1.0f, 2.0f, 3.0f}.requires_grad_();
        Tensor y = x[1] * 5.0f + x[-1] * x[-1];
        CHECK(y.requires_grad());
        y.backward();
        CHECK(x.grad().to_vector() == std::vector<float>{0, 5, 6});

        Tensor w = Tensor({1, 2, 3, 4, 5, 6}, {2, 3}).requires_grad_();
        const std::vector<Tensor> g = grad(sum(w[1] * Tensor{1.0f, 2.0f, 3.0f}), {w});
        check_equal(g[0], {0, 0, 0, 1, 2, 3}, {2, 3});
    }
}
