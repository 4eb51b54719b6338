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

TINYNN_SCALAR_LOOPS void tiny_product_abt(const Matrix& a, const Matrix& b, const Matrix* bias,
                                          Matrix& out) {
    const Index m = a.rows(), n = b.rows(), k = a.cols();
    for (Index i = 0; i < m; ++i) {
        const float* a_row = a.data() + i * k;  // [k]
        float* out_row = out.data() + i * n;    // [n]
        for (Index j = 0; j < n; ++j) {
            const float* b_row = b.data() + j * k;  // [k]
            float sum = 0.0f;
            for (Index p = 0; p < k; ++p)
                sum += a_row[p] * b_row[p];
            out_row[j] = bias ? sum + (*bias)(0, j) : sum;
        }
    }
}

TINYNN_SCALAR_LOOPS void tiny_product_ab(const Matrix& a, const Matrix& b, Matrix& out) {
    const Index m = a.rows(), n = b.cols(), k = a.cols();
    for (Index i = 0; i < m; ++i) {
        float* out_row = out.data() + i * n;  // [n]
        for (Index j = 0; j < n; ++j) {
            float sum = 0.0f;
            for (Index p = 0; p < k; ++p)
                sum += a(i, p) * b(p, j);
            out_row[j] = sum;
        }
    }
}

TINYNN_SCALAR_LOOPS void tiny_product_atb(const Matrix& a, const Matrix& b, Matrix& out) {
    const Index m = a.cols(), n = b.cols(), k = a.rows();
    for (Index i = 0; i < m; ++i) {
        float* out_row = out.data() + i * n;  // [n]
        for (Index j = 0; j < n; ++j) {
            float sum = 0.0f;
            for (Index p = 0; p < k; ++p)
                sum += a(p, i) * b(p, j);
            out_row[j] = sum;
        }
    }
}

}  // namespace tinynn::detail
