#pragma once

// The pictures of a compare run, as SVG documents (apps/compare/chart.hpp).

#include <string>
#include <vector>

#include "summary.hpp"

namespace tinynn::experiment {

struct Picture {
    std::string file;  // "loss_curves.svg"
    std::string title;
    std::string caption;  // what to look for in it
    std::string svg;
};

// Loss curves (with a grid, also as small multiples along its axes),
// gradient norms and update ratios per layer, dead and saturated units,
// hidden output means, per-layer distributions and histograms
// (docs/diagnostics.md), and for 2-D classification the decision boundaries.
std::vector<Picture> make_pictures(const CompareSummary& runs, const Config& config);

}  // namespace tinynn::experiment
