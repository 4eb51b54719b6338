// double_sums (experiment/src/double_sums.hpp): sums of float series in
// double, in 32 interleaved partial sums added pairwise. Checked against
// that order written out term by term (same bits), against an exact
// reference (within double rounding), and on lengths around the lane count.

#include <array>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "double_sums.hpp"

using namespace tinynn;
using namespace tinynn::experiment;

namespace {

bool same_bits(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

std::vector<float> random_values(std::mt19937& rng, size_t n) {
    // Magnitudes over many binades, so that the order of the additions shows.
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_int_distribution<int> exponent(-20, 20);
    std::vector<float> v(n);
    for (float& x : v)
        x = std::ldexp(normal(rng), exponent(rng));
    return v;
}

double term(const SumSeries& s, size_t i) {
    switch (s.term) {
        case SumSeries::Term::value:
            return s.values[i];
        case SumSeries::Term::square:
            return static_cast<double>(s.values[i]) * s.values[i];
        case SumSeries::Term::square_of_difference:
            break;
    }
    const auto d = static_cast<double>(s.values[i] - s.minus[i]);
    return d * d;
}

// The documented order, one addition at a time.
double in_documented_order(const SumSeries& s) {
    std::array<double, 32> lane{};
    for (size_t i = 0; i < s.size; ++i)
        lane[i % 32] = lane[i % 32] + term(s, i);
    for (size_t width = 16; width > 0; width /= 2)
        for (size_t k = 0; k < width; ++k)
            lane[k] = lane[k] + lane[k + width];
    return lane[0];
}

// In long double, with the rounding error it may have made.
std::pair<long double, long double> reference(const SumSeries& s) {
    long double sum = 0, magnitude = 0;
    for (size_t i = 0; i < s.size; ++i) {
        sum += term(s, i);
        magnitude += std::fabs(term(s, i));
    }
    return {sum, magnitude};
}

}  // namespace

TEST_CASE("double_sums adds in its documented order, to double rounding of the exact sum",
          "[compare][diagnostics]") {
    std::mt19937 rng(11);
    const std::vector<size_t> sizes{0, 1, 2, 7, 31, 32, 33, 63, 64, 65, 1000, 1024, 4099};
    std::vector<std::vector<float>> a, b;
    for (const size_t n : sizes) {
        a.push_back(random_values(rng, n));
        b.push_back(random_values(rng, n));
    }
    std::vector<SumSeries> series;
    for (size_t i = 0; i < sizes.size(); ++i)
        for (const auto t : {SumSeries::Term::value, SumSeries::Term::square,
                             SumSeries::Term::square_of_difference})
            series.push_back(
                {.values = a[i].data(),
                 .minus = t == SumSeries::Term::square_of_difference ? b[i].data() : nullptr,
                 .size = sizes[i],
                 .term = t});
    std::vector<double> got(series.size(), -1.0);
    double_sums(series, got);
    for (size_t k = 0; k < series.size(); ++k) {
        INFO("series " << k << ", " << series[k].size << " terms");
        CHECK(same_bits(got[k], in_documented_order(series[k])));
        const auto [exact, magnitude] = reference(series[k]);
        CHECK(std::fabs(static_cast<long double>(got[k]) - exact) <=
              magnitude * 1e-14L * static_cast<long double>(series[k].size + 1));
        // Alone, it is the same sum.
        double alone = -1.0;
        double_sums(std::span(&series[k], 1), std::span(&alone, 1));
        CHECK(same_bits(alone, got[k]));
    }
    CHECK(got[0] == 0.0);                                    // empty
    CHECK(same_bits(got[3], static_cast<double>(a[1][0])));  // one term: itself
}

TEST_CASE("double_sums is exact where double is: integers in floats", "[compare][diagnostics]") {
    std::vector<float> v(1000);
    for (size_t i = 0; i < v.size(); ++i)
        v[i] = static_cast<float>(i % 2 ? i : -static_cast<int64_t>(i) / 2);
    double want = 0, want_squares = 0;
    for (const float x : v) {
        want += x;
        want_squares += static_cast<double>(x) * x;
    }
    const std::array<SumSeries, 2> series{
        SumSeries{.values = v.data(), .size = v.size()},
        SumSeries{.values = v.data(), .size = v.size(), .term = SumSeries::Term::square}};
    std::array<double, 2> got{};
    double_sums(series, got);
    CHECK(got[0] == want);
    CHECK(got[1] == want_squares);
}
