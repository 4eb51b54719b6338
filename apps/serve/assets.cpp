#include "serve/assets.hpp"

#include <algorithm>

namespace tinynn::cli::serve {

const Asset* find_asset(std::string_view path) {
    const std::span<const Asset> all = embedded_assets();
    const auto at =
        std::find_if(all.begin(), all.end(), [&](const Asset& a) { return a.path == path; });
    return at == all.end() ? nullptr : &*at;
}

}  // namespace tinynn::cli::serve
