#pragma once

// The one comparison every test uses: |got - want| <= atol + rtol * |want|,
// the oracle README's tolerance by default.

#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/tensor.hpp>

namespace tinynn::test {

inline bool close(double got, double want, double rtol = 1e-5, double atol = 1e-6) {
    if (std::isnan(want))
        return std::isnan(got);
    if (std::isinf(want))
        return got == want;
    return std::abs(got - want) <= atol + rtol * std::abs(want);
}

// CHECKs every element, naming the first few that differ.
inline void check_close(const std::vector<float>& got, const std::vector<float>& want,
                        double rtol = 1e-5, double atol = 1e-6) {
    REQUIRE(got.size() == want.size());
    int reported = 0;
    for (size_t i = 0; i < got.size(); ++i) {
        if (close(got[i], want[i], rtol, atol))
            continue;
        if (reported++ < 5) {
            INFO("element " << i << ": got " << got[i] << ", want " << want[i]);
            CHECK(close(got[i], want[i], rtol, atol));
        }
    }
    CHECK(reported == 0);
}

inline void check_close(const Tensor& got, const Tensor& want, double rtol = 1e-5,
                        double atol = 1e-6) {
    REQUIRE(got.defined());
    CHECK(got.shape() == want.shape());
    check_close(got.to_vector(), want.to_vector(), rtol, atol);
}

}  // namespace tinynn::test
