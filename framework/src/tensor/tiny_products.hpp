#pragma once

// Matrix products of at most kTinyProductWork multiply-adds, a toy model's
// layers (W1's first is [4, 2] x [2, 8]). Eigen evaluates them as a
// coefficient-based product over dynamic sizes, whose set-up cost several
// times the arithmetic: under callgrind, W1's Linear forward took ~1,000
// instructions and each weight gradient ~850 (bench/README.md, the per-step
// profile). These are plain loops over row-major storage, each output a sum
// in order over the shared dimension, as Eigen's coefficient-based product
// adds them.

#include "tinynn/tensor.hpp"

namespace tinynn::detail {

inline constexpr Eigen::Index kTinyProductWork = 512;

inline bool is_tiny_product(Eigen::Index m, Eigen::Index n, Eigen::Index k) {
    return m * n * k <= kTinyProductWork;
}

// out = a bᵀ (+ bias on every row, when given): a [m, k], b [n, k], bias
// [1, n], out [m, n], as a Linear's forward.
void tiny_product_abt(const Matrix& a, const Matrix& b, const Matrix* bias, Matrix& out);

// out = a b: a [m, k], b [k, n], out [m, n], as a Linear's input gradient.
void tiny_product_ab(const Matrix& a, const Matrix& b, Matrix& out);

// out = aᵀ b: a [k, m], b [k, n], out [m, n], as a weight's gradient over a
// batch of k rows.
void tiny_product_atb(const Matrix& a, const Matrix& b, Matrix& out);

}  // namespace tinynn::detail
