#include "tensor/tiny_products.hpp"

namespace tinynn::detail {

using Index = Eigen::Index;

void tiny_product_abt(const Matrix& a, const Matrix& b, const Matrix* bias, Matrix& out) {
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

void tiny_product_ab(const Matrix& a, const Matrix& b, Matrix& out) {
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

void tiny_product_atb(const Matrix& a, const Matrix& b, Matrix& out) {
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
