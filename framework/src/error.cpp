#include "tinynn/error.hpp"

#include <cstdio>

namespace tinynn {

std::string escape_text(std::string_view text, size_t max_length) {
    std::string out;
    for (const char c : text) {
        if (out.size() >= max_length) {
            out += "...";  // appended, not `out + "..."`: GCC 12 -Wrestrict false positive
            return out;
        }
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c == '\r')
            out += "\\r";
        else if (byte == 0)
            out += "\\0";
        else if (byte < 0x20 || byte == 0x7f) {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", byte);
            out += hex;
        } else
            out += c;
    }
    return out;
}

}  // namespace tinynn
