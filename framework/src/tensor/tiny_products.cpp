#include "tensor/tiny_products.hpp"

namespace tinynn::detail {

using Index = Eigen::Index;

// GCC's vectoriser versions these loops for long rows, which costs more than
// it gains at these sizes: W1's three products per layer took ~250 ns
// vectorised and ~195 ns scalar here (AVX-512).
#if defined(__GNUC__) && !defined(__clang__)
#define TINYNN_SCALAR_LOOPS __attribute__((optimize("no-tree-vectorize")))
#else
#define TINYNN_SCALAR_LOOPS
#endif

namespace {

// Element (i, p) of a matrix read as data[i * row_step + p * col_step]: a
// row-major matrix or its transpose, without copying.
struct Strided {
    const float* data;
    Index row_step, col_step;
    float operator()(Index i, Index p) const { return data[i * row_step + p * col_step]; }
};

// out[m, n] = a[m, k] b[k, n] (+ bias on every row), each output a sum in
// order over p.
TINYNN_SCALAR_LOOPS void product(Strided a, Strided b, Index k, const Matrix* bias, Matrix& out) {
    const Index m = out.rows(), n = out.cols();
    for (Index i = 0; i < m; ++i) {
        float* out_row = out.data() + i * n;  // [n]
        for (Index j = 0; j < n; ++j) {
            float sum = 0.0f;
            for (Index p = 0; p < k; ++p)
                sum += a(i, p) * b(p, j);
            out_row[j] = bias ? sum + (*bias)(0, j) : sum;
        }
    }
}

}  // namespace

void tiny_product_abt(const Matrix& a, const Matrix& b, const Matrix* bias, Matrix& out) {
    product({a.data(), a.cols(), 1}, {b.data(), 1, b.cols()}, a.cols(), bias, out);
}

void tiny_product_ab(const Matrix& a, const Matrix& b, Matrix& out) {
    product({a.data(), a.cols(), 1}, {b.data(), b.cols(), 1}, a.cols(), nullptr, out);
}

void tiny_product_atb(const Matrix& a, const Matrix& b, Matrix& out) {
    product({a.data(), 1, a.cols()}, {b.data(), b.cols(), 1}, a.rows(), nullptr, out);
}

}  // namespace tinynn::detail
