#pragma once

// Inputs for the op tests: deterministic, and kept a fixed distance away from
// the kinks and poles a central difference must not straddle.

#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/ops.hpp>
#include <tinynn/random.hpp>
#include <tinynn/tensor.hpp>

namespace tinynn::test {

// Uniform on [lo, hi), from its own seed so a test's inputs do not depend on
// which tests ran before it.
inline Tensor uniform(const Shape& shape, float lo, float hi, uint64_t seed = 1) {
    manual_seed(seed);
    Tensor t = rand(shape);
    t.matrix().array() = lo + (hi - lo) * t.matrix().array();
    return t;
}

// Magnitudes on [lo, hi) with alternating signs: never within lo of zero.
inline Tensor signed_away_from_zero(const Shape& shape, float lo, float hi, uint64_t seed = 1) {
    Tensor t = uniform(shape, lo, hi, seed);
    float* p = t.data();
    for (int64_t i = 0; i < t.numel(); ++i)
        if (i % 2)
            p[i] = -p[i];
    return t;
}

// Adapts a string matcher (Contains, ...) to an exception's what(), for
// CHECK_THROWS_MATCHES: checks the type and the message in one evaluation.
template <class StringMatcher>
class MessageMatcher : public Catch::MatcherBase<std::exception> {
  public:
    explicit MessageMatcher(StringMatcher m) : m_(std::move(m)) {}
    bool match(const std::exception& e) const override { return m_.match(e.what()); }
    std::string describe() const override { return "has a message that " + m_.toString(); }

  private:
    // Combined matchers point at their parts, temporaries of the same
    // full-expression as this one: use only inside the CHECK macro.
    StringMatcher m_;
};

template <class StringMatcher>
MessageMatcher<StringMatcher> message(StringMatcher m) {
    return MessageMatcher<StringMatcher>(std::move(m));
}

// Exact comparison, for results that involve no rounding or must match
// PyTorch bit for bit.
inline void check_equal(const Tensor& got, const std::vector<float>& want, const Shape& shape) {
    REQUIRE(got.defined());
    CHECK(got.shape() == shape);
    CHECK(got.to_vector() == want);
}

}  // namespace tinynn::test
