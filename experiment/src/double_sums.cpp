#include "double_sums.hpp"

#include <array>

namespace tinynn::experiment {

namespace {

using Term = SumSeries::Term;

// Enough independent sums to hide the adder's latency: 32 doubles are four
// AVX-512 or eight AVX registers. (With 8, two registers, each step waited
// for the last: 6 % of `tinynn compare`'s samples instead of 4 %.)
constexpr size_t kLanes = 32;

template <Term T>
double term_at(const float* values, const float* minus, size_t i) {
    if constexpr (T == Term::value) {
        return static_cast<double>(values[i]);
    } else if constexpr (T == Term::square) {
        const auto d = static_cast<double>(values[i]);
        return d * d;
    } else {
        const auto d = static_cast<double>(values[i] - minus[i]);
        return d * d;
    }
}

template <Term T>
double sum_of(const SumSeries& s) {
    std::array<double, kLanes> lane{};
    const size_t whole = s.size - s.size % kLanes;
    for (size_t i = 0; i < whole; i += kLanes)
        for (size_t k = 0; k < kLanes; ++k)
            lane[k] += term_at<T>(s.values, s.minus, i + k);
    for (size_t i = whole; i < s.size; ++i)
        lane[i - whole] += term_at<T>(s.values, s.minus, i);
    for (size_t width = kLanes / 2; width > 0; width /= 2)
        for (size_t k = 0; k < width; ++k)
            lane[k] += lane[k + width];
    return lane[0];
}

}  // namespace

void double_sums(std::span<const SumSeries> series, std::span<double> sums) {
    for (size_t k = 0; k < series.size(); ++k) {
        switch (series[k].term) {
            case Term::value:
                sums[k] = sum_of<Term::value>(series[k]);
                break;
            case Term::square:
                sums[k] = sum_of<Term::square>(series[k]);
                break;
            case Term::square_of_difference:
                sums[k] = sum_of<Term::square_of_difference>(series[k]);
                break;
        }
    }
}

}  // namespace tinynn::experiment
