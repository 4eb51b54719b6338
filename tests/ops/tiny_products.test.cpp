// The plain loops Linear uses for products of at most 512 multiply-adds
// (tensor/tiny_products.hpp) give the bits of a sum taken in order over the
// shared dimension, the order of Eigen's coefficient-based product, for
// every shape of a toy model's layers, including single rows and columns.

#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/random.hpp>

#include "tensor/tiny_products.hpp"

namespace {

using tinynn::Matrix;
using Index = Eigen::Index;

Matrix random_matrix(Index rows, Index cols) {
    Matrix m(rows, cols);
    const std::vector<float> v = tinynn::randn({rows * cols}).to_vector();
    for (Index i = 0; i < m.size(); ++i)
        m.data()[i] = v[static_cast<size_t>(i)];
    return m;
}

// a [m, k] b [k, n] (+ bias), each element 0 + a(i,0) b(0,j) + ... in order.
Matrix in_order(const Matrix& a, const Matrix& b, const Matrix* bias) {
    Matrix out(a.rows(), b.cols());
    for (Index i = 0; i < a.rows(); ++i)
        for (Index j = 0; j < b.cols(); ++j) {
            float sum = 0.0f;
            for (Index p = 0; p < a.cols(); ++p)
                sum += a(i, p) * b(p, j);
            out(i, j) = bias ? sum + (*bias)(0, j) : sum;
        }
    return out;
}

bool same_bits(const Matrix& x, const Matrix& y) {
    if (x.rows() != y.rows() || x.cols() != y.cols())
        return false;
    for (Index i = 0; i < x.size(); ++i)
        if (x.data()[i] != y.data()[i])
            return false;
    return true;
}

}  // namespace

TEST_CASE("Tiny products give the bits of an in-order sum", "[tiny_products]") {
    tinynn::manual_seed(3);
    // [m, k] x [k, n]: W1's layers, single rows, columns and shared dims, and
    // the largest tiny shapes.
    // Output widths of 2, 3, 5, 7, 12 and 13 take the blocks of four and the
    // single columns after the blocks of eight.
    const std::vector<std::vector<Index>> shapes = {
        {4, 2, 8},   {4, 8, 1}, {1, 1, 1}, {1, 16, 32}, {32, 16, 1}, {4, 1, 8},  {8, 4, 16},
        {2, 256, 1}, {8, 4, 2}, {3, 5, 3}, {2, 7, 5},   {5, 3, 7},   {2, 9, 12}, {3, 4, 13}};
    for (const auto& s : shapes) {
        const Index m = s[0], k = s[1], n = s[2];
        REQUIRE(tinynn::detail::is_tiny_product(m, n, k));
        INFO("m " << m << ", k " << k << ", n " << n);
        const Matrix a = random_matrix(m, k);     // [m, k]
        const Matrix b = random_matrix(k, n);     // [k, n]
        const Matrix bias = random_matrix(1, n);  // [1, n]
        Matrix out(m, n);

        const Matrix b_t = b.transpose();  // [n, k], a weight's layout
        tinynn::detail::tiny_product_abt(a, b_t, &bias, out);
        CHECK(same_bits(out, in_order(a, b, &bias)));
        tinynn::detail::tiny_product_abt(a, b_t, nullptr, out);
        CHECK(same_bits(out, in_order(a, b, nullptr)));

        tinynn::detail::tiny_product_ab(a, b, out);
        CHECK(same_bits(out, in_order(a, b, nullptr)));

        const Matrix a_t = a.transpose();  // [k, m], a batch of k rows
        tinynn::detail::tiny_product_atb(a_t, b, out);
        CHECK(same_bits(out, in_order(a, b, nullptr)));
    }
}

TEST_CASE("Tiny products of an empty batch write nothing", "[tiny_products]") {
    // No rows of output: the shared and output dims may be large, as for a
    // Linear(1000, 1000) given a [0, 1000] batch.
    const Matrix a(0, 1000), b_t = Matrix::Zero(1000, 1000);
    Matrix out(0, 1000);
    tinynn::detail::tiny_product_abt(a, b_t, nullptr, out);
    CHECK(out.size() == 0);
}
