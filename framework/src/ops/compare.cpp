// Comparisons (0/1 results with no gradient) and where, with PyTorch's
// broadcasting.

#include <string>

#include "autograd/graph.hpp"
#include "tensor/layout.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {

using detail::Index;
using detail::make_result;
using detail::Node;
using detail::reduce_into;

namespace {

// `m` repeated up to rows x cols (an Eigen expression: nothing is copied).
auto expand(const Matrix& m, Index rows, Index cols) {
    return m.replicate(m.rows() ? rows / m.rows() : 0, m.cols() ? cols / m.cols() : 0);
}

// The result is a plain value, not a graph node: a comparison has no
// gradient, as torch's bool results have none.
template <class Compare>
Tensor compare(const Tensor& a, const Tensor& b, const char* op, Compare f) {
    Shape shape = detail::broadcast_shapes(a.shape(), b.shape(), op);
    const detail::Dims d = detail::storage_dims(shape, op);
    Matrix out(d.rows, d.cols);  // [rows, cols]
    out = f(expand(a.matrix(), d.rows, d.cols).array(), expand(b.matrix(), d.rows, d.cols).array())
              .template cast<float>()
              .matrix();
    return Tensor::from_matrix(std::move(out), std::move(shape));
}

// Eigen's comparisons are IEEE's: false with a NaN on either side, except !=.
constexpr auto equal = [](const auto& x, const auto& y) { return x == y; };
constexpr auto not_equal = [](const auto& x, const auto& y) { return x != y; };
constexpr auto less = [](const auto& x, const auto& y) { return x < y; };
constexpr auto less_equal = [](const auto& x, const auto& y) { return x <= y; };
constexpr auto greater = [](const auto& x, const auto& y) { return x > y; };
constexpr auto greater_equal = [](const auto& x, const auto& y) { return x >= y; };

Shape where_shape(const Tensor& cond, const Tensor& a, const Tensor& b) {
    try {
        return detail::broadcast_shapes(detail::broadcast_shapes(cond.shape(), a.shape(), "where"),
                                        b.shape(), "where");
    } catch (const Error& e) {
        // The inner message may name a shape broadcast from two of them.
        throw Error("where: the shapes of cond " + format_shape(cond.shape()) + ", a " +
                    format_shape(a.shape()) + " and b " + format_shape(b.shape()) +
                    " cannot be broadcast together (" + e.what() + ")");
    }
}

}  // namespace

Tensor eq(const Tensor& a, const Tensor& b) {
    return compare(a, b, "eq", equal);
}
Tensor ne(const Tensor& a, const Tensor& b) {
    return compare(a, b, "ne", not_equal);
}
Tensor lt(const Tensor& a, const Tensor& b) {
    return compare(a, b, "lt", less);
}
Tensor le(const Tensor& a, const Tensor& b) {
    return compare(a, b, "le", less_equal);
}
Tensor gt(const Tensor& a, const Tensor& b) {
    return compare(a, b, "gt", greater);
}
Tensor ge(const Tensor& a, const Tensor& b) {
    return compare(a, b, "ge", greater_equal);
}

// A number compares as a scalar tensor, which broadcasts to a's shape.
Tensor eq(const Tensor& a, float b) {
    return compare(a, full({}, b), "eq", equal);
}
Tensor ne(const Tensor& a, float b) {
    return compare(a, full({}, b), "ne", not_equal);
}
Tensor lt(const Tensor& a, float b) {
    return compare(a, full({}, b), "lt", less);
}
Tensor le(const Tensor& a, float b) {
    return compare(a, full({}, b), "le", less_equal);
}
Tensor gt(const Tensor& a, float b) {
    return compare(a, full({}, b), "gt", greater);
}
Tensor ge(const Tensor& a, float b) {
    return compare(a, full({}, b), "ge", greater_equal);
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
    Shape shape = where_shape(cond, a, b);
    const detail::Dims d = detail::storage_dims(shape, "where");
    const Matrix& c = cond.matrix();                   // [rows or 1, cols or 1]
    Matrix out = detail::take_matrix(d.rows, d.cols);  // [rows, cols]
    out = (expand(c, d.rows, d.cols).array() != 0.0f)
              .select(expand(a.matrix(), d.rows, d.cols).array(),
                      expand(b.matrix(), d.rows, d.cols).array())
              .matrix();
    // cond is not an input of the node (it has no gradient), so the backward
    // keeps its own copy of it.
    return make_result(std::move(out), std::move(shape), "where", {&a, &b},
                       [c = Matrix(c)](const Node& n, const Matrix& g, std::vector<Matrix>& grads) {
                           // g: [rows, cols]; where the other input was taken, 0
                           if (n.needs_grad(0))
                               reduce_into((expand(c, g.rows(), g.cols()).array() != 0.0f)
                                               .select(g.array(), 0.0f)
                                               .matrix(),
                                           grads[0]);
                           if (n.needs_grad(1))
                               reduce_into((expand(c, g.rows(), g.cols()).array() != 0.0f)
                                               .select(0.0f, g.array())
                                               .matrix(),
                                           grads[1]);
                       });
}

}  // namespace tinynn
