#pragma once

// The serve page's files (apps/serve/page and Debian's Chart.js), compiled
// into the program by cmake/embed_assets.cmake: the page works offline, and
// the server has no directory to serve from, so no request can reach any
// other file.

#include <span>
#include <string_view>

namespace tinynn::cli::serve {

struct Asset {
    std::string_view path;  // as requested: "/", "/app.js"
    std::string_view type;  // the Content-Type
    std::string_view body;
};

// Every embedded file (generated).
std::span<const Asset> embedded_assets();

// The embedded file requested as `path`, or nullptr. Only the exact paths of
// the table match: nothing is resolved, so "/../x" or "/%2e%2e/x" find
// nothing.
const Asset* find_asset(std::string_view path);

}  // namespace tinynn::cli::serve
