#pragma once

// Sums over many values, accurate at any length. Every reduction of the
// library goes through here: sum and mean, the gradients of broadcasting
// (reduce_into), Linear's and matmul's gradients over a batch, softmax's
// normalisers.
//
// A float32 running sum drifts: each addition rounds to the precision of the
// running total, so a million 0.1s add up to 100958 instead of 100000, and
// Eigen's vectorised sums only divide that drift among a few lanes. PyTorch
// adds float32 blocks in a cascade; here blocks of a few dozen to a few
// hundred values are summed in float32 by Eigen (vectorised, in pairs) and the
// block sums are added in double, so the result is rounded once more, at the
// end: within an ulp or so of the exact sum at any length, and as fast as
// Eigen's own sum, which these loops are bound by reading memory as much as it is.

#include <algorithm>

#include "memory/storage_pool.hpp"
#include "tinynn/tensor.hpp"

namespace tinynn::detail {

// Read-only rows of floats, each row contiguous: a Matrix, a Map of one, or a
// block of its columns. (Only pass stored values: Eigen would silently
// evaluate an expression into a temporary to bind it.)
using ConstRows = Eigen::Ref<const Matrix, 0, Eigen::OuterStride<>>;

// values[0] + ... + values[n - 1], in double: mean divides before rounding.
double sum_of(const float* values, Eigen::Index n);

// out[j] = (m(0, j) + ... + m(rows - 1, j)) / divisor: m.cols() floats, the
// sums down m's columns.
void column_sums(ConstRows m, float* out, double divisor = 1.0);

// out[i] = (m(i, 0) + ... + m(i, cols - 1)) / divisor: m.rows() floats, the
// sums along m's rows.
void row_sums(ConstRows m, float* out, double divisor = 1.0);

// Rows per matrix product in product_over_rows. Batches up to this size (all
// of bench/README.md's) take one product, as before; OpenBLAS's products are
// themselves within an ulp or so over this many rows on random data.
inline constexpr Eigen::Index kRowsPerProduct = 1024;

// out = aᵀ b for a [n, p] and b [n, q]: a sum over n rows, the gradient of a
// weight over a batch. One product up to kRowsPerProduct rows; beyond, one per
// block of that many rows, the blocks added in double. A single product over
// a million rows drifts like a running sum (a product of [1, n] by [n, 1] with
// every value 0.1 came out 0.1 % low).
template <class A, class B, class Out>
void product_over_rows(const A& a, const B& b, Out&& out) {
    const Eigen::Index n = a.rows();
    if (n <= kRowsPerProduct) {
        out.noalias() = a.transpose() * b;  // [p, q]
        return;
    }
    using DoubleMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    DoubleMatrix total = DoubleMatrix::Zero(out.rows(), out.cols());  // [p, q]
    Matrix block = take_matrix(out.rows(), out.cols());               // [p, q]
    for (Eigen::Index lo = 0; lo < n; lo += kRowsPerProduct) {
        const Eigen::Index rows = std::min(kRowsPerProduct, n - lo);
        block.noalias() = a.middleRows(lo, rows).transpose() * b.middleRows(lo, rows);
        total += block.template cast<double>();
    }
    out = total.template cast<float>();
    recycle(block);
}

}  // namespace tinynn::detail
