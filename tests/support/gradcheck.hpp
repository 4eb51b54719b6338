#pragma once

// The tests' use of tinynn::gradcheck (tinynn/gradcheck.hpp): every input is
// checked, and a failure is reported through Catch2 with its worst element.

#include <utility>
#include <vector>

#include <tinynn/gradcheck.hpp>
#include <tinynn/tensor.hpp>

namespace tinynn::test {

using GradcheckOptions = tinynn::GradcheckOptions;
using GradFn = tinynn::GradcheckFn;

// Makes the inputs require grad, runs tinynn::gradcheck and CHECKs that it
// passed, naming the worst element if not; returns whether it passed.
bool check_gradients(const GradFn& f, std::vector<Tensor> inputs, GradcheckOptions options);

// The same. A template, so that in a test with both `using namespace tinynn`
// and `using tinynn::test::gradcheck` a call given a lambda picks this one
// (an exact match) over tinynn::gradcheck (a conversion to std::function).
template <class F>
bool gradcheck(F&& f, std::vector<Tensor> inputs, GradcheckOptions options = {}) {
    return check_gradients(GradFn(std::forward<F>(f)), std::move(inputs), options);
}

}  // namespace tinynn::test
