#include "tinynn/tensor.hpp"

#include <string>

#include "autograd/graph.hpp"
#include "tensor/layout.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {

using detail::impl_of;
using detail::TensorImpl;

Tensor::Tensor() = default;

Tensor::Tensor(std::initializer_list<float> values)
    : Tensor(std::vector<float>(values), Shape{static_cast<int64_t>(values.size())}) {}

Tensor::Tensor(std::initializer_list<float> values, Shape shape)
    : Tensor(std::vector<float>(values), std::move(shape)) {}

Tensor::Tensor(std::vector<float> values) {
    const auto n = static_cast<int64_t>(values.size());
    *this = Tensor(std::move(values), Shape{n});
}

Tensor::Tensor(std::vector<float> values, Shape shape) {
    const detail::Dims dims = detail::storage_dims(shape, "Tensor");
    if (static_cast<int64_t>(values.size()) != detail::numel_of(shape))
        throw Error("Tensor: " + std::to_string(values.size()) + " values cannot fill shape " +
                    format_shape(shape) + " (" + std::to_string(detail::numel_of(shape)) +
                    " elements)");
    impl_ = detail::new_impl();
    impl_->data = Eigen::Map<const Matrix>(values.data(), dims.rows, dims.cols);
    impl_->shape = std::move(shape);
}

Tensor Tensor::from_matrix(Matrix storage, Shape shape) {
    const detail::Dims dims = detail::storage_dims(shape, "Tensor");
    if (storage.rows() != dims.rows || storage.cols() != dims.cols)
        throw Error("Tensor: storage of " + std::to_string(storage.rows()) + "x" +
                    std::to_string(storage.cols()) + " does not hold shape " + format_shape(shape));
    auto impl = detail::new_impl();
    impl->data = std::move(storage);
    impl->shape = std::move(shape);
    return Tensor(std::move(impl));
}

const detail::TensorImpl& Tensor::checked() const {
    return impl_of(*this);
}

const Shape& Tensor::shape() const {
    return checked().shape;
}

int64_t Tensor::size(int64_t d) const {
    const int64_t rank = dim();
    if (rank == 0)
        throw Error("size: a scalar (shape []) has no dims");
    return shape()[detail::normalize_dim(d, rank, "size")];
}

int64_t Tensor::numel() const {
    return checked().data.size();
}

std::vector<float> Tensor::to_vector() const {
    const Matrix& m = checked().data;
    return std::vector<float>(m.data(), m.data() + m.size());
}

float Tensor::item() const {
    const TensorImpl& t = checked();
    if (t.data.size() != 1)
        throw Error("item: expected a tensor with one element, got shape " + format_shape(t.shape));
    return t.data(0, 0);
}

const Matrix& Tensor::matrix() const {
    return checked().data;
}
Matrix& Tensor::matrix() {
    checked();
    // The caller may write: a graph that used this value must not take the
    // new values for the ones it saw (Node::input).
    ++impl_->version;
    return impl_->data;
}
float* Tensor::data() {
    return matrix().data();
}
const float* Tensor::data() const {
    return matrix().data();
}

Tensor& Tensor::requires_grad_(bool requires_grad) {
    checked();
    if (!requires_grad && impl_->grad_fn)
        throw Error(
            "requires_grad_(false): only leaves can stop requiring grad; use detach() for a "
            "value made by an op");
    impl_->requires_grad = requires_grad;
    return *this;
}

bool Tensor::requires_grad() const {
    return checked().needs_grad();
}
bool Tensor::is_leaf() const {
    return checked().grad_fn == nullptr;
}

Tensor Tensor::grad() const {
    const TensorImpl& t = checked();
    return t.grad ? Tensor(t.grad) : Tensor();
}

void Tensor::set_grad(const Tensor& grad) {
    checked();
    if (!grad.defined()) {
        impl_->grad.reset();
        return;
    }
    if (grad.shape() != impl_->shape)
        throw Error("set_grad: gradient of shape " + format_shape(grad.shape()) +
                    " for a tensor of shape " + format_shape(impl_->shape));
    impl_->grad = grad.impl_;
}

Tensor Tensor::detach() const {
    const TensorImpl& t = checked();
    return from_matrix(t.data, t.shape);
}

Tensor Tensor::t() const {
    return tinynn::t(*this);
}
Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
    return tinynn::transpose(*this, d0, d1);
}
Tensor Tensor::reshape(Shape s) const {
    return tinynn::reshape(*this, std::move(s));
}
Tensor Tensor::matmul(const Tensor& other) const {
    return tinynn::matmul(*this, other);
}
Tensor Tensor::sum() const {
    return tinynn::sum(*this);
}
Tensor Tensor::sum(int64_t d, bool keepdim) const {
    return tinynn::sum(*this, d, keepdim);
}
Tensor Tensor::mean() const {
    return tinynn::mean(*this);
}
Tensor Tensor::mean(int64_t d, bool keepdim) const {
    return tinynn::mean(*this, d, keepdim);
}
Tensor Tensor::exp() const {
    return tinynn::exp(*this);
}
Tensor Tensor::log() const {
    return tinynn::log(*this);
}
Tensor Tensor::pow(float e) const {
    return tinynn::pow(*this, e);
}
Tensor Tensor::sqrt() const {
    return tinynn::sqrt(*this);
}
Tensor Tensor::abs() const {
    return tinynn::abs(*this);
}
Tensor Tensor::clamp(float lo, float hi) const {
    return tinynn::clamp(*this, lo, hi);
}
Tensor Tensor::sigmoid() const {
    return tinynn::sigmoid(*this);
}
Tensor Tensor::tanh() const {
    return tinynn::tanh(*this);
}
Tensor Tensor::relu() const {
    return tinynn::relu(*this);
}
Tensor Tensor::softmax(int64_t d) const {
    return tinynn::softmax(*this, d);
}
Tensor Tensor::log_softmax(int64_t d) const {
    return tinynn::log_softmax(*this, d);
}

}  // namespace tinynn
