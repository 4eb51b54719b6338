// sum and mean, over everything or along one dim. The sums are accurate at
// any length (tensor/summation.hpp); a mean divides the sum by the count
// before rounding it to float.

#include "autograd/graph.hpp"
#include "tensor/layout.hpp"
#include "tensor/summation.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {

using detail::Index;
using detail::make_result;
using detail::Node;

namespace {

Tensor reduce_all(const Tensor& x, bool mean, const char* op) {
    const Matrix& m = x.matrix();
    const double count = mean ? static_cast<double>(m.size()) : 1.0;
    const auto total = static_cast<float>(detail::sum_of(m.data(), m.size()) / count);
    // PyTorch's backward divides the gradient by the count, as here.
    const auto divisor = static_cast<float>(count);
    return make_result(Matrix::Constant(1, 1, total), {}, op, {&x},
                       [divisor](const Node&, const Matrix& g, std::vector<Matrix>& grads) {
                           grads[0].setConstant(g(0, 0) / divisor);
                       });
}

Tensor reduce_dim(const Tensor& x, int64_t dim, bool keepdim, bool mean, const char* op) {
    const int64_t rank = x.dim();
    const int64_t d = detail::normalize_dim(dim, rank, op);
    if (rank < 2) {  // the only dim of a vector (or a scalar's): everything
        Tensor all = reduce_all(x, mean, op);
        return keepdim && rank == 1 ? all.reshape({1}) : all;
    }
    const Matrix& m = x.matrix();  // [rows, cols]
    const Index count = d == 0 ? m.rows() : m.cols();
    const double divisor = mean ? static_cast<double>(count) : 1.0;
    Shape shape = x.shape();
    if (keepdim)
        shape[d] = 1;
    else
        shape.erase(shape.begin() + d);
    Matrix out;
    if (d == 0) {
        out.resize(1, m.cols());
        detail::column_sums(m, out.data(), divisor);
    } else {
        // [rows, 1], or the vector {rows}: the same floats either way
        out.resize(keepdim ? m.rows() : 1, keepdim ? 1 : m.rows());
        detail::row_sums(m, out.data(), divisor);
    }
    return make_result(
        std::move(out), std::move(shape), op, {&x},
        [d, g_divisor = static_cast<float>(divisor)](const Node&, const Matrix& g,
                                                     std::vector<Matrix>& grads) {
            Matrix& dx = grads[0];  // [rows, cols]
            if (d == 0)             // g: [1, cols]
                dx = g.replicate(dx.rows(), 1) / g_divisor;
            else  // g: [rows] as a row or a column
                dx = Eigen::Map<const Matrix>(g.data(), dx.rows(), 1).replicate(1, dx.cols()) /
                     g_divisor;
        });
}

}  // namespace

Tensor sum(const Tensor& x) {
    return reduce_all(x, false, "sum");
}
Tensor mean(const Tensor& x) {
    return reduce_all(x, true, "mean");
}
Tensor sum(const Tensor& x, int64_t dim, bool keepdim) {
    return reduce_dim(x, dim, keepdim, false, "sum");
}
Tensor mean(const Tensor& x, int64_t dim, bool keepdim) {
    return reduce_dim(x, dim, keepdim, true, "mean");
}

}  // namespace tinynn
