// torch.matmul for ranks 1 and 2: a vector on the left is a row, on the right
// a column, and that dim is dropped from the result.

#include <string>

#include "autograd/graph.hpp"
#include "threads/product_threads.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {

using detail::make_result;
using detail::Node;
using ConstMap = Eigen::Map<const Matrix>;

namespace {
// b as the right operand: a vector {k} is the column [k, 1] over the same data.
ConstMap as_right(const Matrix& b, int64_t rank) {
    return rank == 1 ? ConstMap(b.data(), b.cols(), 1) : ConstMap(b.data(), b.rows(), b.cols());
}
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
    const int64_t ra = a.dim(), rb = b.dim();
    if (ra == 0 || rb == 0)
        throw Error("matmul: both arguments need at least one dim, got shapes " +
                    format_shape(a.shape()) + " and " + format_shape(b.shape()));
    const Matrix& A = a.matrix();                 // [n, k], or [1, k] for a vector
    const ConstMap B = as_right(b.matrix(), rb);  // [k, m], or [k, 1] for a vector
    if (A.cols() != B.rows())
        throw Error("matmul: shapes " + format_shape(a.shape()) + " and " +
                    format_shape(b.shape()) + " cannot be multiplied (" + std::to_string(A.cols()) +
                    " != " + std::to_string(B.rows()) + ")");
    Matrix y = detail::take_matrix(A.rows(), B.cols());  // [n, m]
    {
        const detail::ProductThreads threads(A.rows(), B.cols(), A.cols());
        y.noalias() = A * B;
    }
    Shape shape;
    if (ra == 2)
        shape.push_back(A.rows());
    if (rb == 2)
        shape.push_back(B.cols());
    if (ra == 2 && rb == 1)
        y.resize(1, A.rows());  // the column [n, 1] as the vector {n}
    return make_result(std::move(y), std::move(shape), "matmul", {&a, &b},
                       [rb](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
                           const Matrix& A = n.input(0);                    // [n, k]
                           const ConstMap B = as_right(n.input(1), rb);     // [k, m]
                           const ConstMap G(g.data(), A.rows(), B.cols());  // [n, m]
                           // Both products do the forward's n * k * m multiply-adds.
                           const detail::ProductThreads threads(A.rows(), B.cols(), A.cols());
                           if (n.needs_grad(0)) {
                               grads[0].noalias() = G * B.transpose();  // [n, k]
                           }
                           if (n.needs_grad(1)) {
                               Matrix& dB = grads[1];
                               dB.resize(B.rows(), B.cols());
                               dB.noalias() = A.transpose() * G;  // [k, m]
                               if (rb == 1)
                                   dB.resize(1, B.rows());
                           }
                       });
}

}  // namespace tinynn
