#include "tinynn/gradcheck.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include "tinynn/autograd.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {
namespace {

// The weights w of sum(w * f): fixed, so a check gives the same verdict every
// run; irregular magnitudes in [0.5, 1.5) with alternating signs, so that two
// wrong output gradients are unlikely to cancel.
Tensor projection_weights(const Shape& shape, int64_t count) {
    std::vector<float> w(static_cast<size_t>(count));
    for (size_t i = 0; i < w.size(); ++i) {
        const float magnitude = 0.5f + static_cast<float>((i * 7919) % 1000) / 1000.0f;
        w[i] = (i % 2 ? -1.0f : 1.0f) * magnitude;
    }
    return Tensor(std::move(w), shape);
}

// sum(w * f(inputs)) in double, so that the difference of two of them holds
// only f's own rounding.
double projected(const GradcheckFn& f, const std::vector<Tensor>& inputs, const Tensor& w) {
    const Tensor y = f(inputs);  // [output shape]
    if (!y.defined() || y.shape() != w.shape())
        throw Error("gradcheck: the function returned shape " +
                    (y.defined() ? format_shape(y.shape()) : std::string("undefined")) +
                    " for a stepped input but " + format_shape(w.shape()) +
                    " for the inputs as given; it must compute the same function every call");
    double total = 0;
    const float* a = y.data();
    const float* b = w.data();
    for (int64_t i = 0; i < y.numel(); ++i)
        total += static_cast<double>(a[i]) * b[i];
    return total;
}

// Puts an input element back when the step is over, also when f throws.
class Restore {
  public:
    explicit Restore(float& element) : element_(element), original_(element) {}
    ~Restore() { element_ = original_; }
    Restore(const Restore&) = delete;
    Restore& operator=(const Restore&) = delete;
    float original() const { return original_; }

  private:
    float& element_;
    float original_;
};

}  // namespace

std::string GradcheckResult::describe() const {
    std::ostringstream os;
    os.precision(8);
    if (passed)
        os << "gradcheck passed: " << checked << " elements checked";
    else
        os << "gradcheck FAILED: " << failures << " of " << checked
           << " elements outside the tolerance";
    if (checked == 0)
        return os.str();
    os << "; " << (passed ? "closest to its tolerance" : "worst") << ": input " << input
       << " element " << element << ", analytic " << analytic << ", numeric " << numeric
       << " (difference " << std::abs(analytic - numeric) << ", allowed " << allowed << ")";
    return os.str();
}

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options) {
    if (!(options.eps > 0 && std::isfinite(options.eps)))
        throw Error("gradcheck: eps must be a finite value > 0");
    if (!is_grad_enabled())
        throw Error("gradcheck: called while a NoGradGuard lives; the backward needs grad mode");
    std::vector<size_t> checked;  // positions in `inputs` of those that require grad
    std::vector<Tensor> wrt;
    for (size_t k = 0; k < inputs.size(); ++k) {
        const Tensor& x = inputs[k];
        if (!x.defined())
            throw Error("gradcheck: input " + std::to_string(k) + " is an undefined tensor");
        if (!x.requires_grad())
            continue;
        if (!x.is_leaf())
            throw Error("gradcheck: input " + std::to_string(k) + " of shape " +
                        format_shape(x.shape()) +
                        " was made by an op; pass a leaf (x.detach().requires_grad_())");
        checked.push_back(k);
        wrt.push_back(x);
    }
    if (checked.empty())
        throw Error("gradcheck: no input requires grad; call requires_grad_() on those to check");

    // The analytic side: one backward of sum(w * f). A zero multiple of each
    // input is added so that grad() accepts inputs f does not use (their
    // gradient is then exactly 0, as torch's gradcheck takes it), and adds
    // exactly nothing to the others.
    Tensor w;
    std::vector<Tensor> analytic;
    {
        const Tensor y = f(inputs);  // [output shape]
        if (!y.defined())
            throw Error("gradcheck: the function returned an undefined tensor");
        w = projection_weights(y.shape(), y.numel());
        Tensor objective = sum(y * w);  // []
        for (const Tensor& x : wrt)
            objective = objective + sum(x * 0.0f);
        analytic = grad(objective, wrt);
    }

    GradcheckResult result;
    double worst_used = 0;
    NoGradGuard no_grad;
    for (size_t c = 0; c < checked.size(); ++c) {
        Tensor x = wrt[c];  // a handle: writes reach f's view of the input
        float* values = x.data();
        const float* g = analytic[c].data();
        for (int64_t i = 0; i < x.numel(); ++i) {
            double plus = 0;
            double minus = 0;
            double step = 0;  // the step actually taken, after rounding to float
            {
                Restore restore(values[i]);
                const float up = static_cast<float>(restore.original() + options.eps);
                const float down = static_cast<float>(restore.original() - options.eps);
                step = static_cast<double>(up) - static_cast<double>(down);
                if (step == 0) {
                    std::ostringstream msg;
                    msg << "gradcheck: eps " << options.eps << " is below float32's resolution at "
                        << restore.original() << " (input " << checked[c] << " element " << i
                        << "); use a larger eps";
                    throw Error(msg.str());
                }
                values[i] = up;
                plus = projected(f, inputs, w);
                values[i] = down;
                minus = projected(f, inputs, w);
            }
            const double numeric = (plus - minus) / step;
            const double difference = std::abs(static_cast<double>(g[i]) - numeric);
            const double allowed = options.atol + options.rtol * std::abs(numeric);
            const bool ok = difference <= allowed;  // false for NaN
            // How much of its tolerance the element uses; NaN anywhere counts
            // as the worst possible disagreement.
            const double used = std::isnan(difference) ? std::numeric_limits<double>::infinity()
                                : allowed > 0          ? difference / allowed
                                : difference == 0      ? 0
                                                       : std::numeric_limits<double>::infinity();
            ++result.checked;
            if (!ok)
                ++result.failures;
            if (used > worst_used || result.checked == 1) {
                worst_used = used;
                result.input = checked[c];
                result.element = i;
                result.analytic = g[i];
                result.numeric = numeric;
                result.allowed = allowed;
            }
        }
    }
    result.passed = result.failures == 0;
    return result;
}

}  // namespace tinynn
