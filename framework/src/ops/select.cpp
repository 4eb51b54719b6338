// max, min, argmax, argmin: the element picked along a dim, or of all of them.

#include <cmath>
#include <string>

#include "autograd/graph.hpp"
#include "tensor/layout.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {

using detail::Index;
using detail::make_result;
using detail::Node;

namespace {

using Mask = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Whether v takes over from the pick so far: only when strictly beyond it,
// so the first of equal values stays picked (torch's rule for max(dim) and
// argmax), and a NaN, once picked, stays: NaN propagates.
template <bool Largest>
bool beats(float v, float best) {
    if (std::isnan(best))
        return false;
    if (std::isnan(v))
        return true;
    return Largest ? v > best : v < best;
}

// The elements along `dim` of a tensor of `rank` form lines: for the last dim
// the rows of storage, for dim 0 of a matrix its columns. Returns, per line,
// the position along it of the element picked.
template <bool Largest>
std::vector<Index> pick_along(const Matrix& m, int64_t dim, int64_t rank) {
    if (detail::storage_axis(dim, rank) == 1) {
        std::vector<Index> picks(static_cast<size_t>(m.rows()), 0);
        for (Index r = 0; r < m.rows(); ++r)
            for (Index c = 1; c < m.cols(); ++c)
                if (beats<Largest>(m(r, c), m(r, picks[r])))
                    picks[r] = c;
        return picks;
    }
    // Down the columns a row at a time, as the storage runs.
    std::vector<Index> picks(static_cast<size_t>(m.cols()), 0);
    for (Index r = 1; r < m.rows(); ++r)
        for (Index c = 0; c < m.cols(); ++c)
            if (beats<Largest>(m(r, c), m(picks[c], c)))
                picks[c] = r;
    return picks;
}

// The position in storage order of the element picked among all of them.
template <bool Largest>
Index pick_all(const Matrix& m) {
    const float* p = m.data();
    Index best = 0;
    for (Index i = 1; i < m.size(); ++i)
        if (beats<Largest>(p[i], p[best]))
            best = i;
    return best;
}

struct AlongDim {
    int64_t dim;               // made non-negative
    Shape shape;               // of the result
    detail::Dims dims;         // of the result's storage
    std::vector<Index> picks;  // per element of the result, in storage order
};

template <bool Largest>
AlongDim pick(const Tensor& x, int64_t dim, bool keepdim, const char* op) {
    const int64_t rank = x.dim();
    const int64_t d = detail::normalize_dim(dim, rank, op);
    if (rank > 0 && x.shape()[d] == 0)
        throw Error(std::string(op) + ": dim " + std::to_string(dim) + " of shape " +
                    format_shape(x.shape()) + " is empty, so there is no element to pick");
    Shape shape = x.shape();
    if (rank > 0) {
        if (keepdim)
            shape[d] = 1;
        else
            shape.erase(shape.begin() + d);
    }
    const detail::Dims dims = detail::storage_dims(shape, op);
    return {d, std::move(shape), dims, pick_along<Largest>(x.matrix(), d, rank)};
}

template <bool Largest>
Tensor value_along(const Tensor& x, int64_t dim, bool keepdim, const char* op) {
    AlongDim a = pick<Largest>(x, dim, keepdim, op);
    const Matrix& m = x.matrix();                                // [rows, cols]
    Matrix out = detail::take_matrix(a.dims.rows, a.dims.cols);  // [picks] in storage order
    const bool across_rows = detail::storage_axis(a.dim, x.dim()) == 1;
    for (size_t k = 0; k < a.picks.size(); ++k) {
        const Index i = static_cast<Index>(k);
        out.data()[k] = across_rows ? m(i, a.picks[k]) : m(a.picks[k], i);
    }
    return make_result(std::move(out), std::move(a.shape), op, {&x},
                       [picks = std::move(a.picks), across_rows](const Node&, const Matrix& g,
                                                                 std::vector<Matrix>& grads) {
                           // g: [picks] in storage order, whatever its shape
                           grads[0].setZero();
                           for (size_t k = 0; k < picks.size(); ++k) {
                               const Index i = static_cast<Index>(k);
                               if (across_rows)
                                   grads[0](i, picks[k]) = g.data()[k];
                               else
                                   grads[0](picks[k], i) = g.data()[k];
                           }
                       });
}

template <bool Largest>
Tensor index_along(const Tensor& x, int64_t dim, bool keepdim, const char* op) {
    const AlongDim a = pick<Largest>(x, dim, keepdim, op);
    Matrix out(a.dims.rows, a.dims.cols);  // [picks] in storage order
    for (size_t k = 0; k < a.picks.size(); ++k)
        out.data()[k] = static_cast<float>(a.picks[k]);
    return Tensor::from_matrix(std::move(out), a.shape);
}

void require_elements(const Tensor& x, const char* op) {
    if (x.numel() == 0)
        throw Error(std::string(op) + ": the tensor of shape " + format_shape(x.shape()) +
                    " is empty, so there is no element to pick; give a dim to reduce along a "
                    "nonempty one");
}

template <bool Largest>
Tensor value_all(const Tensor& x, const char* op) {
    require_elements(x, op);
    const Matrix& m = x.matrix();                        // [rows, cols]
    const float value = m.data()[pick_all<Largest>(m)];  // the result, stored [1, 1]
    return make_result(
        Matrix::Constant(1, 1, value), {}, op, {&x},
        [value](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
            const auto in = n.input(0).array();  // [rows, cols]
            // Every element equal to the result shares the gradient, as
            // torch's evenly_distribute_backward: ties are not broken.
            const Mask tied = std::isnan(value) ? Mask(in.isNaN()) : Mask(in == value);
            const float share = g(0, 0) / static_cast<float>(tied.count());
            grads[0] =
                tied.select(Matrix::Constant(in.rows(), in.cols(), share).array(), 0.0f).matrix();
        });
}

template <bool Largest>
Tensor index_all(const Tensor& x, const char* op) {
    require_elements(x, op);
    return full({}, static_cast<float>(pick_all<Largest>(x.matrix())));
}

}  // namespace

Tensor max(const Tensor& x, int64_t dim, bool keepdim) {
    return value_along<true>(x, dim, keepdim, "max");
}
Tensor min(const Tensor& x, int64_t dim, bool keepdim) {
    return value_along<false>(x, dim, keepdim, "min");
}
Tensor max(const Tensor& x) {
    return value_all<true>(x, "max");
}
Tensor min(const Tensor& x) {
    return value_all<false>(x, "min");
}

Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
    return index_along<true>(x, dim, keepdim, "argmax");
}
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) {
    return index_along<false>(x, dim, keepdim, "argmin");
}
Tensor argmax(const Tensor& x) {
    return index_all<true>(x, "argmax");
}
Tensor argmin(const Tensor& x) {
    return index_all<false>(x, "argmin");
}

}  // namespace tinynn
