// cat, unsqueeze and squeeze: shapes and values, torch's dim rules and
// errors, gradients, and gradchecks.

#include <string>
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

TEST_CASE("cat joins along either dim of matrices and along vectors", "[ops][cat]") {
    const Tensor a({1, 2, 3, 4}, {2, 2});
    const Tensor b({5, 6}, {2, 1});
    const Tensor c({7, 8}, {1, 2});
    check_equal(cat({a, b}, 1), {1, 2, 5, 3, 4, 6}, {2, 3});
    check_equal(cat({b, a, b}, -1), {5, 1, 2, 5, 6, 3, 4, 6}, {2, 4});
    check_equal(cat({a, c}), {1, 2, 3, 4, 7, 8}, {3, 2});
    check_equal(cat({c, a}, -2), {7, 8, 1, 2, 3, 4}, {3, 2});
    check_equal(cat({Tensor{1, 2}, Tensor{3}, Tensor{4, 5}}, 0), {1, 2, 3, 4, 5}, {5});
    check_equal(cat({Tensor{1, 2}}, -1), {1, 2}, {2});
    check_equal(cat({zeros({0, 2}), c}, 0), {7, 8}, {1, 2});
    check_equal(cat({zeros({2, 0}), b, zeros({2, 0})}, 1), {5, 6}, {2, 1});
}

TEST_CASE("cat skips an empty vector, as torch", "[ops][cat]") {
    // Joining onto an empty accumulator: a shape [0] tensor is left out
    // whatever the others' rank, and does not decide the dim's range.
    const Tensor a({1, 2, 3, 4}, {2, 2});
    check_equal(cat({zeros({0}), a, zeros({0})}, 1), {1, 2, 3, 4}, {2, 2});
    check_equal(cat({zeros({0}), Tensor{1, 2}}), {1, 2}, {2});
    check_equal(cat({zeros({0}), zeros({0})}), {}, {0});
    check_equal(cat({zeros({0})}, 3), {}, {0});  // no other tensor: the dim is not checked
    const Tensor e = zeros({0}).requires_grad_();
    const Tensor x = a.detach().requires_grad_();
    const std::vector<Tensor> g = grad(sum(cat({e, x}, 1)), {e, x});
    check_equal(g[0], {}, {0});
    check_equal(g[1], {1, 1, 1, 1}, {2, 2});
}

TEST_CASE("cat's gradient gives each input its part", "[ops][cat][grad]") {
    const Tensor a = Tensor({1, 2, 3, 4}, {2, 2}).requires_grad_();
    const Tensor b = Tensor({5, 6}, {2, 1}).requires_grad_();
    const Tensor up({10, 20, 30, 40, 50, 60}, {2, 3});
    std::vector<Tensor> g = grad(cat({a, b}, 1), {a, b}, up);
    check_equal(g[0], {10, 20, 40, 50}, {2, 2});
    check_equal(g[1], {30, 60}, {2, 1});
    const Tensor r = Tensor({7, 8}, {1, 2}).requires_grad_();
    g = grad(cat({r, a, r}, 0), {a, r}, Tensor({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2}));
    check_equal(g[0], {3, 4, 5, 6}, {2, 2});
    check_equal(g[1], {1 + 7, 2 + 8}, {1, 2});  // used twice: both parts
    // Only the inputs that need a gradient get one.
    const Tensor fixed({9, 9}, {2, 1});
    check_equal(grad(sum(cat({fixed, a}, 1) * 2.0f), {a})[0], {2, 2, 2, 2}, {2, 2});
}

TEST_CASE("cat of more tensors than one node takes", "[ops][cat]") {
    // Past 16 inputs cat joins groups first; values and gradients are the same.
    std::vector<Tensor> parts;
    std::vector<float> values;
    for (int i = 0; i < 40; ++i) {
        const int n = 1 + i % 3;
        std::vector<float> v;
        for (int k = 0; k < n; ++k)
            v.push_back(static_cast<float>(values.size() + v.size()));
        values.insert(values.end(), v.begin(), v.end());
        parts.push_back(Tensor(v).requires_grad_());
    }
    parts.insert(parts.begin() + 17, zeros({0}).requires_grad_());  // skipped in a group
    const Tensor joined = cat(parts);
    check_equal(joined, values, {static_cast<int64_t>(values.size())});
    const Tensor up = joined.detach() * 2.0f;
    const std::vector<Tensor> g = grad(joined, parts, up);
    for (size_t i = 0; i < parts.size(); ++i) {
        INFO("tensor " << i);
        check_equal(g[i], (parts[i].detach() * 2.0f).to_vector(), parts[i].shape());
    }
    std::vector<Tensor> rows(20, Tensor({1, 2, 3}, {1, 3}));
    CHECK(cat(rows, 0).shape() == Shape{20, 3});
}

TEST_CASE("cat refuses what torch refuses, naming the shapes", "[ops][cat][errors]") {
    const Tensor m = ones({2, 3});
    CHECK_THROWS_MATCHES(cat({}), Error, test::message(Contains("nonempty")));
    CHECK_THROWS_MATCHES(cat({Tensor{1}, full({}, 2.0f)}), Error,
                         test::message(Contains("tensor 1") && Contains("scalar")));
    CHECK_THROWS_MATCHES(cat({Tensor{1, 2, 3}, m}), Error,
                         test::message(Contains("rank") && Contains("[3]") && Contains("[2, 3]")));
    CHECK_THROWS_MATCHES(
        cat({m, ones({2, 4})}, 0), Error,
        test::message(Contains("dim 0") && Contains("[2, 3]") && Contains("[2, 4]")));
    CHECK_THROWS_MATCHES(cat({m, m}, 2), Error, test::message(Contains("dim 2")));
    CHECK_THROWS_AS(cat({m, m}, -3), Error);
    CHECK_THROWS_AS(cat({Tensor{1}, zeros({0})}, 1), Error);
    CHECK_THROWS_AS(cat({m, Tensor()}), Error);
}

TEST_CASE("unsqueeze inserts a dim of size 1", "[ops][unsqueeze]") {
    const Tensor v{1, 2, 3};
    check_equal(unsqueeze(v, 0), {1, 2, 3}, {1, 3});
    check_equal(unsqueeze(v, 1), {1, 2, 3}, {3, 1});
    check_equal(unsqueeze(v, -1), {1, 2, 3}, {3, 1});
    check_equal(unsqueeze(v, -2), {1, 2, 3}, {1, 3});
    const Tensor s = full({}, 4.0f);
    check_equal(unsqueeze(s, 0), {4}, {1});
    check_equal(unsqueeze(s, -1), {4}, {1});
    check_equal(unsqueeze(unsqueeze(s, 0), 1), {4}, {1, 1});
    check_equal(unsqueeze(zeros({0}), 1), {}, {0, 1});
}

TEST_CASE("unsqueeze refuses a dim out of range and a rank past 2", "[ops][unsqueeze][errors]") {
    const Tensor v{1, 2, 3};
    CHECK_THROWS_MATCHES(
        unsqueeze(v, 2), Error,
        test::message(Contains("dim 2") && Contains("[3]") && Contains("-2 to 1")));
    CHECK_THROWS_MATCHES(unsqueeze(v, -3), Error, test::message(Contains("[3]")));
    CHECK_THROWS_AS(unsqueeze(full({}, 1.0f), 1), Error);
    CHECK_THROWS_AS(unsqueeze(full({}, 1.0f), -2), Error);
    // torch would give rank 3; tinynn tensors stop at 2.
    CHECK_THROWS_MATCHES(unsqueeze(ones({2, 3}), 0), Error,
                         test::message(Contains("[2, 3]") && Contains("rank 3")));
    CHECK_THROWS_AS(unsqueeze(ones({2, 3}), -1), Error);
}

TEST_CASE("squeeze drops dims of size 1", "[ops][squeeze]") {
    const Tensor row({1, 2, 3}, {1, 3});
    check_equal(squeeze(row, 0), {1, 2, 3}, {3});
    check_equal(squeeze(row, -2), {1, 2, 3}, {3});
    check_equal(squeeze(row, 1), {1, 2, 3}, {1, 3});  // not of size 1: unchanged
    check_equal(squeeze(row), {1, 2, 3}, {3});
    const Tensor column({1, 2, 3}, {3, 1});
    check_equal(squeeze(column, -1), {1, 2, 3}, {3});
    check_equal(squeeze(column), {1, 2, 3}, {3});
    const Tensor one({5}, {1, 1});
    check_equal(squeeze(one, 0), {5}, {1});
    check_equal(squeeze(one), {5}, {});
    check_equal(squeeze(Tensor{6}, 0), {6}, {});
    check_equal(squeeze(Tensor{6, 7}), {6, 7}, {2});
    check_equal(squeeze(full({}, 4.0f), -1), {4}, {});  // a scalar takes dim 0 and -1
    check_equal(squeeze(zeros({0, 1})), {}, {0});
}

TEST_CASE("squeeze refuses a dim out of range, naming the shape", "[ops][squeeze][errors]") {
    CHECK_THROWS_MATCHES(squeeze(ones({1, 3}), 2), Error,
                         test::message(Contains("dim 2") && Contains("[1, 3]")));
    CHECK_THROWS_AS(squeeze(ones({1, 3}), -3), Error);
    CHECK_THROWS_MATCHES(squeeze(full({}, 1.0f), 1), Error, test::message(Contains("[]")));
    CHECK_THROWS_AS(squeeze(Tensor(), 0), Error);
}

TEST_CASE("unsqueeze and squeeze make new values in the graph", "[ops][unsqueeze][squeeze]") {
    const Tensor x = Tensor({1, 2, 3}, {1, 3}).requires_grad_();
    // Even when the shape does not change, the result is not x itself: what
    // is done to it (requires_grad_, grad) is not done to x.
    const Tensor same = squeeze(x, 1);
    CHECK(same.impl() != x.impl());
    CHECK_FALSE(same.is_leaf());
    const Tensor v = Tensor{1, 2}.requires_grad_();
    CHECK(unsqueeze(v, 0).impl() != v.impl());

    check_equal(grad(sum(squeeze(x) * Tensor{1, 2, 3}), {x})[0], {1, 2, 3}, {1, 3});
    check_equal(grad(sum(unsqueeze(squeeze(x, 0), 1) * Tensor({1, 2, 3}, {3, 1})), {x})[0],
                {1, 2, 3}, {1, 3});
    check_equal(grad(sum(same), {x})[0], {1, 1, 1}, {1, 3});
}

TEST_CASE("gradcheck: cat, unsqueeze and squeeze", "[ops][cat][unsqueeze][squeeze][gradcheck]") {
    CHECK(gradcheck(
        [](const auto& in) {
            return cat({in[0], in[1], in[0]}, 1);
        },
        {test::uniform({2, 3}, -2, 2, 91), test::uniform({2, 1}, -2, 2, 92)}));
    CHECK(gradcheck(
        [](const auto& in) {
            return cat({in[0], in[1]}, 0);
        },
        {test::uniform({1, 3}, -2, 2, 93), test::uniform({2, 3}, -2, 2, 94)}));
    CHECK(gradcheck(
        [](const auto& in) {
            return cat({in[0], in[1]});
        },
        {test::uniform({4}, -2, 2, 95), test::uniform({2}, -2, 2, 96)}));
    for (int64_t dim : {0, 1, -1, -2}) {
        INFO("dim " << dim);
        CHECK(gradcheck([dim](const auto& in) { return unsqueeze(in[0], dim); },
                        {test::uniform({3}, -2, 2, 97)}));
    }
    CHECK(gradcheck([](const auto& in) { return unsqueeze(in[0], 0); },
                    {test::uniform({}, -2, 2, 98)}));
    CHECK(gradcheck([](const auto& in) { return squeeze(in[0], 1); },
                    {test::uniform({3, 1}, -2, 2, 99)}));
    CHECK(gradcheck([](const auto& in) { return squeeze(in[0]); },
                    {test::uniform({1, 1}, -2, 2, 100)}));
}
