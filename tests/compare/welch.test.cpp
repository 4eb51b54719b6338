// Welch's t-test behind compare's "cannot be told apart" (issue 14). The
// references are Student's t table and closed forms (df = 1 is the Cauchy
// distribution, df = 2 has p = 1 - t / sqrt(2 + t^2)); the Welch p-values
// are the t density integrated numerically in plain Python (no scipy here).

#include <cmath>
#include <numbers>
#include <vector>

#include <catch2/catch.hpp>

#include "tinynn/error.hpp"
#include "welch.hpp"

using namespace tinynn;
using namespace tinynn::experiment;

TEST_CASE("The incomplete beta function matches its closed forms", "[compare][welch]") {
    // I_x(a, 1) = x^a and I_x(1, b) = 1 - (1 - x)^b.
    for (const double x : {0.0, 0.01, 0.3, 0.5, 0.77, 0.999, 1.0}) {
        INFO(x);
        CHECK(incomplete_beta(2.5, 1, x) == Approx(std::pow(x, 2.5)).margin(1e-14));
        CHECK(incomplete_beta(1, 4.0, x) == Approx(1 - std::pow(1 - x, 4.0)).margin(1e-14));
    }
    // Symmetry, on both sides of where the continued fraction switches.
    CHECK(incomplete_beta(3, 7, 0.2) == Approx(1 - incomplete_beta(7, 3, 0.8)).epsilon(1e-13));
    CHECK_THROWS_AS(incomplete_beta(0, 1, 0.5), Error);
    CHECK_THROWS_AS(incomplete_beta(1, 1, 1.5), Error);
}

TEST_CASE("Student's t two-sided p-values match the table and the closed forms",
          "[compare][welch]") {
    // The 5 % two-sided critical values of the t table.
    CHECK(student_t_two_sided_p(2.228, 10) == Approx(0.05).margin(1e-4));
    CHECK(student_t_two_sided_p(12.706, 1) == Approx(0.05).margin(1e-4));
    CHECK(student_t_two_sided_p(2.776, 4) == Approx(0.05).margin(1e-4));
    CHECK(student_t_two_sided_p(-2.776, 4) == student_t_two_sided_p(2.776, 4));
    // 1 % at df = 30.
    CHECK(student_t_two_sided_p(2.750, 30) == Approx(0.01).margin(1e-4));
    for (const double t : {0.0, 0.5, 1.0, 3.0, 40.0}) {
        INFO(t);
        CHECK(student_t_two_sided_p(t, 1) ==
              Approx(1 - 2 / std::numbers::pi * std::atan(t)).epsilon(1e-12));
        CHECK(student_t_two_sided_p(t, 2) == Approx(1 - t / std::sqrt(2 + t * t)).epsilon(1e-12));
    }
    CHECK(student_t_two_sided_p(INFINITY, 3) == 0);
    CHECK_THROWS_AS(student_t_two_sided_p(1, 0), Error);
    CHECK_THROWS_AS(student_t_two_sided_p(NAN, 3), Error);
}

TEST_CASE("Welch's t-test tells samples apart only beyond their spread", "[compare][welch]") {
    // Overlapping: t = -1.118, df = 3.136.
    CHECK(*welch_p({0.30, 0.32, 0.35}, {0.31, 0.36, 0.40}) == Approx(0.341822).margin(1e-5));
    // Apart: t = -6.535, df = 4.825.
    CHECK(*welch_p({0.10, 0.11, 0.12, 0.10, 0.13}, {0.20, 0.25, 0.22, 0.30, 0.21}) ==
          Approx(0.00143579).margin(1e-7));
    // Unequal sizes, equal means.
    CHECK(*welch_p({1, 2, 3, 4, 5, 6}, {3.5, 4.1, 2.9}) == Approx(1).margin(1e-12));
    // No spread on either side: equal or different, nothing in between.
    CHECK(*welch_p({2, 2}, {2, 2, 2}) == 1);
    CHECK(*welch_p({2, 2}, {3, 3}) == 0);
    // One seed has no spread to test against.
    CHECK_FALSE(welch_p({1}, {2, 3}));
    CHECK_FALSE(welch_p({1, 2}, {}));
}
