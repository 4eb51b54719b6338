// Ops that move values without arithmetic: transpose, reshape, indexing.

#include <string>

#include "autograd/graph.hpp"
#include "tensor/layout.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {

using detail::make_result;
using detail::Node;
using ConstMap = Eigen::Map<const Matrix>;

namespace {
// x's values as they are, as a new node: what t() of a vector or scalar and
// transpose(d, d) give, as in PyTorch, so the result's requires_grad_ and
// grad are its own and never x's.
Tensor same_values(const Tensor& x) {
    return make_result(
        detail::evaluate_pooled(x.matrix()), x.shape(), "transpose", {&x},
        [](const Node&, const Matrix& g, std::vector<Matrix>& grads) { grads[0] = g; });
}
}  // namespace

Tensor t(const Tensor& x) {
    if (x.dim() < 2)
        return same_values(x);
    const Matrix& m = x.matrix();  // [rows, cols]
    return make_result(
        m.transpose(), {x.shape()[1], x.shape()[0]}, "transpose", {&x},
        [](const Node&, const Matrix& g, std::vector<Matrix>& grads) { grads[0] = g.transpose(); });
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
    const int64_t d0 = detail::normalize_dim(dim0, x.dim(), "transpose");
    const int64_t d1 = detail::normalize_dim(dim1, x.dim(), "transpose");
    return d0 == d1 ? same_values(x) : t(x);
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
                       [](const Node&, const Matrix& g, std::vector<Matrix>& grads) {
                           grads[0] = ConstMap(g.data(), grads[0].rows(), grads[0].cols());
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
    return detail::make_result(std::move(out), std::move(out_shape), "index", {this},
                               [k, rank](const Node&, const Matrix& g, std::vector<Matrix>& grads) {
                                   grads[0].setZero();
                                   if (rank == 1)
                                       grads[0](0, k) = g(0, 0);
                                   else
                                       grads[0].row(k) = g;
                               });
}

}  // namespace tinynn
