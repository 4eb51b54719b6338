#include "tensor/summation.hpp"

namespace tinynn::detail {

using Index = Eigen::Index;

namespace {

// Values per float32 block of sum_of. Eigen unrolls a block of fixed size
// into a pairwise sum, packet against packet: within a few ulps of the
// block's exact sum, and no slower than its running sum.
constexpr Index kBlock = 256;

// Columns of up to this many rows are summed in float32 by Eigen, vectorised
// (a few ulps at most; W2's batches of 32 keep Eigen's speed); longer ones
// row by row into double, a strip of columns at a time.
constexpr Index kFloatRows = 64;
constexpr Index kStripCols = 256;

}  // namespace

double sum_of(const float* values, Index n) {
    double total = 0.0;
    Index i = 0;
    for (; i + kBlock <= n; i += kBlock)
        total += Eigen::Map<const Eigen::Array<float, kBlock, 1>>(values + i).sum();
    return total + Eigen::Map<const Eigen::ArrayXf>(values + i, n - i).sum();
}

void column_sums(ConstRows m, float* out, double divisor) {
    if (m.rows() <= kFloatRows) {
        Eigen::Map<Eigen::Matrix<float, 1, Eigen::Dynamic>>(out, m.cols()) = m.colwise().sum();
        if (divisor != 1.0)
            for (Index j = 0; j < m.cols(); ++j)
                out[j] = static_cast<float>(out[j] / divisor);
        return;
    }
    double total[kStripCols];
    for (Index lo = 0; lo < m.cols(); lo += kStripCols) {
        const Index cols = std::min(kStripCols, m.cols() - lo);
        std::fill_n(total, cols, 0.0);
        for (Index i = 0; i < m.rows(); ++i) {
            const float* row = m.data() + i * m.outerStride() + lo;
            for (Index j = 0; j < cols; ++j)
                total[j] += row[j];
        }
        for (Index j = 0; j < cols; ++j)
            out[lo + j] = static_cast<float>(total[j] / divisor);
    }
}

void row_sums(ConstRows m, float* out, double divisor) {
    for (Index i = 0; i < m.rows(); ++i)
        out[i] = static_cast<float>(sum_of(m.data() + i * m.outerStride(), m.cols()) / divisor);
}

}  // namespace tinynn::detail
