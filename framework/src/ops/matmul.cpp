// torch.matmul for ranks 1 and 2: a vector on the left is a row, on the right
// a column, and that dim is dropped from the result.

#include <string>

#include "autograd/graph.hpp"
#include "tensor/summation.hpp"
#include "threads/team.hpp"
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
    // y_p, b_p: part p's columns of the result and of b, or the whole
    // matrices on one thread (Eigen's small products are slower on blocks).
    const auto product = [&](auto&& y_p, const auto& b_p) {
        y_p.noalias() = A * b_p;  // [n, m_p]
    };
    const double work = static_cast<double>(A.rows()) * B.cols() * A.cols();
    const int parts = detail::parts_for(work, detail::kSerialProductWork);
    if (parts == 1) {
        product(y, B);
    } else {
        detail::run_parts(parts, [&](int p) {
            const auto [lo, hi] = detail::part_range(B.cols(), p, parts);
            product(y.middleCols(lo, hi - lo), B.middleCols(lo, hi - lo));
        });
    }
    Shape shape;
    if (ra == 2)
        shape.push_back(A.rows());
    if (rb == 2)
        shape.push_back(B.cols());
    if (ra == 2 && rb == 1)
        y.resize(1, A.rows());  // the column [n, 1] as the vector {n}
    return make_result(
        std::move(y), std::move(shape), "matmul", {&a, &b},
        [rb, parts](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            // a's gradient reads b and b's reads a, each only when it is
            // needed: the operands PyTorch saves (Node::input checks them).
            // The sizes, from the stored operands without reading them:
            const Matrix& a_storage = n.inputs[0].value->data;                 // [n, k]
            const ConstMap b_storage = as_right(n.inputs[1].value->data, rb);  // [k, m]
            const ConstMap G(g.data(), a_storage.rows(), b_storage.cols());    // [n, m]
            if (n.needs_grad(1))
                grads[1].resize(b_storage.rows(), b_storage.cols());
            // Part p: its columns of each gradient, from its rows of b
            // and its columns of g; whole matrices on one thread. b's
            // gradient sums over a's rows (tensor/summation.hpp).
            const auto a_grad = [&](auto&& da_p, const auto& b_rows) {
                da_p.noalias() = G * b_rows.transpose();  // [n, k_p]
            };
            const auto b_grad = [&](auto&& db_p, const auto& g_cols) {
                detail::product_over_rows(n.input(0), g_cols, db_p);  // [k, m_p]
            };
            if (parts == 1) {
                if (n.needs_grad(0))
                    a_grad(grads[0], as_right(n.input(1), rb));
                if (n.needs_grad(1))
                    b_grad(grads[1], G);
            } else {
                detail::run_parts(parts, [&](int p) {
                    if (n.needs_grad(0)) {
                        const ConstMap B = as_right(n.input(1), rb);  // [k, m]
                        const auto [lo, hi] = detail::part_range(B.rows(), p, parts);
                        a_grad(grads[0].middleCols(lo, hi - lo), B.middleRows(lo, hi - lo));
                    }
                    if (n.needs_grad(1)) {
                        const auto [lo, hi] = detail::part_range(G.cols(), p, parts);
                        b_grad(grads[1].middleCols(lo, hi - lo), G.middleCols(lo, hi - lo));
                    }
                });
            }
            if (n.needs_grad(1) && rb == 1)
                grads[1].resize(1, b_storage.rows());
        });
}

}  // namespace tinynn
