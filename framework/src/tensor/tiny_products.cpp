#include "tensor/tiny_products.hpp"

namespace tinynn::detail {

using Index = Eigen::Index;

namespace {

// Element (i, p) of a matrix read as data[i * row_step + p * col_step]: a
// row-major matrix or its transpose, without copying.
struct Strided {
    const float* data;
    Index row_step, col_step;
    float operator()(Index i, Index p) const { return data[i * row_step + p * col_step]; }
};

// Columns of an output row summed side by side: eight or four lanes of a
// GCC/Clang vector type, each lane its own sum, in order (no multiply-adds
// are fused: the library builds with -ffp-contract=off). A fixed-size float
// array did the same, but GCC's vectoriser split its eight sums into 4 + 2
// + 1 + 1 lanes; a vector type is one register where the machine has it
// (two on SSE). Unaligned, and allowed to alias the floats it reads.
using Lanes8 = float __attribute__((vector_size(32), aligned(4), may_alias));
using Lanes4 = float __attribute__((vector_size(16), aligned(4), may_alias));

// out_row[j, j + lanes) = a(i, 0) b[0, j...] + a(i, 1) b[1, j...] + ...
// (+ bias_row[j...]), b row-major [k, n].
template <class Lanes>
void sum_columns(Strided a, Index i, const float* b, Index k, Index n, Index j,
                 const float* bias_row, float* out_row) {
    Lanes sum = {};
    for (Index p = 0; p < k; ++p)
        sum += a(i, p) * *reinterpret_cast<const Lanes*>(b + p * n + j);
    if (bias_row)
        sum += *reinterpret_cast<const Lanes*>(bias_row + j);
    *reinterpret_cast<Lanes*>(out_row + j) = sum;
}

// out[m, n] = a[m, k] b[k, n] (+ bias_row [n] on every row), b and out
// row-major. Every
// output element is 0 + a(i,0) b(0,j) + a(i,1) b(1,j) + ... (+ bias), the
// order of Eigen's coefficient-based product: eight columns at a time, then
// four, then one by one. (Loops over n itself were vectorised with more
// set-up than arithmetic at these sizes, and the scalar dot products of an
// earlier version cost ~14 instructions a multiply-add in W1.)
void product(Strided a, const float* b, Index k, const float* bias_row, float* out, Index m,
             Index n) {
    for (Index i = 0; i < m; ++i) {
        float* out_row = out + i * n;  // [n]
        Index j = 0;
        for (; j + 8 <= n; j += 8)
            sum_columns<Lanes8>(a, i, b, k, n, j, bias_row, out_row);
        if (j + 4 <= n) {
            sum_columns<Lanes4>(a, i, b, k, n, j, bias_row, out_row);
            j += 4;
        }
        for (; j < n; ++j) {
            float sum = 0.0f;
            for (Index p = 0; p < k; ++p)
                sum += a(i, p) * b[p * n + j];
            out_row[j] = bias_row ? sum + bias_row[j] : sum;
        }
    }
}

}  // namespace

void tiny_product_abt(const Matrix& a, const Matrix& b, const Matrix* bias, Matrix& out) {
    if (out.size() == 0)
        return;
    // bᵀ copied to [k, n] row-major first: with m >= 1 rows of output,
    // k * n <= kTinyProductWork. A single row of b (one output feature) is
    // already laid out as its transpose.
    const Index n = b.rows(), k = b.cols();
    float b_t[kTinyProductWork];  // [k, n]
    if (n > 1)
        for (Index p = 0; p < k; ++p)
            for (Index j = 0; j < n; ++j)
                b_t[p * n + j] = b(j, p);
    product({a.data(), a.cols(), 1}, n > 1 ? b_t : b.data(), k, bias ? bias->data() : nullptr,
            out.data(), out.rows(), out.cols());
}

void tiny_product_ab(const Matrix& a, const Matrix& b, Matrix& out) {
    product({a.data(), a.cols(), 1}, b.data(), a.cols(), nullptr, out.data(), out.rows(),
            out.cols());
}

void tiny_product_atb(const Matrix& a, const Matrix& b, Matrix& out) {
    const Index m = out.rows(), n = out.cols(), k = a.rows();
    // A tall, narrow output (a first layer's weight gradient, [out, in] with
    // few inputs) would be summed one element at a time. Its transpose
    // bᵀ a [n, m] is wide: the same sums of the same products in the same
    // order (x y == y x), in blocks of columns, then stored transposed.
    if (n < 4 && m >= 8) {
        float out_t[kTinyProductWork];  // [n, m]; m * n <= kTinyProductWork
        product({b.data(), 1, n}, a.data(), k, nullptr, out_t, n, m);
        for (Index j = 0; j < n; ++j)
            for (Index i = 0; i < m; ++i)
                out(i, j) = out_t[j * m + i];
        return;
    }
    product({a.data(), 1, a.cols()}, b.data(), k, nullptr, out.data(), m, n);
}

}  // namespace tinynn::detail
