#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <vector>

#include <Eigen/Core>

#include "tinynn/error.hpp"
#include "tinynn/shape.hpp"

namespace tinynn {

// Storage of every tensor: a row-major float matrix. A scalar {} is stored as
// 1x1, a vector {n} as 1xn and a matrix {r, c} as rxc, so PyTorch's
// broadcasting for ranks 0-2 is broadcasting of these 2-D views.
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace detail {
struct TensorImpl;
}

// A handle to a dense float32 tensor of rank 0, 1 or 2. Copies of a Tensor
// share the same value, as in PyTorch.
class Tensor {
  public:
    Tensor();                                     // an undefined tensor: defined() is false
    Tensor(std::initializer_list<float> values);  // shape {n}
    Tensor(std::initializer_list<float> values, Shape shape);
    explicit Tensor(std::vector<float> values);  // shape {n}
    Tensor(std::vector<float> values, Shape shape);
    // From any Eigen matrix expression: shape {rows, cols}.
    template <typename Derived>
    explicit Tensor(const Eigen::DenseBase<Derived>& m)
        : Tensor(from_matrix(Matrix(m.derived()), {m.rows(), m.cols()})) {}

    // Takes ownership of storage already laid out for `shape` (see Matrix).
    static Tensor from_matrix(Matrix storage, Shape shape);

    bool defined() const { return impl_ != nullptr; }
    const Shape& shape() const;
    int64_t dim() const { return static_cast<int64_t>(shape().size()); }
    int64_t size(int64_t dim) const;  // negative dims count from the end
    int64_t numel() const;

    std::vector<float> to_vector() const;  // row-major copy
    float item() const;                    // the value of a one-element tensor
    const Matrix& matrix() const;          // the storage, see Matrix
    // For writing: writes bypass autograd, and a backward through an op that
    // used the value before the write throws (PyTorch's check of saved
    // tensors), since its gradient would be computed from the new values.
    // Read through a const Tensor (or the const overload) to avoid that.
    Matrix& matrix();
    float* data();  // as matrix()
    const float* data() const;

    // Element i of a vector, row i of a matrix; recorded in the graph.
    Tensor operator[](int64_t i) const;

    // Autograd
    Tensor& requires_grad_(bool requires_grad = true);
    bool requires_grad() const;
    bool is_leaf() const;
    Tensor grad() const;                // undefined until a backward reaches this leaf
    void set_grad(const Tensor& grad);  // an undefined tensor clears it
    Tensor detach() const;              // same values, outside the graph
    // Accumulates d(this)/d(leaf) into every leaf's grad(). `gradient` may be
    // omitted only for a one-element tensor. Frees the graph unless retained.
    void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;

    // Methods mirroring the free functions of ops.hpp
    Tensor t() const;
    Tensor transpose(int64_t dim0, int64_t dim1) const;
    Tensor reshape(Shape shape) const;
    Tensor matmul(const Tensor& other) const;
    Tensor sum() const;
    Tensor sum(int64_t dim, bool keepdim = false) const;
    Tensor mean() const;
    Tensor mean(int64_t dim, bool keepdim = false) const;
    Tensor exp() const;
    Tensor log() const;
    Tensor pow(float exponent) const;
    Tensor sqrt() const;
    Tensor abs() const;
    Tensor clamp(float min, float max) const;
    Tensor sigmoid() const;
    Tensor tanh() const;
    Tensor relu() const;
    Tensor softmax(int64_t dim) const;
    Tensor log_softmax(int64_t dim) const;

    // For the engine: the shared value behind this handle.
    const std::shared_ptr<detail::TensorImpl>& impl() const { return impl_; }
    explicit Tensor(std::shared_ptr<detail::TensorImpl> impl) : impl_(std::move(impl)) {}

  private:
    const detail::TensorImpl& checked() const;
    std::shared_ptr<detail::TensorImpl> impl_;
};

// As torch prints it (repr): precision and scientific notation chosen from
// the values, "..." summaries above 1000 elements, grad_fn=<...> or
// requires_grad=True. The stream's own flags are left alone.
std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Factories (shapes of rank 0-2; random ones use the default generator)
Tensor zeros(const Shape& shape);
Tensor ones(const Shape& shape);
Tensor full(const Shape& shape, float value);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor linspace(double start, double end, int64_t steps);
Tensor arange(double end);
Tensor arange(double start, double end, double step = 1.0);
Tensor rand(const Shape& shape);   // uniform on [0, 1)
Tensor randn(const Shape& shape);  // standard normal

}  // namespace tinynn
