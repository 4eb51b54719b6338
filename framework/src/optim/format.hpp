#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace tinynn::optim {

// An option's value for a message: the shortest text that reads back to it
// ("0.1" for the double 0.1 and for the float 0.1 held in a double, as SGD's
// options are), so that two values that differ print differently.
inline std::string exact_text(double value) {
    const bool is_float = static_cast<double>(static_cast<float>(value)) == value;
    char text[32];
    for (int digits = 1; digits <= 17; ++digits) {
        std::snprintf(text, sizeof text, "%.*g", digits, value);
        const double back = std::strtod(text, nullptr);
        if (is_float ? static_cast<float>(back) == static_cast<float>(value) : back == value)
            break;
    }
    return text;
}

}  // namespace tinynn::optim
