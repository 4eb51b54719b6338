// Ops that move values without arithmetic: transpose, reshape, indexing.

#include <string>

#include "autograd/graph.hpp"
#include "tensor/layout.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {

using detail::make_result;
using detail::Node;
using ConstMap = Eigen::Map<const Matrix>;

Tensor t(const Tensor& x) {
    if (x.dim() < 2)
        return x;
    const Matrix& m = x.matrix();  // [rows, cols]
    return make_result(
        m.transpose(), {x.shape()[1], x.shape()[0]}, "transpose", {&x},
        [](const Node&, const Matrix& g, std::vector<Matrix>& grads) { grads[0] = g.transpose(); });
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
    const int64_t d0 = detail::normalize_dim(dim0, x.dim(), "transpose");
    const int64_t d1 = detail::normalize_dim(dim1, x.dim(), "transpose");
    return d0 == d1 ? x : t(x);
}

Tensor reshape(const Tensor& x, Shape shape) {
    int64_t known = 1, inferred = -1;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == -1 && inferred < 0) {
            inferred = static_cast<int64_t>(i);
        } else if (shape[i] < 0) {
            throw Error("reshape: invalid shape " + format_shape(shape) +
                        " (only one dim may be -1, none negative)");
        } else {
            known *= shape[i];
        }
    }
    if (inferred >= 0 && known != 0 && x.numel() % known == 0)
        shape[inferred] = x.numel() / known;
    if ((inferred >= 0 && shape[inferred] < 0) || detail::numel_of(shape) != x.numel())
        throw Error("reshape: shape " + format_shape(shape) + " is invalid for a tensor of shape " +
                    format_shape(x.shape()) + " (" + std::to_string(x.numel()) + " elements)");
    const detail::Dims d = detail::storage_dims(shape, "reshape");
    return make_result(ConstMap(x.data(), d.rows, d.cols), std::move(shape), "reshape", {&x},
                       [](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
                           const Matrix& in = n.input(0);
                           grads[0] = ConstMap(g.data(), in.rows(), in.cols());
                       });
}

Tensor Tensor::operator[](int64_t i) const {
    const int64_t rank = dim();
    if (rank == 0)
        throw Error("operator[]: a scalar (shape []) cannot be indexed");
    const int64_t size0 = shape()[0];
    if (i < -size0 || i >= size0)
        throw Error("operator[]: index " + std::to_string(i) +
                    " is out of bounds for dim 0 of shape " + format_shape(shape()));
    const int64_t k = i < 0 ? i + size0 : i;
    const Matrix& m = matrix();
    Matrix out = rank == 1 ? Matrix(m.block(0, k, 1, 1)) : Matrix(m.row(k));
    Shape out_shape = rank == 1 ? Shape{} : Shape{shape()[1]};
    return detail::make_result(
        std::move(out), std::move(out_shape), "index", {this},
        [k, rank](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            const Matrix& in = n.input(0);
            grads[0] = Matrix::Zero(in.rows(), in.cols());
            if (rank == 1)
                grads[0](0, k) = g(0, 0);
            else
                grads[0].row(k) = g;
        });
}

}  // namespace tinynn
