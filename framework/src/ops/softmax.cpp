// softmax and log_softmax along a dim, both shifted by the maximum first so
// that exp never overflows (inputs of +-1000 give finite results).

#include "autograd/graph.hpp"
#include "tensor/layout.hpp"
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
    if (kind == Kind::softmax) {
        y = z.array().exp().matrix();
        const Eigen::VectorXf total = y.rowwise().sum();  // [rows]
        y.array().colwise() /= total.array();
    } else {
        const Eigen::VectorXf lse = z.array().exp().rowwise().sum().log();  // [rows]
        y = z.colwise() - lse;
    }
}

// y: the forward's output, dy and dx: [rows, cols].
void backward_rows(Kind kind, const Matrix& y, const Matrix& dy, Matrix& dx) {
    if (kind == Kind::softmax) {
        const Eigen::VectorXf dot = dy.cwiseProduct(y).rowwise().sum();  // [rows]
        dx = y.cwiseProduct(dy.colwise() - dot);
    } else {
        const Eigen::VectorXf total = dy.rowwise().sum();  // [rows]
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
            const Matrix& out = n.output->data;
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
