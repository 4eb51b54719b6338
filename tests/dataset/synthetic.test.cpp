// The built-in synthetic sets: shapes, the geometry each kind promises
// (checked without noise, where it is exact), class shares, seeding, and the
// option checks.

#include <cmath>
#include <cstring>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/data/dataset.hpp>
#include <tinynn/random.hpp>

#include "support/approx.hpp"

using Catch::Matchers::Contains;
using tinynn::Error;
using tinynn::Generator;
using tinynn::data::Dataset;
using tinynn::data::make_synthetic;
using tinynn::data::SyntheticOptions;
using tinynn::data::Task;
using tinynn::test::close;

namespace {

Dataset make(const std::string& kind, int64_t samples, float noise, uint64_t seed = 1,
             int64_t classes = 3) {
    Generator gen(seed);
    return make_synthetic(SyntheticOptions{kind, samples, noise, classes}, gen);
}

bool same_bits(const tinynn::Tensor& a, const tinynn::Tensor& b) {
    return a.shape() == b.shape() &&
           std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<size_t>(a.numel())) == 0;
}

std::map<int, int> class_counts(const Dataset& d) {
    std::map<int, int> counts;
    for (float label : d.targets.to_vector())
        ++counts[static_cast<int>(label)];
    return counts;
}

float x0(const Dataset& d, int64_t i) {
    return d.features.matrix()(i, 0);
}
float x1(const Dataset& d, int64_t i) {
    return d.features.matrix()(i, 1);
}
int label(const Dataset& d, int64_t i) {
    return static_cast<int>(d.targets.matrix()(0, i));
}

}  // namespace

TEST_CASE("synthetic kinds are the six documented ones", "[data][synthetic]") {
    CHECK(tinynn::data::synthetic_kinds() ==
          std::vector<std::string>{"xor", "sine", "spiral", "moons", "circles", "blobs"});
}

TEST_CASE("every classification kind has 2 features, targets n and its classes",
          "[data][synthetic]") {
    const std::map<std::string, int64_t> classes = {
        {"xor", 2}, {"spiral", 4}, {"moons", 2}, {"circles", 2}, {"blobs", 4}};
    for (const auto& [kind, k] : classes) {
        INFO(kind);
        const Dataset d = make(kind, 101, 0.1f, 7, 4);
        CHECK(d.task == Task::classification);
        CHECK(d.features.shape() == tinynn::Shape{101, 2});
        CHECK(d.targets.shape() == tinynn::Shape{101});
        CHECK(d.num_classes == k);
        CHECK(d.num_outputs() == k);
        CHECK(d.size() == 101);
        CHECK(d.num_features() == 2);
        CHECK(static_cast<int64_t>(class_counts(d).size()) == k);
        for (float v : d.features.to_vector())
            CHECK(std::isfinite(v));
    }
}

TEST_CASE("sine is a regression of sin x on -pi to pi", "[data][synthetic]") {
    const Dataset d = make("sine", 200, 0.0f);
    CHECK(d.task == Task::regression);
    CHECK(d.features.shape() == tinynn::Shape{200, 1});
    CHECK(d.targets.shape() == tinynn::Shape{200, 1});
    CHECK(d.num_outputs() == 1);
    float low = 10.0f, high = -10.0f;
    for (int64_t i = 0; i < 200; ++i) {
        const float x = d.features.matrix()(i, 0);
        low = std::min(low, x);
        high = std::max(high, x);
        CHECK(close(d.targets.matrix()(i, 0), std::sin(x), 1e-6, 1e-6));
    }
    CHECK(low >= -std::numbers::pi_v<float>);
    CHECK(high <= std::numbers::pi_v<float>);
    CHECK(low < -2.5f);  // the samples cover the interval
    CHECK(high > 2.5f);

    // The noise goes into the target only.
    const Dataset noisy = make("sine", 200, 0.3f);
    CHECK(same_bits(noisy.features, d.features));
    CHECK_FALSE(same_bits(noisy.targets, d.targets));
}

TEST_CASE("xor labels the sign of x times y on the unit square", "[data][synthetic]") {
    const Dataset d = make("xor", 2000, 0.0f);
    for (int64_t i = 0; i < d.size(); ++i) {
        CHECK(std::abs(x0(d, i)) <= 1.0f);
        CHECK(std::abs(x1(d, i)) <= 1.0f);
        CHECK(label(d, i) == (x0(d, i) * x1(d, i) > 0.0f ? 1 : 0));
    }
    const auto counts = class_counts(d);
    CHECK(counts.at(0) > 900);  // uniform points: about half each
    CHECK(counts.at(1) > 900);
}

TEST_CASE("moons are sklearn's two half circles with equal shares", "[data][synthetic]") {
    const Dataset d = make("moons", 101, 0.0f);
    for (int64_t i = 0; i < d.size(); ++i) {
        const double a = x0(d, i), b = x1(d, i);
        if (label(d, i) == 0) {
            CHECK(close(std::hypot(a, b), 1.0, 0, 1e-5));
            CHECK(b >= -1e-6);
        } else {
            CHECK(close(std::hypot(a - 1.0, b - 0.5), 1.0, 0, 1e-5));
            CHECK(b <= 0.5 + 1e-6);
        }
    }
    CHECK(class_counts(d) == std::map<int, int>{{0, 50}, {1, 51}});
}

TEST_CASE("circles are a unit circle around one of radius one half", "[data][synthetic]") {
    const Dataset d = make("circles", 100, 0.0f);
    for (int64_t i = 0; i < d.size(); ++i)
        CHECK(close(std::hypot(x0(d, i), x1(d, i)), label(d, i) == 0 ? 1.0 : 0.5, 0, 1e-5));
    CHECK(class_counts(d) == std::map<int, int>{{0, 50}, {1, 50}});
}

TEST_CASE("spiral arms follow theta equal to 4 class plus 4 r", "[data][synthetic]") {
    const Dataset d = make("spiral", 100, 0.0f, 3, 3);
    for (int64_t i = 0; i < d.size(); ++i) {
        const double r = std::hypot(x0(d, i), x1(d, i));
        const double theta = 4.0 * label(d, i) + 4.0 * r;
        CHECK(r <= 1.0 + 1e-6);
        CHECK(close(x0(d, i), r * std::sin(theta), 0, 1e-5));
        CHECK(close(x1(d, i), r * std::cos(theta), 0, 1e-5));
    }
    CHECK(class_counts(d) == std::map<int, int>{{0, 34}, {1, 33}, {2, 33}});
}

TEST_CASE("blobs sit on evenly spaced centres with noise as their spread", "[data][synthetic]") {
    const Dataset exact = make("blobs", 10, 0.0f, 5, 4);
    for (int64_t i = 0; i < exact.size(); ++i) {
        const double angle = 2.0 * std::numbers::pi * label(exact, i) / 4.0;
        CHECK(close(x0(exact, i), 2.0 * std::cos(angle), 0, 1e-6));
        CHECK(close(x1(exact, i), 2.0 * std::sin(angle), 0, 1e-6));
    }
    CHECK(class_counts(exact) == std::map<int, int>{{0, 3}, {1, 3}, {2, 2}, {3, 2}});

    const Dataset d = make("blobs", 4000, 0.5f, 5, 2);
    double sum = 0.0, squares = 0.0;
    for (int64_t i = 0; i < d.size(); ++i) {
        const double dx = x0(d, i) - (label(d, i) == 0 ? 2.0 : -2.0);
        sum += dx;
        squares += dx * dx;
    }
    const double mean = sum / 4000.0;
    CHECK(std::abs(mean) < 0.05);
    CHECK(close(std::sqrt(squares / 4000.0 - mean * mean), 0.5, 0.05));
}

TEST_CASE("class blocks are shuffled so the last rows hold every class", "[data][synthetic]") {
    for (const std::string kind : {"spiral", "moons", "circles", "blobs"}) {
        INFO(kind);
        const Dataset d = make(kind, 200, 0.1f, 11, 3);
        std::map<int, int> tail;
        for (int64_t i = 160; i < 200; ++i)
            ++tail[label(d, i)];
        CHECK(static_cast<int64_t>(tail.size()) == d.num_classes);
    }
}

TEST_CASE("synthetic data is a function of the seed", "[data][synthetic]") {
    for (const std::string& kind : tinynn::data::synthetic_kinds()) {
        INFO(kind);
        const Dataset a = make(kind, 50, 0.2f, 42);
        const Dataset b = make(kind, 50, 0.2f, 42);
        const Dataset c = make(kind, 50, 0.2f, 43);
        CHECK(same_bits(a.features, b.features));
        CHECK(same_bits(a.targets, b.targets));
        CHECK_FALSE(same_bits(a.features, c.features));
        // Noise moves the points; the seed alone does not decide them.
        const Dataset exact = make(kind, 50, 0.0f, 42);
        const bool unchanged =
            same_bits(a.features, exact.features) && same_bits(a.targets, exact.targets);
        CHECK_FALSE(unchanged);
    }
}

TEST_CASE("one sample is enough for every kind", "[data][synthetic]") {
    for (const std::string& kind : tinynn::data::synthetic_kinds()) {
        INFO(kind);
        CHECK(make(kind, 1, 0.1f).size() == 1);
    }
}

TEST_CASE("bad synthetic options name the key and the value", "[data][synthetic]") {
    CHECK_THROWS_MATCHES(make("xorr", 10, 0.1f), Error,
                         Catch::Matchers::Message(
                             "data.kind: unknown kind 'xorr'; expected one of xor, sine, spiral, "
                             "moons, circles, blobs"));
    CHECK_THROWS_WITH(make("xor", 0, 0.1f), Contains("data.samples") && Contains("got 0"));
    CHECK_THROWS_WITH(make("xor", -5, 0.1f), Contains("data.samples") && Contains("got -5"));
    CHECK_THROWS_WITH(make("xor", 10'000'001, 0.1f),
                      Contains("data.samples") && Contains("got 10000001"));
    CHECK_THROWS_WITH(make("moons", 10, -0.1f), Contains("data.noise") && Contains("got -0.1"));
    CHECK_THROWS_WITH(make("moons", 10, std::nanf("")),
                      Contains("data.noise") && Contains("got nan"));
    CHECK_THROWS_WITH(make("moons", 10, INFINITY), Contains("data.noise") && Contains("got inf"));
    CHECK_THROWS_WITH(make("spiral", 10, 0.1f, 1, 1),
                      Contains("data.classes") && Contains("got 1"));
    CHECK_THROWS_WITH(make("blobs", 10, 0.1f, 1, 1001),
                      Contains("data.classes") && Contains("got 1001"));
}
