#include "support/gradcheck.hpp"

#include <catch2/catch.hpp>

namespace tinynn::test {

bool check_gradients(const GradFn& f, std::vector<Tensor> inputs, GradcheckOptions options) {
    for (Tensor& x : inputs)
        x.requires_grad_();
    const GradcheckResult result = tinynn::gradcheck(f, inputs, options);
    INFO(result.describe());
    CHECK(result.passed);
    return result.passed;
}

}  // namespace tinynn::test
