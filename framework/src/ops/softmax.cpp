// softmax and log_softmax along a dim, both shifted by the maximum first so
// that exp never overflows (inputs of +-1000 give finite results).

#include "autograd/graph.hpp"
#include "tensor/layout.hpp"
#include "tensor/summation.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {

using detail::make_result;
using detail::Node;

namespace {

enum class Kind { softmax, log_softmax };

// Along each row of x [rows, cols].
void forward_rows(Kind kind, const Matrix& x, Matrix& y) {
    if (x.cols() == 0) {
        y = x;
        return;
    }
    const Eigen::VectorXf max = x.rowwise().maxCoeff();  // [rows]
    Matrix z = x.colwise() - max;                        // [rows, cols]
    y = z.array().exp().matrix();
    Eigen::VectorXf total(x.rows());  // [rows]
    detail::row_sums(y, total.data());
    if (kind == Kind::softmax)
        y.array().colwise() /= total.array();
    else
        y = z.colwise() - Eigen::VectorXf(total.array().log());
}

// y: the forward's output, dy and dx: [rows, cols].
void backward_rows(Kind kind, const Matrix& y, const Matrix& dy, Matrix& dx) {
    Eigen::VectorXf total(dy.rows());  // [rows]
    if (kind == Kind::softmax) {
        dx = dy.cwiseProduct(y);
        detail::row_sums(dx, total.data());  // the dot products of dy and y
        dx = y.cwiseProduct(dy.colwise() - total);
    } else {
        detail::row_sums(dy, total.data());
        dx = dy - (y.array().exp().colwise() * total.array()).matrix();
    }
}

Tensor softmax_op(const Tensor& x, int64_t dim, Kind kind, const char* op) {
    const int64_t d = detail::normalize_dim(dim, x.dim(), op);
    const bool along_rows = detail::storage_axis(d, x.dim()) == 1;
    Matrix y;  // [rows, cols]
    if (along_rows) {
        forward_rows(kind, x.matrix(), y);
    } else {
        Matrix yt;  // [cols, rows]
        forward_rows(kind, x.matrix().transpose(), yt);
        y = yt.transpose();
    }
    return make_result(
        std::move(y), x.shape(), op, {&x},
        [kind, along_rows](const Node& n, const Matrix& dy, std::vector<Matrix>& grads) {
            const Matrix& out = n.result();
            if (along_rows) {
                backward_rows(kind, out, dy, grads[0]);
                return;
            }
            Matrix dxt;  // [cols, rows]
            backward_rows(kind, out.transpose(), dy.transpose(), dxt);
            grads[0] = dxt.transpose();
        });
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
    return softmax_op(x, dim, Kind::softmax, "softmax");
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
    return softmax_op(x, dim, Kind::log_softmax, "log_softmax");
}

}  // namespace tinynn
