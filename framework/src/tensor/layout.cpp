#include "tensor/layout.hpp"

#include <algorithm>
#include <string>

#include "tensor/summation.hpp"

namespace tinynn {

void Shape::throw_too_many_dims() const {
    throw Error("a shape has at most " + std::to_string(kMaxDims) + " dims; got more, starting " +
                format_shape(*this));
}

std::string format_shape(const Shape& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i)
            s += ", ";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

namespace detail {

Dims storage_dims(const Shape& shape, const char* what) {
    for (int64_t d : shape)
        if (d < 0)
            throw Error(std::string(what) + ": negative dimension in shape " + format_shape(shape));
    switch (shape.size()) {
        case 0:
            return {1, 1};
        case 1:
            return {1, shape[0]};
        case 2:
            return {shape[0], shape[1]};
        default:
            throw Error(std::string(what) + ": tinynn tensors have rank 0, 1 or 2, got shape " +
                        format_shape(shape));
    }
}

int64_t numel_of(const Shape& shape) {
    int64_t n = 1;
    for (int64_t d : shape)
        n *= d;
    return n;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
    const size_t rank = std::max(a.size(), b.size());
    Shape out(rank);
    for (size_t i = 0; i < rank; ++i) {  // i counts dims from the right, as broadcasting aligns
        const int64_t x = i < a.size() ? a[a.size() - 1 - i] : 1;
        const int64_t y = i < b.size() ? b[b.size() - 1 - i] : 1;
        if (x != y && x != 1 && y != 1)
            throw Error(std::string(op) + ": shapes " + format_shape(a) + " and " +
                        format_shape(b) + " cannot be broadcast (size " + std::to_string(x) +
                        " against " + std::to_string(y) + " at dim -" + std::to_string(i + 1) +
                        ")");
        out[rank - 1 - i] = x == 1 ? y : x;
    }
    return out;
}

int64_t normalize_dim(int64_t dim, int64_t rank, const char* op) {
    const int64_t span = rank == 0 ? 1 : rank;
    if (dim < -span || dim >= span)
        throw Error(std::string(op) + ": dim " + std::to_string(dim) +
                    " is out of range for a tensor of rank " + std::to_string(rank) +
                    " (expected " + std::to_string(-span) + " to " + std::to_string(span - 1) +
                    ")");
    return dim < 0 ? dim + span : dim;
}

int storage_axis(int64_t dim, int64_t rank) {
    return (rank == 2 && dim == 0) ? 0 : 1;
}

void reduce_into(const Matrix& grad, Matrix& out) {
    if (grad.rows() == out.rows() && grad.cols() == out.cols())
        out = grad;
    else if (out.rows() == 1 && out.cols() == 1)
        out(0, 0) = static_cast<float>(sum_of(grad.data(), grad.size()));
    else if (out.rows() == 1)
        column_sums(grad, out.data());
    else
        row_sums(grad, out.data());
}

}  // namespace detail
}  // namespace tinynn
