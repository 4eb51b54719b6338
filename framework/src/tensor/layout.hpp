#pragma once

// How shapes of rank 0-2 map onto the 2-D storage (see tinynn::Matrix), and
// the shape rules ops share: broadcasting and dim arguments.

#include <utility>

#include "memory/storage_pool.hpp"
#include "tinynn/tensor.hpp"

namespace tinynn::detail {

using Index = Eigen::Index;

struct Dims {
    Index rows;
    Index cols;
};

// Throws unless `shape` is a valid shape of rank 0-2; `what` names the caller.
Dims storage_dims(const Shape& shape, const char* what);
int64_t numel_of(const Shape& shape);

// PyTorch's broadcast of two shapes of rank 0-2; throws naming both.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// A dim argument in [-rank, rank) (rank 0 accepts -1 and 0) made non-negative.
int64_t normalize_dim(int64_t dim, int64_t rank, const char* op);

// The storage axis that a dim of a tensor of this rank runs along: 1 for the
// last dim (across a row of storage), 0 for the first dim of a matrix.
int storage_axis(int64_t dim, int64_t rank);

// Sums a broadcast gradient back down to the storage dims of the input, into
// `out`, which arrives sized like that input's storage (as a backward's
// grads[i] do), accurately at any length (tensor/summation.hpp). An input of
// the gradient's own shape takes it unevaluated.
void reduce_into(const Matrix& grad, Matrix& out);

template <class Expr>
void reduce_into(const Eigen::MatrixBase<Expr>& grad, Matrix& out) {
    if (grad.rows() == out.rows() && grad.cols() == out.cols()) {
        out = grad;
        return;
    }
    Matrix full = evaluate_pooled(grad);
    reduce_into(full, out);
    recycle(full);
}

}  // namespace tinynn::detail
