#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynn {

// The one exception type tinynn throws for misuse and bad input. Messages name
// what was expected and what was found (both shapes, the key, the file).
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// "[4, 5]", "[]" for a scalar: the notation every shape error uses.
std::string format_shape(const std::vector<int64_t>& shape);

}  // namespace tinynn
