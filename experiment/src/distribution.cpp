#include "distribution.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace tinynn::experiment {

Range range_of(std::span<const float> values) {
    const Eigen::Map<const Eigen::ArrayXf> v(values.data(),
                                             static_cast<Eigen::Index>(values.size()));
    return range_of(values, v.allFinite());
}

Range range_of(std::span<const float> values, bool finite) {
    // Eigen's reductions: std::minmax_element's pairwise branches take
    // several times as long.
    const Eigen::Map<const Eigen::ArrayXf> v(values.data(),
                                             static_cast<Eigen::Index>(values.size()));
    return {v.minCoeff(), v.maxCoeff(), finite};
}

namespace {

// counts[b] += how many of `bins` are b. Lanes interleaved tallies: runs of
// one bin (a saturated layer's outputs) would otherwise wait on the same
// counter's store at every value.
template <size_t Lanes, class Bin>
void tally(const Bin* bins, size_t n, std::span<int64_t> counts, std::vector<uint32_t>& partial) {
    partial.assign(Lanes * counts.size(), 0);
    size_t i = 0;
    for (; i + Lanes <= n; i += Lanes)
        for (size_t lane = 0; lane < Lanes; ++lane)
            ++partial[Lanes * bins[i + lane] + lane];
    for (; i < n; ++i)
        ++partial[Lanes * bins[i]];
    for (size_t b = 0; b < counts.size(); ++b) {
        int64_t sum = 0;
        for (size_t lane = 0; lane < Lanes; ++lane)
            sum += partial[Lanes * b + lane];
        counts[b] += sum;
    }
}

// Four lanes suffice for buckets, which few values share; a histogram's
// few bins take more before a lane's counter is its own again.
constexpr size_t kBucketLanes = 4, kBinLanes = 8;

// Up to this many values are selected by counting, past it by buckets.
constexpr size_t kCounted = 32;

// The values at `ranks` (0-based, ascending order) of at most kCounted
// finite values, by counting: the value at rank r is the largest x with
// fewer than r + 1 values below it. A pass of comparisons per value, which
// the compiler vectorises; selection by nth_element took several times as
// long on a probe's 256 inputs of unit 0, every comparison a branch.
void count_ranks(std::span<const float> values, std::span<const size_t> ranks,
                 std::span<float> out) {
    const size_t n = values.size();
    const float* v = values.data();
    std::array<bool, 16> found{};
    const auto take = [&](float x, uint32_t below) {
        for (size_t r = 0; r < ranks.size(); ++r)
            if (below <= ranks[r] && (!found[r] || x > out[r])) {
                out[r] = x;
                found[r] = true;
            }
    };
    // Eight values counted against in one pass over the others.
    constexpr size_t kBlock = 16;
    size_t j = 0;
    for (; j + kBlock <= n; j += kBlock) {
        std::array<uint32_t, kBlock> below{};
        for (size_t i = 0; i < n; ++i)
            for (size_t k = 0; k < kBlock; ++k)
                below[k] += v[i] < v[j + k] ? 1u : 0u;
        for (size_t k = 0; k < kBlock; ++k)
            take(v[j + k], below[k]);
    }
    for (; j < n; ++j) {
        uint32_t below = 0;
        for (size_t i = 0; i < n; ++i)
            below += v[i] < v[j] ? 1u : 0u;
        take(v[j], below);
    }
}

// At most this many buckets, and about eight values a bucket below that:
// the tally's counters are cleared and summed per call.
constexpr size_t kBuckets = 1024;

// Appends each value of a `wanted` bucket, other than `low` and `high`, at
// to[its index in wanted], which has room for 16 floats more than it takes.
// With AVX-512, sixteen values at a time through compresses: the scalar
// loop's branch on every value was most of a selection's time.
void collect(std::span<const float> values, const uint16_t* bucket, std::span<const size_t> wanted,
             float low, float high, std::array<float*, 16>& to, std::vector<int>& member_of) {
    const size_t n = values.size();
    const float* v = values.data();
    size_t i = 0;
#if defined(__AVX512F__)
    const __m512 lows = _mm512_set1_ps(low), highs = _mm512_set1_ps(high);
    for (; i + 16 <= n; i += 16) {
        const __m512 x = _mm512_loadu_ps(v + i);
        const __m512i b =
            _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(bucket + i)));
        const __mmask16 inner =
            _mm512_cmp_ps_mask(x, lows, _CMP_NEQ_UQ) & _mm512_cmp_ps_mask(x, highs, _CMP_NEQ_UQ);
        for (size_t w = 0; w < wanted.size(); ++w) {
            const __mmask16 take =
                inner & _mm512_cmpeq_epi32_mask(b, _mm512_set1_epi32(static_cast<int>(wanted[w])));
            if (take) {
                // Compressed in a register, then stored whole (the buffer
                // has room): a compress straight to memory is microcoded on
                // AMD's Zen 4, ~70 % of this loop when measured.
                _mm512_storeu_ps(to[w], _mm512_maskz_compress_ps(take, x));
                to[w] += __builtin_popcount(take);
            }
        }
    }
#endif
    if (i == n)
        return;
    member_of.resize(kBuckets, -1);
    for (size_t w = 0; w < wanted.size(); ++w)
        member_of[wanted[w]] = static_cast<int>(w);
    for (; i < n; ++i)
        if (const int w = member_of[bucket[i]]; w >= 0 && v[i] != low && v[i] != high)
            *to[static_cast<size_t>(w)]++ = v[i];
    for (const size_t b : wanted)
        member_of[b] = -1;
}

// The values at `ranks` of finite `values` whose range is `range`.
// Selection by buckets: one pass puts each value in one of up to kBuckets
// equal-width buckets between the minimum and the maximum (a monotone map,
// so a rank's value lies in the bucket where the running count passes it),
// a tally counts them, a second pass collects the few buckets holding the
// ranks asked for, and each is selected from alone, the same way (a crowded
// bucket, such as a saturated layer's values next to an asymptote, is split
// again). Ranks among the values equal to the minimum or the maximum (a dead
// ReLU layer's zeros, a saturated sigmoid's ones) are answered from their
// counts, without collecting them.
void select_finite(std::span<const float> values, const Range& range, std::span<const size_t> ranks,
                   std::span<float> out, DistributionScratch& scratch, size_t depth) {
    if (range.low == range.high) {  // one value throughout
        std::fill(out.begin(), out.end(), range.low);
        return;
    }
    if (values.size() <= kCounted)
        return count_ranks(values, ranks, out);
    if (scratch.members.size() <= depth)
        scratch.members.resize(depth + 1);
    const float low = range.low, high = range.high;
    const size_t n = values.size();
    const size_t buckets = std::min(kBuckets, n / 8);
    const float scale = static_cast<float>(buckets) / (high - low);
    scratch.bucket.resize(n);
    uint16_t* bucket = scratch.bucket.data();
    const float* v = values.data();
    size_t at_low = 0, at_high = 0;
    for (size_t i = 0; i < n; ++i) {
        // In float, monotone too, in a pass the compiler vectorises.
        const float x = (v[i] - low) * scale;
        bucket[i] = static_cast<uint16_t>(x < static_cast<float>(buckets) ? static_cast<int>(x)
                                                                          : buckets - 1);
        at_low += v[i] == low ? 1 : 0;
        at_high += v[i] == high ? 1 : 0;
    }
    scratch.count.assign(buckets, 0);
    tally<kBucketLanes>(bucket, n, scratch.count, scratch.partial);
    std::vector<size_t>& before = scratch.before;  // before[b]: values in buckets below b
    before.assign(buckets + 1, 0);
    for (size_t b = 0; b < buckets; ++b)
        before[b + 1] = before[b] + static_cast<size_t>(scratch.count[b]);
    // The ranks past the extremes, each as a rank among its bucket's values
    // other than the extremes: the minimum is the first of bucket 0, the
    // maximum the last of the last bucket.
    std::array<size_t, 16> wanted{};       // buckets to collect
    std::array<size_t, 16> of_rank{};      // each rank's among them
    std::array<size_t, 16> rank_within{};  // and its rank there
    size_t n_wanted = 0;
    for (size_t i = 0; i < ranks.size(); ++i) {
        if (ranks[i] < at_low) {
            out[i] = low;
            continue;
        }
        if (ranks[i] >= n - at_high) {
            out[i] = high;
            continue;
        }
        // The last b with before[b] <= rank.
        const size_t b = static_cast<size_t>(
            std::upper_bound(before.begin(), before.end(), ranks[i]) - before.begin() - 1);
        size_t w = 0;
        while (w < n_wanted && wanted[w] != b)
            ++w;
        if (w == n_wanted)
            wanted[n_wanted++] = b;
        of_rank[i] = w;
        rank_within[i] = ranks[i] - before[b] - (b == 0 ? at_low : 0);
    }
    if (n_wanted == 0)
        return;
    // A deeper level may grow scratch.members: this level's is taken anew
    // after each.
    std::vector<std::vector<float>>& members = scratch.members[depth];
    if (members.size() < n_wanted)
        members.resize(n_wanted);
    std::array<float*, 16> to{};
    for (size_t w = 0; w < n_wanted; ++w) {
        // Room for a whole vector's store past the last value collected.
        members[w].resize(static_cast<size_t>(scratch.count[wanted[w]]) + 16);
        to[w] = members[w].data();
    }
    const std::array<float*, 16> start = to;
    collect(values, bucket, std::span(wanted).first(n_wanted), low, high, to, scratch.member_of);
    for (size_t w = 0; w < n_wanted; ++w)
        members[w].resize(static_cast<size_t>(to[w] - start[w]));
    // Each collected bucket on its own, with the next level's buffers.
    for (size_t w = 0; w < n_wanted; ++w) {
        std::array<size_t, 16> sub_ranks{};
        std::array<float, 16> sub_out{};
        size_t k = 0;
        for (size_t i = 0; i < ranks.size(); ++i)
            if (ranks[i] >= at_low && ranks[i] < n - at_high && of_rank[i] == w)
                sub_ranks[k++] = rank_within[i];
        const std::vector<float>& m = scratch.members[depth][w];
        select_finite(m, range_of(m, true), std::span(sub_ranks).first(k),
                      std::span(sub_out).first(k), scratch, depth + 1);
        k = 0;
        for (size_t i = 0; i < ranks.size(); ++i)
            if (ranks[i] >= at_low && ranks[i] < n - at_high && of_rank[i] == w)
                out[i] = sub_out[k++];
    }
}

// The values of `values` at the given ranks (0-based, ascending order).
void values_at_ranks(std::span<float> values, const Range& range, std::span<const size_t> ranks,
                     std::span<float> out, DistributionScratch& scratch) {
    if (!range.finite) {
        // NaN and infinities, which neither buckets nor comparisons can
        // place: sorting orders them as it always did.
        std::sort(values.begin(), values.end());
        for (size_t i = 0; i < ranks.size(); ++i)
            out[i] = values[ranks[i]];
        return;
    }
    select_finite(values, range, ranks, out, scratch, 0);
}

}  // namespace

void percentiles_of(std::span<float> values, const Range& range, std::span<const double> qs,
                    std::span<double> out, DistributionScratch& scratch) {
    std::fill(out.begin(), out.end(), 0.0);
    if (values.empty())
        return;
    // Rank q/100 * (n - 1), between its two neighbours; up to kMost qs at once.
    constexpr size_t kMost = 8;
    const size_t last = values.size() - 1;
    for (size_t first = 0; first < qs.size(); first += kMost) {
        const size_t count = std::min(qs.size() - first, kMost);
        std::array<double, kMost> rank{};
        std::array<size_t, 2 * kMost> ranks{};
        for (size_t i = 0; i < count; ++i) {
            rank[i] = std::clamp(qs[first + i], 0.0, 100.0) / 100.0 * static_cast<double>(last);
            const auto below = static_cast<size_t>(std::floor(rank[i]));
            ranks[2 * i] = below;
            ranks[2 * i + 1] = std::min(below + 1, last);
        }
        std::array<float, 2 * kMost> at{};
        values_at_ranks(values, range, std::span(ranks).first(2 * count),
                        std::span(at).first(2 * count), scratch);
        for (size_t i = 0; i < count; ++i) {
            const double low = at[2 * i], high = at[2 * i + 1];
            out[first + i] = low + (rank[i] - std::floor(rank[i])) * (high - low);
        }
    }
}

Histogram histogram_of(std::span<const float> values, const Range& range, int bins,
                       DistributionScratch& scratch) {
    Histogram h;
    h.counts.assign(static_cast<size_t>(std::max(bins, 1)), 0);
    if (values.empty())
        return h;
    h.low = range.low;
    h.high = range.high;
    if (!(range.high > range.low)) {  // one value: all in the first bin
        h.counts[0] = static_cast<int64_t>(values.size());
        return h;
    }
    // torch.histc's bin, in float as it computes it: (v - min) / (max - min)
    // * bins, the maximum in the last bin. The bins are computed in one
    // vectorised pass, then counted: a division per value in the counting
    // loop was an eighth of the README's compare (bench/README.md).
    const float low = range.low, span = range.high - range.low,
                count = static_cast<float>(h.counts.size());
    const int last = static_cast<int>(h.counts.size()) - 1;
    constexpr size_t kChunk = 1024;
    std::array<int, kChunk> bin_of{};
    for (size_t start = 0; start < values.size(); start += kChunk) {
        const size_t n = std::min(kChunk, values.size() - start);
        const float* v = values.data() + start;
        for (size_t i = 0; i < n; ++i) {
            const float x = (v[i] - low) / span * count;
            // Compared before the conversion, which NaN would make undefined.
            bin_of[i] = x < count ? (x > 0.0f ? static_cast<int>(x) : 0) : last;
        }
        tally<kBinLanes>(bin_of.data(), n, h.counts, scratch.partial);
    }
    return h;
}

std::vector<double> percentiles(std::vector<float>& values, const std::vector<double>& qs) {
    std::vector<double> out(qs.size(), 0.0);
    if (values.empty())
        return out;
    DistributionScratch scratch;
    percentiles_of(values, range_of(values), qs, out, scratch);
    return out;
}

double percentile(std::vector<float>& values, double q) {
    return percentiles(values, {q})[0];
}

Histogram histogram_of(const std::vector<float>& values, int bins) {
    DistributionScratch scratch;
    return histogram_of(values, values.empty() ? Range{0, 0, true} : range_of(values), bins,
                        scratch);
}

}  // namespace tinynn::experiment
