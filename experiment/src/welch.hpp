#pragma once

// Welch's t-test, which compare's verdict uses to say whether two
// activations' per-seed results can be told apart: it does not assume the
// two have the same spread, and needs only the values themselves.

#include <optional>
#include <vector>

namespace tinynn::experiment {

// I_x(a, b), the regularized incomplete beta function, for a, b > 0 and
// 0 <= x <= 1 (its continued fraction, as in Numerical Recipes §6.4).
// Throws tinynn::Error for arguments outside those ranges.
double incomplete_beta(double a, double b, double x);

// P(|T| >= |t|) for Student's t with `df` > 0 degrees of freedom (df need
// not be an integer): the two-sided p-value of a t statistic.
double student_t_two_sided_p(double t, double df);

// The two-sided p-value of Welch's t-test that `a` and `b` have the same
// mean; nullopt when either has fewer than two values (no spread to test
// against). Two samples without any spread get 1 when their means are equal
// and 0 when they differ.
std::optional<double> welch_p(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace tinynn::experiment
