// matmul for every rank combination, and the ops that move values around:
// t, transpose, reshape.

#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/autograd.hpp>
#include <tinynn/ops.hpp>

#include "ops/values.hpp"
#include "support/approx.hpp"
#include "support/gradcheck.hpp"

using namespace tinynn;
using Catch::Matchers::Contains;
using test::check_equal;
using test::gradcheck;

TEST_CASE("matmul follows torch.matmul for ranks 1 and 2", "[ops][matmul]") {
    const Tensor A({1, 2, 3, 4, 5, 6}, {2, 3});
    const Tensor B({1, 0, -1, 2, 3, 1}, {3, 2});
    const Tensor u{1, 2, 3};
    const Tensor w{2, -1};
    SECTION("matrix @ matrix") {
        check_equal(matmul(A, B), {8, 7, 17, 16}, {2, 2});
        check_equal(A.matmul(B), {8, 7, 17, 16}, {2, 2});
    }
    SECTION("vector @ matrix: the vector is a row, its dim dropped") {
        check_equal(matmul(w, A), {-2, -1, 0}, {3});
    }
    SECTION("matrix @ vector: the vector is a column, its dim dropped") {
        check_equal(matmul(A, u), {14, 32}, {2});
        check_equal(matmul(B, w), {2, -4, 5}, {3});
    }
    SECTION("vector @ vector is a scalar dot product") {
        check_equal(matmul(u, Tensor{4, 5, 6}), {32}, {});
    }
    SECTION("degenerate sizes") {
        check_equal(matmul(Tensor({2}, {1, 1}), Tensor({3}, {1, 1})), {6}, {1, 1});
        check_equal(matmul(Tensor({1, 2, 3}, {3, 1}), Tensor({1, 2}, {1, 2})), {1, 2, 2, 4, 3, 6},
                    {3, 2});
        check_equal(matmul(Tensor{2}, Tensor({3, 4}, {1, 2})), {6, 8}, {2});
    }
}

TEST_CASE("matmul gradients", "[ops][matmul][grad]") {
    SECTION("by hand: dA = G B^T, dB = A^T G") {
        const Tensor A = Tensor({1, 2, 3, 4}, {2, 2}).requires_grad_();
        const Tensor B = Tensor({5, 6, 7, 8}, {2, 2}).requires_grad_();
        const auto g = grad(sum(matmul(A, B)), {A, B});
        check_equal(g[0], {11, 15, 11, 15}, {2, 2});
        check_equal(g[1], {4, 4, 6, 6}, {2, 2});
        const Tensor v = Tensor{1, -1}.requires_grad_();
        const auto gv = grad(sum(matmul(A, v)), {A, v});
        check_equal(gv[0], {1, -1, 1, -1}, {2, 2});
        check_equal(gv[1], {4, 6}, {2});
    }
    SECTION("gradcheck for every rank combination") {
        const Tensor m23 = test::uniform({2, 3}, -1.0f, 1.0f, 31);
        const Tensor m34 = test::uniform({3, 4}, -1.0f, 1.0f, 32);
        const Tensor m32 = test::uniform({3, 2}, -1.0f, 1.0f, 33);
        const Tensor v2 = test::uniform({2}, -1.0f, 1.0f, 34);
        const Tensor v3 = test::uniform({3}, -1.0f, 1.0f, 35);
        const Tensor v3b = test::uniform({3}, -1.0f, 1.0f, 36);
        auto mm = [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); };
        CHECK(gradcheck(mm, {m23.detach(), m34.detach()}));                            // 2x2
        CHECK(gradcheck(mm, {v2.detach(), m23.detach()}));                             // 1x2
        CHECK(gradcheck(mm, {m23.detach(), v3.detach()}));                             // 2x1
        CHECK(gradcheck(mm, {v3.detach(), v3b.detach()}));                             // 1x1
        CHECK(gradcheck(mm, {m32.detach(), v2.detach()}));                             // 2x1
        CHECK(gradcheck(mm, {test::uniform({1, 3}, -1, 1, 37), m32.detach()}));        // row
        CHECK(gradcheck(mm, {test::uniform({3, 1}, -1, 1, 38), v2.reshape({1, 2})}));  // outer
    }
}

TEST_CASE("matmul shape errors name both shapes", "[ops][matmul][error]") {
    CHECK_THROWS_MATCHES(matmul(zeros({2, 3}), zeros({2, 3})), Error,
                         test::message(Contains("[2, 3]") && Contains("matmul")));
    CHECK_THROWS_MATCHES(matmul(zeros({2, 3}), zeros({4})), Error,
                         test::message(Contains("[2, 3]") && Contains("[4]")));
    CHECK_THROWS_MATCHES(matmul(zeros({4}), zeros({2, 3})), Error,
                         test::message(Contains("[4]") && Contains("[2, 3]")));
    CHECK_THROWS_MATCHES(matmul(zeros({3}), zeros({2})), Error,
                         test::message(Contains("[3]") && Contains("[2]")));
    CHECK_THROWS_MATCHES(matmul(full({}, 1.0f), zeros({2})), Error,
                         test::message(Contains("[]") && Contains("[2]")));
    CHECK_THROWS_AS(matmul(zeros({2}), full({}, 1.0f)), Error);
}

TEST_CASE("t and transpose", "[ops][shape][transpose]") {
    const Tensor m({1, 2, 3, 4, 5, 6}, {2, 3});
    check_equal(t(m), {1, 4, 2, 5, 3, 6}, {3, 2});
    check_equal(m.t(), {1, 4, 2, 5, 3, 6}, {3, 2});
    check_equal(transpose(m, 0, 1), {1, 4, 2, 5, 3, 6}, {3, 2});
    check_equal(m.transpose(1, 0), {1, 4, 2, 5, 3, 6}, {3, 2});
    check_equal(transpose(m, -1, -2), {1, 4, 2, 5, 3, 6}, {3, 2});
    check_equal(transpose(m, 1, 1), {1, 2, 3, 4, 5, 6}, {2, 3});
    check_equal(t(Tensor{1, 2}), {1, 2}, {2});  // torch.t leaves a vector as is
    check_equal(t(full({}, 3.0f)), {3}, {});
    check_equal(transpose(Tensor{1, 2}, 0, -1), {1, 2}, {2});
    CHECK_THROWS_AS(transpose(m, 0, 2), Error);
    CHECK_THROWS_AS(transpose(Tensor{1, 2}, 0, 1), Error);

    const Tensor x = Tensor({1, 2, 3, 4, 5, 6}, {2, 3}).requires_grad_();
    const Tensor w({1, 2, 3, 4, 5, 6}, {3, 2});
    check_equal(grad(sum(t(x) * w), {x})[0], {1, 3, 5, 2, 4, 6}, {2, 3});
    CHECK(gradcheck([](const auto& in) { return t(in[0]); }, {test::uniform({2, 3}, -1, 1, 41)}));
    CHECK(gradcheck([](const auto& in) { return transpose(in[0], 1, 0); },
                    {test::uniform({3, 2}, -1, 1, 42)}));
    CHECK(gradcheck([](const auto& in) { return t(in[0]) * 2.0f; }, {test::uniform({3}, -1, 1)}));
}

TEST_CASE("reshape keeps row-major order and infers -1", "[ops][shape][reshape]") {
    const Tensor m({1, 2, 3, 4, 5, 6}, {2, 3});
    check_equal(reshape(m, {3, 2}), {1, 2, 3, 4, 5, 6}, {3, 2});
    check_equal(m.reshape({6}), {1, 2, 3, 4, 5, 6}, {6});
    check_equal(m.reshape({-1}), {1, 2, 3, 4, 5, 6}, {6});
    check_equal(m.reshape({-1, 2}), {1, 2, 3, 4, 5, 6}, {3, 2});
    check_equal(m.reshape({1, -1}), {1, 2, 3, 4, 5, 6}, {1, 6});
    check_equal(m.reshape({6, -1}), {1, 2, 3, 4, 5, 6}, {6, 1});
    check_equal(m.t().reshape({2, 3}), {1, 4, 2, 5, 3, 6}, {2, 3});
    check_equal(full({}, 5.0f).reshape({1, 1}), {5}, {1, 1});
    check_equal(Tensor{5}.reshape({}), {5}, {});
    check_equal(Tensor{5}.reshape({-1}), {5}, {1});
    SECTION("invalid shapes name the shape asked for and the tensor's") {
        CHECK_THROWS_MATCHES(m.reshape({4, -1}), Error, test::message(Contains("[2, 3]")));
        CHECK_THROWS_MATCHES(m.reshape({5}), Error,
                             test::message(Contains("[5]") && Contains("[2, 3]")));
        CHECK_THROWS_AS(m.reshape({-1, -1}), Error);
        CHECK_THROWS_AS(m.reshape({-2, -3}), Error);
        CHECK_THROWS_AS(m.reshape({1, 2, 3}), Error);
        CHECK_THROWS_AS(zeros({0, 3}).reshape({0, -1}), Error);
    }
    SECTION("gradients flow back in the input's shape") {
        const Tensor x = Tensor({1, 2, 3, 4, 5, 6}, {2, 3}).requires_grad_();
        const Tensor w{1, 2, 3, 4, 5, 6};
        check_equal(grad(sum(x.reshape({-1}) * w), {x})[0], {1, 2, 3, 4, 5, 6}, {2, 3});
        CHECK(gradcheck(
            [](const auto& in) {
                return in[0].reshape({3, -1});
            },
            {test::uniform({2, 3}, -1, 1, 43)}));
        CHECK(gradcheck(
            [](const auto& in) {
                return in[0].reshape({2, 2});
            },
            {test::uniform({4}, -1, 1, 44)}));
        CHECK(gradcheck([](const auto& in) { return in[0].reshape({}); },
                        {test::uniform({1, 1}, -1, 1, 45)}));
    }
}

TEST_CASE("Indexing passes gradients back to the indexed part", "[ops][shape][index]") {
    const Tensor m = test::uniform({3, 2}, -1, 1, 46);
    const Tensor v = test::uniform({4}, -1, 1, 47);
    CHECK(gradcheck([](const auto& in) { return in[0][1]; }, {m.detach()}));
    CHECK(gradcheck([](const auto& in) { return in[0][-1]; }, {m.detach()}));
    CHECK(gradcheck([](const auto& in) { return in[0][2]; }, {v.detach()}));
    CHECK(gradcheck([](const auto& in) { return in[0][0] * in[0][-1]; }, {m.detach()}));
    CHECK(gradcheck([](const auto& in) { return in[0][1][0]; }, {m.detach()}));
}
