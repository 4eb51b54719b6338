#include <cmath>
#include <string>

#include "tensor/layout.hpp"
#include "tinynn/random.hpp"
#include "tinynn/tensor.hpp"

namespace tinynn {

namespace {
Tensor filled(const Shape& shape, float value, const char* what) {
    const detail::Dims d = detail::storage_dims(shape, what);
    return Tensor::from_matrix(Matrix::Constant(d.rows, d.cols, value), shape);
}

Tensor generated(const Shape& shape, const char* what, float (*draw)(Generator&)) {
    const detail::Dims d = detail::storage_dims(shape, what);
    Generator& gen = default_generator();
    Matrix m(d.rows, d.cols);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        m.data()[i] = draw(gen);
    return Tensor::from_matrix(std::move(m), shape);
}
}  // namespace

Tensor zeros(const Shape& shape) {
    return filled(shape, 0.0f, "zeros");
}
Tensor ones(const Shape& shape) {
    return filled(shape, 1.0f, "ones");
}
Tensor full(const Shape& shape, float value) {
    return filled(shape, value, "full");
}
Tensor zeros_like(const Tensor& t) {
    return zeros(t.shape());
}
Tensor ones_like(const Tensor& t) {
    return ones(t.shape());
}

// torch.linspace's float32 rule: the first half steps up from start, the
// second half steps down from end, so both ends are exact. Its CPU kernel is
// compiled with FMA contraction, so each value is one fused multiply-add:
// bit-identical to torch below 16 steps; above, torch's vectorised chunks
// round differently and agree to an ulp.
Tensor linspace(double start, double end, int64_t steps) {
    if (steps < 0)
        throw Error("linspace: steps must be non-negative, got " + std::to_string(steps));
    Matrix m(1, steps);
    if (steps == 1)
        m(0, 0) = static_cast<float>(start);
    if (steps > 1) {
        const float a = static_cast<float>(start), b = static_cast<float>(end);
        const float step = (b - a) / static_cast<float>(steps - 1);
        const int64_t half = steps / 2;
        for (int64_t i = 0; i < steps; ++i)
            m(0, i) = i < half ? std::fma(step, static_cast<float>(i), a)
                               : std::fma(-step, static_cast<float>(steps - i - 1), b);
    }
    return Tensor::from_matrix(std::move(m), {steps});
}

Tensor arange(double end) {
    return arange(0.0, end, 1.0);
}

Tensor arange(double start, double end, double step) {
    if (step == 0 || !std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step) ||
        (end - start) / step < 0)
        throw Error("arange: cannot step from " + std::to_string(start) + " to " +
                    std::to_string(end) + " by " + std::to_string(step));
    const auto n = static_cast<int64_t>(std::ceil((end - start) / step));
    Matrix m(1, n);
    for (int64_t i = 0; i < n; ++i)
        m(0, i) = static_cast<float>(start + step * i);
    return Tensor::from_matrix(std::move(m), {n});
}

Tensor rand(const Shape& shape) {
    return generated(shape, "rand", [](Generator& g) { return g.uniform(); });
}

Tensor randn(const Shape& shape) {
    return generated(shape, "randn", [](Generator& g) { return g.normal(); });
}

}  // namespace tinynn
