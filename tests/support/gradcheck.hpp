#pragma once

// Central-difference gradient check. The function may return any shape; it
// is reduced to sum(f(x) * W) with fixed pseudo-random weights W, so every
// output element's gradient is exercised. The difference quotients are
// accumulated in double: the ops are float32, so eps is large by default.

#include <functional>
#include <vector>

#include <tinynn/tensor.hpp>

namespace tinynn::test {

struct GradcheckOptions {
    double eps = 1e-2;
    double atol = 1e-3;
    double rtol = 1e-2;
};

using GradFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Makes the inputs require grad, compares grad() with the differences and
// reports every mismatch through Catch2 (CHECK); returns whether all matched.
bool gradcheck(const GradFn& f, std::vector<Tensor> inputs, GradcheckOptions options = {});

}  // namespace tinynn::test
