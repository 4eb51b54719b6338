#pragma once

// report.html: the setup, the findings, the summary table and every picture
// on one page. The pictures are embedded, so the page opens from disk, can
// be mailed alone and needs no network.

#include <string>
#include <vector>

#include "apps/compare/pictures.hpp"
#include "apps/compare/summary.hpp"
#include "apps/config/config.hpp"

namespace tinynn::app {

std::string report_html(const Config& config, const std::vector<ActivationSummary>& summaries,
                        const std::vector<std::string>& findings,
                        const std::vector<Picture>& pictures);

}  // namespace tinynn::app
