#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tinynn/random.hpp"
#include "tinynn/tensor.hpp"

namespace tinynn::data::detail {

// The samples `indices` of a [n] or [n, c] tensor, in that order, as a new
// tensor of the same rank. Indices are trusted: callers check them.
Tensor gather_rows(const Tensor& t, std::span<const int64_t> indices);

// Fisher-Yates through Generator::below, so a seed gives the same order on
// every platform (std::shuffle's algorithm is unspecified).
void shuffle(std::vector<int64_t>& order, Generator& gen);

std::vector<int64_t> iota(int64_t n);

}  // namespace tinynn::data::detail
