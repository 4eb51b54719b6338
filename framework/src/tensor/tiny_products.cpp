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

// out[m, n] = a[m, k] b[k, n] (+ bias on every row), b row-major. Every
// output element is 0 + a(i,0) b(0,j) + a(i,1) b(1,j) + ... (+ bias), the
// order of Eigen's coefficient-based product. Eight columns of a row are
// summed side by side in a fixed-size block, which the compiler keeps in
// vector registers without reordering any sum; the columns left over are
// summed one by one. (Loops over n itself were vectorised with more set-up
// than arithmetic at these sizes, and the scalar dot products of the
// previous version cost ~14 instructions a multiply-add in W1.)
void product(Strided a, const float* b, Index k, const Matrix* bias, Matrix& out) {
    constexpr Index kBlock = 8;
    const Index m = out.rows(), n = out.cols();
    const float* bias_row = bias ? bias->data() : nullptr;  // [n]
    for (Index i = 0; i < m; ++i) {
        float* out_row = out.data() + i * n;  // [n]
        Index j = 0;
        for (; j + kBlock <= n; j += kBlock) {
            float sum[kBlock] = {};
            for (Index p = 0; p < k; ++p) {
                const float scale = a(i, p);
                const float* b_block = b + p * n + j;  // [kBlock]
                for (Index q = 0; q < kBlock; ++q)
                    sum[q] += scale * b_block[q];
            }
            for (Index q = 0; q < kBlock; ++q)
                out_row[j + q] = bias_row ? sum[q] + bias_row[j + q] : sum[q];
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
    // k * n <= kTinyProductWork.
    const Index n = b.rows(), k = b.cols();
    float b_t[kTinyProductWork];  // [k, n]
    for (Index j = 0; j < n; ++j)
        for (Index p = 0; p < k; ++p)
            b_t[p * n + j] = b(j, p);
    product({a.data(), a.cols(), 1}, b_t, k, bias, out);
}

void tiny_product_ab(const Matrix& a, const Matrix& b, Matrix& out) {
    product({a.data(), a.cols(), 1}, b.data(), a.cols(), nullptr, out);
}

void tiny_product_atb(const Matrix& a, const Matrix& b, Matrix& out) {
    product({a.data(), 1, a.cols()}, b.data(), a.rows(), nullptr, out);
}

}  // namespace tinynn::detail
