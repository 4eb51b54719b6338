// train_test_split, Standardizer and one_hot, on datasets whose rows say
// which sample they were, so that every row can be traced.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/data/dataset.hpp>
#include <tinynn/random.hpp>

#include "support/approx.hpp"

using Catch::Matchers::Contains;
using tinynn::Error;
using tinynn::Generator;
using tinynn::Matrix;
using tinynn::Shape;
using tinynn::Tensor;
using tinynn::data::Dataset;
using tinynn::data::Split;
using tinynn::data::Standardizer;
using tinynn::data::Task;
using tinynn::data::train_test_split;
using tinynn::test::check_close;

namespace {

// Row i: features (i, -2i), target i % 3.
Dataset numbered(int64_t n) {
    Matrix x(n, 2);
    Matrix y(1, n);
    for (int64_t i = 0; i < n; ++i) {
        x(i, 0) = static_cast<float>(i);
        x(i, 1) = -2.0f * static_cast<float>(i);
        y(0, i) = static_cast<float>(i % 3);
    }
    Dataset d;
    d.features = Tensor::from_matrix(x, {n, 2});
    d.targets = Tensor::from_matrix(y, {n});
    d.task = Task::classification;
    d.num_classes = 3;
    d.feature_names = {"i", "minus_2i"};
    return d;
}

// The sample numbers of a numbered() subset, checking each row is intact.
std::vector<int64_t> ids(const Dataset& d) {
    std::vector<int64_t> out;
    for (int64_t r = 0; r < d.size(); ++r) {
        const float i = d.features.matrix()(r, 0);
        CHECK(d.features.matrix()(r, 1) == -2.0f * i);
        CHECK(d.targets.matrix()(0, r) == static_cast<float>(static_cast<int64_t>(i) % 3));
        out.push_back(static_cast<int64_t>(i));
    }
    return out;
}

std::vector<int64_t> range(int64_t begin, int64_t end) {
    std::vector<int64_t> v;
    for (int64_t i = begin; i < end; ++i)
        v.push_back(i);
    return v;
}

}  // namespace

TEST_CASE("the test split is round(fraction times n) samples", "[data][split]") {
    Generator gen(1);
    const Dataset d = numbered(10);
    for (const auto& [fraction, n_test] : std::vector<std::pair<double, int64_t>>{
             {0.2, 2}, {0.25, 3}, {0.04, 0}, {0.5, 5}, {0.9, 9}}) {
        INFO(fraction);
        const Split s = train_test_split(d, fraction, true, gen);
        CHECK(s.test.size() == n_test);
        CHECK(s.train.size() == 10 - n_test);
    }
}

TEST_CASE("a shuffled split holds every sample exactly once", "[data][split]") {
    Generator gen(7);
    const Split s = train_test_split(numbered(50), 0.3, true, gen);
    std::vector<int64_t> all = ids(s.train);
    const std::vector<int64_t> test = ids(s.test);
    all.insert(all.end(), test.begin(), test.end());
    CHECK(all != range(0, 50));  // shuffled
    std::sort(all.begin(), all.end());
    CHECK(all == range(0, 50));
    CHECK(s.train.task == Task::classification);
    CHECK(s.test.num_classes == 3);
    CHECK(s.test.feature_names == std::vector<std::string>{"i", "minus_2i"});
    CHECK(s.test.targets.shape() == Shape{15});
}

TEST_CASE("a split is a function of the seed", "[data][split]") {
    Generator a(3), b(3), c(4);
    const Dataset d = numbered(40);
    const auto test_a = ids(train_test_split(d, 0.25, true, a).test);
    CHECK(test_a == ids(train_test_split(d, 0.25, true, b).test));
    CHECK(test_a != ids(train_test_split(d, 0.25, true, c).test));
}

TEST_CASE("without shuffle_split the test set is the last rows in order", "[data][split]") {
    Generator gen(1);
    const Split s = train_test_split(numbered(10), 0.3, false, gen);
    CHECK(ids(s.train) == range(0, 7));
    CHECK(ids(s.test) == range(7, 10));
}

TEST_CASE("with no test split the data keeps its order", "[data][split]") {
    Generator gen(1);
    const Split s = train_test_split(numbered(10), 0.0, true, gen);
    CHECK(ids(s.train) == range(0, 10));
    CHECK(s.test.size() == 0);
    CHECK(s.test.features.shape() == Shape{0, 2});
}

TEST_CASE("a test split outside 0 to 1 or leaving no training data is an error", "[data][split]") {
    Generator gen(1);
    const Dataset d = numbered(10);
    for (double bad : {1.0, -0.1, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
        INFO(bad);
        CHECK_THROWS_WITH(train_test_split(d, bad, true, gen), Contains("data.test_split"));
    }
    CHECK_THROWS_WITH(train_test_split(d, 0.96, true, gen),
                      Contains("data.test_split 0.96") && Contains("no training samples"));
    CHECK_THROWS_WITH(train_test_split(numbered(0), 0.0, true, gen),
                      Contains("no training samples"));
}

TEST_CASE("subset copies the chosen rows and checks the indices", "[data][split]") {
    const Dataset d = numbered(5);
    CHECK(ids(d.subset({4, 0, 4})) == std::vector<int64_t>{4, 0, 4});
    CHECK_THROWS_WITH(d.subset({5}), Contains("index 5") && Contains("5 samples"));
    CHECK_THROWS_WITH(d.subset({-1}), Contains("index -1"));
}

TEST_CASE("standardisation uses the training statistics on every split", "[data][split]") {
    Dataset train;
    // Column 0: mean 2, population std sqrt(8/3); column 1 constant.
    train.features = Tensor({0.0f, 5.0f, 2.0f, 5.0f, 4.0f, 5.0f}, {3, 2});
    train.targets = Tensor({1.0f, 2.0f, 3.0f}, {3, 1});
    Dataset test;
    test.features = Tensor({6.0f, 7.0f}, {1, 2});
    test.targets = Tensor({0.0f}, {1, 1});

    const Standardizer s = Standardizer::fit(train);
    const float std0 = std::sqrt(8.0f / 3.0f);
    check_close(s.mean, {2.0f, 5.0f});
    check_close(s.std, {std0, 0.0f});

    const Tensor original = train.features;
    s.apply(train);
    s.apply(test);
    check_close(train.features.to_vector(), {-2.0f / std0, 0.0f, 0.0f, 0.0f, 2.0f / std0, 0.0f});
    // The constant column is only centred: 7 - 5, not divided by zero.
    check_close(test.features.to_vector(), {4.0f / std0, 2.0f});
    // Copies made before apply keep the raw values.
    CHECK(original.to_vector() == std::vector<float>{0, 5, 2, 5, 4, 5});
    CHECK(train.targets.to_vector() == std::vector<float>{1, 2, 3});

    Dataset narrow;
    narrow.features = Tensor({1.0f}, {1, 1});
    CHECK_THROWS_WITH(s.apply(narrow), Contains("fitted on 2 features, applied to 1"));
    CHECK_THROWS_WITH(Standardizer::fit(numbered(0)), Contains("empty"));
}

TEST_CASE("one_hot turns class indices into rows", "[data][split]") {
    const Tensor h = tinynn::data::one_hot(Tensor({2.0f, 0.0f, 1.0f}), 3);
    CHECK(h.shape() == Shape{3, 3});
    CHECK(h.to_vector() == std::vector<float>{0, 0, 1, 1, 0, 0, 0, 1, 0});
    for (float bad : {3.0f, -1.0f, 0.5f}) {
        INFO(bad);
        CHECK_THROWS_WITH(tinynn::data::one_hot(Tensor({0.0f, bad}), 3),
                          Contains("element 1") && Contains("0..2"));
    }
    CHECK_THROWS_AS(tinynn::data::one_hot(Tensor({0.0f}, {1, 1}), 3), Error);
}
