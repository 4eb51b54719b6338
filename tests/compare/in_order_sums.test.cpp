// in_order_sums (experiment/src/in_order_sums.hpp): several series summed
// side by side must give, bit for bit, what summing each alone gives — a
// plain loop from 0, and Eigen's sum() and norm() of a cast<double>().

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "in_order_sums.hpp"

using namespace tinynn;
using namespace tinynn::experiment;

namespace {

bool same_bits(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

Matrix random_matrix(std::mt19937& rng, Eigen::Index rows, Eigen::Index cols) {
    // Magnitudes over many binades, so that the order of the additions shows.
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_int_distribution<int> exponent(-20, 20);
    Matrix m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        m.data()[i] = std::ldexp(normal(rng), exponent(rng));
    return m;
}

}  // namespace

TEST_CASE("in_order_sums gives the bits of Eigen's sum and norm of a cast to double",
          "[compare][diagnostics]") {
    std::mt19937 rng(11);
    // Lengths that differ, more series than lanes, an empty and a single one.
    const std::vector<std::pair<Eigen::Index, Eigen::Index>> shapes{
        {32, 32}, {2, 32}, {32, 2}, {1, 1},   {0, 3},   {7, 13},
        {32, 32}, {64, 5}, {3, 3},  {32, 32}, {1, 100}, {5, 1}};
    std::vector<Matrix> a, b;
    for (const auto& [rows, cols] : shapes) {
        a.push_back(random_matrix(rng, rows, cols));
        b.push_back(random_matrix(rng, rows, cols));
    }
    std::vector<SumSeries> series;
    std::vector<double> want;
    for (size_t i = 0; i < a.size(); ++i) {
        const auto size = static_cast<size_t>(a[i].size());
        series.push_back({.values = a[i].data(), .size = size});
        want.push_back(a[i].cast<double>().sum());
        series.push_back({.values = a[i].data(), .size = size, .term = SumSeries::Term::square});
        want.push_back(a[i].cast<double>().squaredNorm());
        series.push_back({.values = a[i].data(),
                          .minus = b[i].data(),
                          .size = size,
                          .term = SumSeries::Term::square_of_difference});
        want.push_back((a[i] - b[i]).cast<double>().squaredNorm());
    }
    std::vector<double> got(series.size());
    in_order_sums(series, got);
    for (size_t k = 0; k < series.size(); ++k) {
        INFO("series " << k);
        CHECK(same_bits(got[k], want[k]));
    }
    // Values and squares together, without differences, take their own path.
    std::vector<SumSeries> mixed;
    std::vector<double> mixed_want;
    for (size_t k = 0; k < series.size(); ++k)
        if (k % 3 != 2) {
            mixed.push_back(series[k]);
            mixed_want.push_back(want[k]);
        }
    std::vector<double> got_mixed(mixed.size());
    in_order_sums(mixed, got_mixed);
    for (size_t k = 0; k < mixed.size(); ++k)
        CHECK(same_bits(got_mixed[k], mixed_want[k]));
    // One kind alone takes the specialised path, for each kind.
    for (size_t kind = 0; kind < 3; ++kind) {
        std::vector<SumSeries> alike;
        for (size_t k = kind; k < series.size(); k += 3)
            alike.push_back(series[k]);
        std::vector<double> got_alike(alike.size());
        in_order_sums(alike, got_alike);
        for (size_t k = 0; k < alike.size(); ++k) {
            INFO("kind " << kind << ", series " << k);
            CHECK(same_bits(got_alike[k], want[3 * k + kind]));
        }
    }
}

TEST_CASE("in_order_sums from zero gives the bits of a loop from 0, -0 included",
          "[compare][diagnostics]") {
    std::mt19937 rng(12);
    std::vector<Matrix> m;
    for (int i = 0; i < 10; ++i)
        m.push_back(random_matrix(rng, 64, 1 + i));
    m.push_back(Matrix::Constant(4, 4, -0.0f));
    std::vector<SumSeries> series;
    for (const Matrix& x : m)
        series.push_back(
            {.values = x.data(), .size = static_cast<size_t>(x.size()), .from_zero = true});
    std::vector<double> got(series.size());
    in_order_sums(series, got);
    for (size_t k = 0; k < m.size(); ++k) {
        double want = 0;
        for (Eigen::Index i = 0; i < m[k].size(); ++i)
            want += m[k].data()[i];
        INFO("series " << k);
        CHECK(same_bits(got[k], want));
    }
    CHECK(!std::signbit(got.back()));  // 0.0 + -0.0, where Eigen's sum gives -0.0
    CHECK(std::signbit(m.back().cast<double>().sum()));
}
