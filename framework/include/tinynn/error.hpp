#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tinynn {

// The one exception type tinynn throws for misuse and bad input. Messages name
// what was expected and what was found (both shapes, the key, the file).
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class Shape;

// "[4, 5]", "[]" for a scalar: the notation every shape error uses.
std::string format_shape(const Shape& shape);

// User text (a key, a name, a path) as a message may quote it: control
// characters and NULs spelled out (\n, \x1b, \0) so the message stays one
// line and cannot drive a terminal, and cut to about `max_length` characters
// ("...") so a huge value cannot make a huge message.
std::string escape_text(std::string_view text, size_t max_length = 80);

}  // namespace tinynn
