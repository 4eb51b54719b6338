#include "report.hpp"

#include <sstream>

#include "compare_files.hpp"
#include "tinynn/experiment/chart.hpp"

namespace tinynn::experiment {

namespace {

std::string base64(const std::string& bytes) {
    static constexpr char kDigits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const auto n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                       static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6)
            out += kDigits[(n >> shift) & 63];
    }
    if (const size_t rest = bytes.size() - i) {
        uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        if (rest == 2)
            n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        out += kDigits[(n >> 18) & 63];
        out += kDigits[(n >> 12) & 63];
        out += rest == 2 ? kDigits[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

constexpr const char* kStyle = R"(
body { font-family: sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.4em; margin-top: 2em; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.15em; margin-top: 1.5em; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; font-weight: bold; }
figure { margin: 1.5em 0; } figure img { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.4em; }
.setup { color: #555; } .broken { color: #b00; font-weight: bold; }
)";

// Marks the page with how many pictures the browser rendered, and says so
// next to any that failed, so a broken picture is visible rather than blank.
constexpr const char* kPictureCheck = R"(
window.addEventListener('load', function () {
  var images = document.querySelectorAll('figure img');
  var rendered = 0;
  images.forEach(function (img) {
    if (img.complete && img.naturalWidth > 0) { rendered++; return; }
    var note = document.createElement('p');
    note.className = 'broken';
    note.textContent = 'This picture did not render: ' + img.alt;
    img.parentNode.appendChild(note);
  });
  document.body.setAttribute('data-pictures-rendered', rendered + ' of ' + images.length);
});
)";

}  // namespace

std::string report_section(const Config& config, const std::vector<ActivationSummary>& summaries,
                           const std::vector<std::string>& findings,
                           const std::vector<Picture>& pictures) {
    std::ostringstream html;
    html << "<section id=\"" << chart::escape(config.name) << "\">\n<h2>"
         << chart::escape(config.name) << "</h2>\n<p class=\"setup\">"
         << chart::escape(describe_setup(config)) << ".</p>\n"
         << "<h3>What the runs show</h3>\n<ul>\n";
    for (const std::string& line : findings)
        html << "<li>" << chart::escape(line) << "</li>\n";
    html << "</ul>\n<h3>Summary</h3>\n<p>Mean ± sample standard deviation over the seeds, at "
            "each run's last epoch unless the column says otherwise. "
         << chart::escape(kRankNote) << "</p>\n<table>\n<tr>";
    for (const std::string& cell : summary_header(config))
        html << "<th>" << chart::escape(cell) << "</th>";
    html << "</tr>\n";
    for (const auto& row : summary_rows(config, summaries)) {
        html << "<tr>";
        for (const std::string& cell : row)
            html << "<td>" << chart::escape(cell) << "</td>";
        html << "</tr>\n";
    }
    html << "</table>\n";
    for (const Picture& p : pictures)
        html << "<h3>" << chart::escape(p.title) << "</h3>\n<figure>\n<img alt=\""
             << chart::escape(config.name + "/" + p.file) << "\" src=\"data:image/svg+xml;base64,"
             << base64(p.svg) << "\">\n<figcaption>" << chart::escape(p.caption) << " (Also in "
             << chart::escape(p.file) << ".)</figcaption>\n</figure>\n";
    html << "</section>\n";
    return html.str();
}

std::string report_page(const std::vector<const Config*>& configs,
                        const std::vector<std::string>& sections) {
    std::string names;
    for (const Config* c : configs)
        names += (names.empty() ? "" : ", ") + c->name;
    std::ostringstream html;
    html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         << "<title>tinynn compare: " << chart::escape(names) << "</title>\n"
         << "<style>" << kStyle << "</style>\n</head>\n<body>\n"
         << "<h1>Activation comparison: " << chart::escape(names) << "</h1>\n";
    if (configs.size() > 1) {
        html << "<ul>\n";
        for (const Config* c : configs)
            html << "<li><a href=\"#" << chart::escape(c->name) << "\">" << chart::escape(c->name)
                 << "</a>: " << chart::escape(describe_setup(*c)) << "</li>\n";
        html << "</ul>\n";
    }
    for (const std::string& section : sections)
        html << section;
    html << "<p class=\"setup\">Written by tinynn compare; the numbers are in compare.csv, "
            "summary.csv and summary.md next to this page"
         << (configs.size() > 1 ? ", in one directory per experiment" : "") << ".</p>\n<script>"
         << kPictureCheck << "</script>\n</body>\n</html>\n";
    return html.str();
}

}  // namespace tinynn::experiment
