#pragma once

// Sums of float series in double, each added in order from its first term:
// the bits of a plain loop, and of Eigen's sum() and norm() of a
// cast<double>() expression (a cast does not vectorise in Eigen 3.4, so its
// reductions add one coefficient after the other). Every addition waits for
// the one before, so one series at a time is bound by the adder's latency;
// here up to eight series advance together and their additions overlap.
// The diagnostics take a dozen such sums per training step and two per layer
// on the probe (bench/README.md, issue 17). A float's square is exact in
// double, so whether a multiply and its add are fused changes no bit.

#include <cstddef>
#include <span>

namespace tinynn::experiment {

struct SumSeries {
    enum class Term {
        value,                // v[i]
        square,               // v[i]², as Eigen's squaredNorm
        square_of_difference  // (v[i] - minus[i])², the difference in float
    };
    const float* values = nullptr;
    const float* minus = nullptr;  // square_of_difference only
    size_t size = 0;
    Term term = Term::value;
    // 0.0 + the first term, as a loop from `double sum = 0` adds it, rather
    // than the first term itself, as Eigen starts; they differ for -0.0.
    bool from_zero = false;
};

// sums[k]: the in-order sum of series[k]'s terms in double; 0 when empty.
void in_order_sums(std::span<const SumSeries> series, std::span<double> sums);

}  // namespace tinynn::experiment
