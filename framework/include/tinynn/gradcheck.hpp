#pragma once

// Checking a backward against finite differences, like
// torch.autograd.gradcheck: for a user's own op or module, or a new layer.
//
// Unlike torch's, which wants double inputs, this one works in float32, the
// only type tinynn has, and its defaults are set for that: a float32 output
// of size ~1 carries a rounding error of ~1e-7, which a difference quotient
// with step eps turns into an error of ~1e-7 / eps in the numeric gradient,
// while the truncation error of central differences grows as eps^2. A step
// of 1e-2 balances the two at about 1e-5, under the default atol 1e-3 and
// rtol 1e-2; a smaller step would compare the backward with rounding noise.
// The quotients themselves are formed in double, so only the function's own
// float32 rounding is left.
//
// Rather than the full Jacobian, what is checked is the gradient of one
// scalar, sum(w * f(inputs)), with fixed weights w of magnitude 0.5 to 1.5
// and alternating sign, as torch's fast mode does with random ones: every
// output element contributes, and one backward suffices.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tinynn/tensor.hpp"

namespace tinynn {

struct GradcheckOptions {
    double eps = 1e-2;   // step of the central differences, in input units
    double atol = 1e-3;  // an element passes when
    double rtol = 1e-2;  //   |analytic - numeric| <= atol + rtol * |numeric|
};

// The outcome, with the worst element: the one whose difference is the
// largest multiple of what its tolerance allows (beyond it when the check
// failed, closest to it when all passed).
struct GradcheckResult {
    bool passed = true;
    int64_t checked = 0;   // elements compared, over every input checked
    int64_t failures = 0;  // of which outside the tolerance
    size_t input = 0;      // the worst element: its input's position in the list,
    int64_t element = 0;   //   and its row-major index in that input
    double analytic = 0;   // d sum(w * f) / dx there, from the backward
    double numeric = 0;    // the same from the central difference
    double allowed = 0;    // atol + rtol * |numeric|

    explicit operator bool() const { return passed; }
    // "gradcheck passed: 12 elements, worst input 0 element 3: ..." or the
    // same with "FAILED" and the number of failures.
    std::string describe() const;
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Compares the gradient backward gives for every input that requires grad
// (a model's parameters, or tensors after requires_grad_(); leaves, since
// stepping a value an op made would not step what it was made from) with
// central differences of `f`; other inputs are passed to `f` unchecked, as
// a target would be. Each element is stepped in place by +-eps and restored
// (also when `f` throws), so `f` may reach the inputs through the list or
// through handles of its own, as a module reaches its parameters; it must
// compute the same function every call (a Dropout in training mode does
// not). Inputs `f` does not use have gradient 0. Throws if no input
// requires grad, if one that does is not a leaf, or if the output's shape
// changes with the steps; a gradient
// that disagrees is reported in the result, not thrown.
GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace tinynn
