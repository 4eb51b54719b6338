// sum and mean, over everything or along one dim.

#include "autograd/graph.hpp"
#include "tensor/layout.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {

using detail::Index;
using detail::make_result;
using detail::Node;

namespace {

Tensor reduce_all(const Tensor& x, bool mean, const char* op) {
    const Matrix& m = x.matrix();
    const float scale = mean ? 1.0f / static_cast<float>(m.size()) : 1.0f;
    Matrix out = Matrix::Constant(1, 1, m.sum() * scale);  // [1, 1]
    return make_result(std::move(out), {}, op, {&x},
                       [scale](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
                           const Matrix& in = n.input(0);
                           grads[0] = Matrix::Constant(in.rows(), in.cols(), g(0, 0) * scale);
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
    const float scale = mean ? 1.0f / static_cast<float>(count) : 1.0f;
    Shape shape = x.shape();
    if (keepdim)
        shape[d] = 1;
    else
        shape.erase(shape.begin() + d);
    Matrix out;
    if (d == 0) {
        out = m.colwise().sum() * scale;  // [1, cols]
    } else {
        out = m.rowwise().sum() * scale;  // [rows, 1]
        if (!keepdim)
            out.resize(1, m.rows());  // same data, as the vector {rows}
    }
    return make_result(
        std::move(out), std::move(shape), op, {&x},
        [d, scale](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            const Matrix& in = n.input(0);  // [rows, cols]
            if (d == 0)                     // g: [1, cols]
                grads[0] = g.replicate(in.rows(), 1) * scale;
            else  // g: [rows] as a row or a column
                grads[0] =
                    Eigen::Map<const Matrix>(g.data(), in.rows(), 1).replicate(1, in.cols()) *
                    scale;
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
