#pragma once

// report.html: the setup, the findings, the summary table and every picture
// on one page. The pictures are embedded, so the page opens from disk, can
// be mailed alone and needs no network.

#include <string>
#include <vector>

#include "pictures.hpp"
#include "summary.hpp"
#include "tinynn/experiment/config.hpp"

namespace tinynn::experiment {

// One experiment's part of a page: its setup, findings, summary table and
// pictures, under a heading with the anchor id of the config's name.
std::string report_section(const Config& config, const std::vector<ActivationSummary>& summaries,
                           const std::vector<std::string>& findings,
                           const std::vector<Picture>& pictures);

// The page around one or more sections; with several, a list of links to
// them comes first.
std::string report_page(const std::vector<const Config*>& configs,
                        const std::vector<std::string>& sections);

}  // namespace tinynn::experiment
