#pragma once

// The probe's order statistics and histograms (metrics.hpp: percentiles,
// histogram_of), on buffers the caller keeps: a probe measures every layer
// at every epoch's end, and fresh buffers each time cost more in page faults
// than the counting itself (bench/README.md, issue 17).

#include <cstdint>
#include <span>
#include <vector>

#include "tinynn/experiment/metrics.hpp"

namespace tinynn::experiment {

struct Range {
    float low, high;
    bool finite;  // no NaN or infinity among the values
};

// Of non-empty `values`, through Eigen's vectorised reductions.
Range range_of(std::span<const float> values);
// The same, when whether they are all finite is known already.
Range range_of(std::span<const float> values, bool finite);

// What selection and tallies reuse from one call to the next.
struct DistributionScratch {
    std::vector<uint16_t> bucket;   // each value's bucket
    std::vector<uint32_t> partial;  // interleaved tallies
    std::vector<int64_t> count;     // per bucket
    std::vector<size_t> before;     // values in the buckets below
    std::vector<int> member_of;     // bucket -> its index among those collected, or -1
    std::vector<std::vector<std::vector<float>>> members;  // per level: the buckets collected
};

// percentiles (metrics.hpp) of `values`, whose range is `range`, into `out`
// (one per q); reorders `values`.
void percentiles_of(std::span<float> values, const Range& range, std::span<const double> qs,
                    std::span<double> out, DistributionScratch& scratch);

// histogram_of (metrics.hpp) of `values`, whose range is `range`.
Histogram histogram_of(std::span<const float> values, const Range& range, int bins,
                       DistributionScratch& scratch);

}  // namespace tinynn::experiment
