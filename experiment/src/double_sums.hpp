#pragma once

// Sums of float series in double: the diagnostics' gradient and weight norms,
// update sizes and output means (a dozen series a training step, two per
// layer on the probe). Each series is added in 32 interleaved partial sums
// (term i into sum i mod 32), which the compiler keeps in vector registers;
// the 32 are then added pairwise (sum k + sum k+16, then k + k+8, ...). The
// order is fixed, so a series gives the same bits on every run, thread and
// instruction set: a float's square (and a float difference's) is exact in
// double, so whether the compiler fuses a multiply with its add changes no
// bit. It is not the order of a plain loop or of Eigen's sum()
// of a cast<double>(), where each addition waits for the one before: summed
// that way (in_order_sums, before), they were 13 % of `tinynn compare`, and
// now 4 % (bench/README.md, issue 17). In double, the two orders differ by
// far less than the floats' own rounding: compare.csv's columns moved by at
// most 8e-13 relative (probe_std, which subtracts two such sums).

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
};

// sums[k]: the sum of series[k]'s terms in double; 0 when empty.
void double_sums(std::span<const SumSeries> series, std::span<double> sums);

}  // namespace tinynn::experiment
