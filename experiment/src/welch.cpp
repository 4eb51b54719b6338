#include "welch.hpp"

#include <cmath>
#include <numeric>
#include <string>

#include "tinynn/error.hpp"

namespace tinynn::experiment {

namespace {

// The continued fraction of I_x(a, b) by the modified Lentz method; it
// converges fast for x < (a + 1) / (a + b + 2).
double beta_fraction(double a, double b, double x) {
    constexpr int kMaxTerms = 300;
    constexpr double kEps = 1e-15;
    // Stands in for a zero denominator, which Lentz's method must avoid.
    constexpr double kTiny = 1e-300;
    const double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    if (std::abs(d) < kTiny)
        d = kTiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= kMaxTerms; ++m) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        d = std::abs(d) < kTiny ? kTiny : d;
        c = 1 + aa / c;
        c = std::abs(c) < kTiny ? kTiny : c;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        d = std::abs(d) < kTiny ? kTiny : d;
        c = 1 + aa / c;
        c = std::abs(c) < kTiny ? kTiny : c;
        d = 1 / d;
        const double delta = d * c;
        h *= delta;
        if (std::abs(delta - 1) < kEps)
            return h;
    }
    // Not reached for the arguments the t-test gives (a, b of a few hundred
    // at most); a silent wrong p-value would be worse than an error.
    throw Error("the incomplete beta function's continued fraction did not converge for a = " +
                std::to_string(a) + ", b = " + std::to_string(b) + ", x = " + std::to_string(x));
}

double mean_of(const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// The sample variance (n - 1 in the denominator).
double variance_of(const std::vector<double>& v, double mean) {
    double sum = 0;
    for (const double x : v)
        sum += (x - mean) * (x - mean);
    return sum / static_cast<double>(v.size() - 1);
}

}  // namespace

double incomplete_beta(double a, double b, double x) {
    if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1))
        throw Error("the incomplete beta function needs a > 0, b > 0 and 0 <= x <= 1; found a = " +
                    std::to_string(a) + ", b = " + std::to_string(b) +
                    ", x = " + std::to_string(x));
    if (x == 0 || x == 1)
        return x;
    // x^a (1-x)^b / (a B(a, b)), through logarithms so large a, b do not overflow.
    const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) +
                                  a * std::log(x) + b * std::log1p(-x));
    // The fraction converges fast on one side of the mean; the symmetry
    // I_x(a, b) = 1 - I_{1-x}(b, a) covers the other.
    if (x < (a + 1) / (a + b + 2))
        return front * beta_fraction(a, b, x) / a;
    return 1 - front * beta_fraction(b, a, 1 - x) / b;
}

double student_t_two_sided_p(double t, double df) {
    if (!(df > 0) || std::isnan(t))
        throw Error("Student's t distribution needs df > 0 and a t that is a number; found df = " +
                    std::to_string(df) + ", t = " + std::to_string(t));
    if (std::isinf(t))
        return 0;
    return incomplete_beta(df / 2, 0.5, df / (df + t * t));
}

std::optional<double> welch_p(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() < 2 || b.size() < 2)
        return std::nullopt;
    const double mean_a = mean_of(a), mean_b = mean_of(b);
    // The variances of the two means.
    const double va = variance_of(a, mean_a) / static_cast<double>(a.size());
    const double vb = variance_of(b, mean_b) / static_cast<double>(b.size());
    const double v = va + vb;
    if (!(v > 0))
        return mean_a == mean_b ? 1.0 : 0.0;
    const double t = (mean_a - mean_b) / std::sqrt(v);
    // The Welch-Satterthwaite degrees of freedom, v^2 / (va^2/(na-1) +
    // vb^2/(nb-1)), in shares of v so that tiny variances do not underflow.
    const double share_a = va / v, share_b = vb / v;
    const double df = 1 / (share_a * share_a / static_cast<double>(a.size() - 1) +
                           share_b * share_b / static_cast<double>(b.size() - 1));
    return student_t_two_sided_p(t, df);
}

}  // namespace tinynn::experiment
