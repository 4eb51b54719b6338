#include "in_order_sums.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace tinynn::experiment {

namespace {

using Term = SumSeries::Term;

// The i-th term of a series (its pointers already moved to where it is).
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

double term_at(Term term, const float* values, const float* minus, size_t i) {
    switch (term) {
        case Term::value:
            return term_at<Term::value>(values, minus, i);
        case Term::square:
            return term_at<Term::square>(values, minus, i);
        case Term::square_of_difference:
            break;
    }
    return term_at<Term::square_of_difference>(values, minus, i);
}

constexpr size_t kLanes = 8;

// The series of one step: which, and how far each has got.
struct Lanes {
    std::array<size_t, kLanes> series{};
    std::array<size_t, kLanes> at{};
    size_t count = 0;
};

// `steps` more terms of each lane's series, added to its sum. Each lane's
// sum stays in a register, and K independent additions are in flight at once.
template <size_t K, Term T>
void advance(std::span<const SumSeries> series, std::span<double> sums, const Lanes& lanes,
             size_t steps) {
    std::array<const float*, K> values{}, minus{};
    std::array<double, K> acc{};
    for (size_t k = 0; k < K; ++k) {
        const SumSeries& s = series[lanes.series[k]];
        values[k] = s.values + lanes.at[k];
        minus[k] = s.minus ? s.minus + lanes.at[k] : nullptr;
        acc[k] = sums[lanes.series[k]];
    }
    for (size_t i = 0; i < steps; ++i) {
#pragma GCC unroll 8
        for (size_t k = 0; k < K; ++k)
            acc[k] += term_at<T>(values[k], minus[k], i);
    }
    for (size_t k = 0; k < K; ++k)
        sums[lanes.series[k]] = acc[k];
}

// As advance, for lanes whose terms differ in kind.
template <size_t K>
void advance_mixed(std::span<const SumSeries> series, std::span<double> sums, const Lanes& lanes,
                   size_t steps) {
    std::array<const float*, K> values{}, minus{};
    std::array<Term, K> terms{};
    std::array<double, K> acc{};
    bool differences = false;
    for (size_t k = 0; k < K; ++k) {
        const SumSeries& s = series[lanes.series[k]];
        values[k] = s.values + lanes.at[k];
        minus[k] = s.minus ? s.minus + lanes.at[k] : nullptr;
        terms[k] = s.term;
        acc[k] = sums[lanes.series[k]];
        differences = differences || s.term == Term::square_of_difference;
    }
    if (differences) {
        for (size_t i = 0; i < steps; ++i) {
#pragma GCC unroll 8
            for (size_t k = 0; k < K; ++k)
                acc[k] += term_at(terms[k], values[k], minus[k], i);
        }
    } else {
        // Values and squares: d * d or d * 1, the same bits as d itself,
        // chosen without a branch (the probe's sums and squares together).
        std::array<bool, K> squares{};
        for (size_t k = 0; k < K; ++k)
            squares[k] = terms[k] == Term::square;
        for (size_t i = 0; i < steps; ++i) {
#pragma GCC unroll 8
            for (size_t k = 0; k < K; ++k) {
                const auto d = static_cast<double>(values[k][i]);
                acc[k] += d * (squares[k] ? d : 1.0);
            }
        }
    }
    for (size_t k = 0; k < K; ++k)
        sums[lanes.series[k]] = acc[k];
}

template <size_t K>
void advance_lanes(std::span<const SumSeries> series, std::span<double> sums, const Lanes& lanes,
                   size_t steps) {
    const Term first = series[lanes.series[0]].term;
    bool same = true;
    for (size_t k = 1; k < K; ++k)
        same = same && series[lanes.series[k]].term == first;
    if (!same)
        return advance_mixed<K>(series, sums, lanes, steps);
    switch (first) {
        case Term::value:
            return advance<K, Term::value>(series, sums, lanes, steps);
        case Term::square:
            return advance<K, Term::square>(series, sums, lanes, steps);
        case Term::square_of_difference:
            return advance<K, Term::square_of_difference>(series, sums, lanes, steps);
    }
}

template <size_t... K>
void advance_any(std::span<const SumSeries> series, std::span<double> sums, const Lanes& lanes,
                 size_t steps, std::index_sequence<K...>) {
    ((lanes.count == K + 1 ? advance_lanes<K + 1>(series, sums, lanes, steps) : void()), ...);
}

}  // namespace

void in_order_sums(std::span<const SumSeries> series, std::span<double> sums) {
    // Each sum starts at its first term; the series with more go into lanes.
    size_t next = 0;
    const auto take_next = [&](Lanes& lanes) {
        for (; next < series.size() && lanes.count < kLanes; ++next) {
            const SumSeries& s = series[next];
            if (s.size == 0) {
                sums[next] = 0.0;
                continue;
            }
            const double first = term_at(s.term, s.values, s.minus, 0);
            sums[next] = s.from_zero ? 0.0 + first : first;
            if (s.size > 1) {
                lanes.series[lanes.count] = next;
                lanes.at[lanes.count] = 1;
                ++lanes.count;
            }
        }
    };
    Lanes lanes;
    for (take_next(lanes); lanes.count > 0; take_next(lanes)) {
        // All lanes go on together until the shortest ends; it leaves, and
        // the next series takes its place.
        size_t steps = series[lanes.series[0]].size - lanes.at[0];
        for (size_t k = 1; k < lanes.count; ++k)
            steps = std::min(steps, series[lanes.series[k]].size - lanes.at[k]);
        advance_any(series, sums, lanes, steps, std::make_index_sequence<kLanes>{});
        size_t kept = 0;
        for (size_t k = 0; k < lanes.count; ++k) {
            if (lanes.at[k] + steps == series[lanes.series[k]].size)
                continue;
            lanes.series[kept] = lanes.series[k];
            lanes.at[kept] = lanes.at[k] + steps;
            ++kept;
        }
        lanes.count = kept;
    }
}

}  // namespace tinynn::experiment
