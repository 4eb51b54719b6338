#include "support/gradcheck.hpp"

#include <cmath>

#include <catch2/catch.hpp>
#include <tinynn/autograd.hpp>
#include <tinynn/ops.hpp>

namespace tinynn::test {

namespace {
// Deterministic weights in [0.5, 1.5) with alternating signs.
Tensor projection_like(const Tensor& y) {
    std::vector<float> w(static_cast<size_t>(y.numel()));
    for (size_t i = 0; i < w.size(); ++i) {
        const float magnitude = 0.5f + static_cast<float>((i * 7919) % 1000) / 1000.0f;
        w[i] = (i % 2 ? -1.0f : 1.0f) * magnitude;
    }
    return Tensor(std::move(w), y.shape());
}

double projected(const Tensor& y, const Tensor& w) {
    double total = 0;
    const float* a = y.data();
    const float* b = w.data();
    for (int64_t i = 0; i < y.numel(); ++i) total += static_cast<double>(a[i]) * b[i];
    return total;
}
}  // namespace

bool gradcheck(const GradFn& f, std::vector<Tensor> inputs, GradcheckOptions options) {
    for (Tensor& x : inputs) x.requires_grad_();
    const Tensor y = f(inputs);
    const Tensor w = projection_like(y);
    const std::vector<Tensor> analytic = grad(sum(y * w), inputs);

    bool ok = true;
    NoGradGuard no_grad;
    for (size_t k = 0; k < inputs.size(); ++k) {
        float* x = inputs[k].data();
        const float* g = analytic[k].data();
        for (int64_t i = 0; i < inputs[k].numel(); ++i) {
            const float original = x[i];
            // The steps actually taken, after rounding to float.
            const float up = static_cast<float>(original + options.eps);
            const float down = static_cast<float>(original - options.eps);
            x[i] = up;
            const double plus = projected(f(inputs), w);
            x[i] = down;
            const double minus = projected(f(inputs), w);
            x[i] = original;
            const double numeric = (plus - minus) / (static_cast<double>(up) - down);
            const bool match =
                std::abs(g[i] - numeric) <= options.atol + options.rtol * std::abs(numeric);
            if (!match) {
                INFO("input " << k << " element " << i << ": analytic " << g[i] << ", numeric "
                              << numeric);
                CHECK(match);
                ok = false;
            }
        }
    }
    return ok;
}

}  // namespace tinynn::test
