#include "tinynn/experiment/chart.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "support/xml_check.hpp"
#include "tinynn/error.hpp"

using Catch::Matchers::Contains;
using tinynn::experiment::chart::Axis;
using tinynn::experiment::chart::class_maps;
using tinynn::experiment::chart::ClassMap;
using tinynn::experiment::chart::heat_maps;
using tinynn::experiment::chart::HeatColumn;
using tinynn::experiment::chart::HeatMap;
using tinynn::experiment::chart::line_charts;
using tinynn::experiment::chart::LineChart;
using tinynn::experiment::chart::palette;
using tinynn::experiment::chart::Point;
using tinynn::experiment::chart::Series;
using tinynn::test::count_attribute;
using tinynn::test::xml_error;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

size_t count(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

// NaN or an infinity printed anywhere means a coordinate went wrong.
bool has_nan_or_inf(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text.find("nan") != std::string::npos || text.find("inf") != std::string::npos;
}

// Everything a valid picture must satisfy, whatever went into it.
void check_picture(const std::string& svg) {
    INFO(svg.substr(0, 2000));
    REQUIRE(xml_error(svg) == std::nullopt);
    REQUIRE(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    REQUIRE_THAT(svg, Contains(" width=\"") && Contains(" height=\"") && Contains(" viewBox=\""));
    REQUIRE_FALSE(has_nan_or_inf(svg));
}

// The markup of the first element carrying `attribute` (exactly as written), up to its
// first "</g>": the groups the charts write hold no nested groups.
std::string group(const std::string& svg, const std::string& attribute) {
    const size_t start = svg.find(attribute);
    REQUIRE(start != std::string::npos);
    return svg.substr(start, svg.find("</g>", start) - start);
}

// The texts of the tick labels of the y axes (right-aligned) or x axes (centred).
std::vector<std::string> tick_labels(const std::string& svg, const std::string& anchor) {
    const std::regex label("text-anchor=\"" + anchor + "\" font-size=\"12\">([^<]*)</text>");
    std::vector<std::string> out;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), label);
         it != std::sregex_iterator(); ++it)
        out.push_back((*it)[1]);
    return out;
}

std::vector<std::string> y_tick_labels(const std::string& svg) {
    return tick_labels(svg, "end");
}

// A valid picture whose every axis has at least two labelled ticks.
void check_chart(const std::string& svg) {
    check_picture(svg);
    const size_t panels = count_attribute(svg, "class", "panel");
    CHECK(y_tick_labels(svg).size() >= 2 * panels);
    CHECK(tick_labels(svg, "middle").size() >= 2 * panels);
}

Series series(const std::string& name, std::vector<double> x, std::vector<double> y) {
    Series s;
    s.name = name;
    s.x = std::move(x);
    s.y = std::move(y);
    return s;
}

LineChart loss_panel(const std::string& title, std::vector<Series> s, bool log = false) {
    LineChart chart;
    chart.title = title;
    chart.x.label = "epoch";
    chart.y.label = log ? "loss (log scale)" : "loss";
    chart.y.log = log;
    chart.series = std::move(s);
    return chart;
}

// A two-class map like a trained classifier's: class by the sign of x + y, confidence
// rising with the distance from that line.
ClassMap smooth_map(const std::string& title, int n, int points) {
    ClassMap map;
    map.title = title;
    map.nx = map.ny = n;
    for (int j = 0; j < n; ++j) {
        for (int i = 0; i < n; ++i) {
            const double x = -1 + (i + 0.5) * 2 / n, y = -1 + (j + 0.5) * 2 / n;
            map.predicted.push_back(x + y > 0 ? 1 : 0);
            map.confidence.push_back(
                static_cast<float>(0.5 + 0.5 * std::tanh(3 * std::abs(x + y))));
        }
    }
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(-1, 1);
    for (int k = 0; k < points; ++k) {
        const double x = u(rng), y = u(rng);
        map.points.push_back({x, y, x + y > 0 ? 1 : 0});
    }
    return map;
}

}  // namespace

TEST_CASE("xml_error accepts well-formed documents", "[compare][chart]") {
    const std::vector<std::string> good = {
        "<a/>",
        "<a></a>\n",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- note -->\n<a x='1' y=\"2\">"
        "<b>t &amp; &lt; &gt; &quot; &apos; &#60; &#x3C; > </b><c/></a>\n<!-- after -->",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><g class=\"x\" data-v='it\"s'>"
        "<![CDATA[ <raw> & ]]></g></svg>",
        "<!DOCTYPE html><a  b = \"1\"\n c='2' />",
    };
    for (const std::string& doc : good) {
        CAPTURE(doc);
        CHECK(xml_error(doc) == std::nullopt);
    }
}

TEST_CASE("xml_error reports malformed documents", "[compare][chart]") {
    const std::vector<std::string> bad = {
        "",
        "   ",
        "<a>",
        "<a></b>",
        "<a><b></a></b>",
        "</a>",
        "<a x=1/>",
        "<a x/>",
        "<a x=\"1\" x=\"2\"/>",
        "<a x=\"1\"y=\"2\"/>",
        "<a x=\"<\"/>",
        "<a x=\"1/>",
        "<a>1 < 2</a>",
        "<a>x & y</a>",
        "<a>&foo;</a>",
        "<a>&#;</a>",
        "<a>&#0;</a>",
        "<a>&#xZZ;</a>",
        "<a/><b/>",
        "<a/>text",
        "text<a/>",
        "<a><!-- never closed </a>",
        "<a><!-- a -- b --></a>",
        "<1a/>",
        "<a",
    };
    for (const std::string& doc : bad) {
        CAPTURE(doc);
        CHECK(xml_error(doc).has_value());
    }
    REQUIRE_THAT(*xml_error("<a><b></a>"), Contains("</a> closes <b>"));
}

TEST_CASE("count_attribute counts exact decoded attribute values", "[compare][chart]") {
    const std::string doc =
        "<r><g class=\"series\" data-series=\"a&lt;b &amp; &quot;c&quot;\"/>"
        "<g class='series' data-series='relu'/><g class=\"series extra\"/>"
        "<!-- <g class=\"series\"/> --><text>class=\"series\"</text></r>";
    CHECK(count_attribute(doc, "class", "series") == 2);
    CHECK(count_attribute(doc, "data-series", "a<b & \"c\"") == 1);
    CHECK(count_attribute(doc, "data-series", "relu") == 1);
    CHECK(count_attribute(doc, "data-series", "rel") == 0);
    CHECK(count_attribute(doc, "class", "series extra") == 1);
}

TEST_CASE("line_charts writes one panel, one group per series and one legend", "[compare][chart]") {
    const std::vector<double> epochs = {1, 2, 3, 4, 5};
    const std::vector<LineChart> panels = {
        loss_panel("spiral", {series("relu", epochs, {1.0, 0.6, 0.4, 0.3, 0.25}),
                              series("tanh", epochs, {1.1, 0.8, 0.7, 0.65, 0.6})}),
        loss_panel("moons", {series("tanh", epochs, {0.7, 0.5, 0.4, 0.3, 0.2}),
                             series("relu", epochs, {0.7, 0.4, 0.2, 0.1, 0.05}),
                             series("sigmoid", epochs, {0.7, 0.69, 0.68, 0.6, 0.5})}),
    };
    const std::string svg = line_charts("Activation comparison", panels, 2);
    check_picture(svg);

    CHECK(count_attribute(svg, "class", "panel") == 2);
    CHECK(count_attribute(svg, "data-panel", "spiral") == 1);
    CHECK(count_attribute(svg, "data-panel", "moons") == 1);
    CHECK(count_attribute(svg, "class", "series") == 5);
    CHECK(count_attribute(svg, "class", "legend-entry") == 3);
    for (const std::string name : {"relu", "tanh", "sigmoid"}) {
        CAPTURE(name);
        const size_t in_panels = name == std::string("sigmoid") ? 1 : 2;
        CHECK(count_attribute(svg, "data-series", name) == in_panels + 1);  // + legend
    }
    CHECK_THAT(svg, Contains(">Activation comparison</text>") && Contains(">epoch</text>") &&
                        Contains(">loss</text>"));

    // Colours follow the name, not the position in the panel, so the legend is right for
    // both panels although "moons" lists tanh first.
    const std::string relu = "stroke=\"" + palette(0) + "\"";
    const std::string tanh = "stroke=\"" + palette(1) + "\"";
    CHECK_THAT(group(svg, "class=\"series\" data-series=\"relu\""), Contains(relu));
    CHECK_THAT(group(svg, "class=\"legend-entry\" data-series=\"relu\""), Contains(relu));
    CHECK_THAT(group(svg, "class=\"legend-entry\" data-series=\"tanh\""), Contains(tanh));
    const size_t moons = svg.find("data-panel=\"moons\"");
    CHECK_THAT(group(svg.substr(moons), "data-series=\"tanh\""), Contains(tanh));
}

TEST_CASE("line_charts uses explicit colours and dashes in lines and legend", "[compare][chart]") {
    Series s = series("sgd", {0, 1}, {1, 2});
    s.color = "rebeccapurple";
    s.dashed = true;
    const std::string svg = line_charts("", {loss_panel("p", {s})});
    check_picture(svg);
    for (const std::string g : {"class=\"series\"", "class=\"legend-entry\""}) {
        CAPTURE(g);
        CHECK_THAT(group(svg, g),
                   Contains("stroke=\"rebeccapurple\"") && Contains("stroke-dasharray"));
    }
}

TEST_CASE("line_charts escapes titles, labels and names", "[compare][chart]") {
    const std::string name = "a<b & \"c\" 'd'";
    LineChart panel = loss_panel("panel <1> & 'x'", {series(name, {1, 2}, {3, 4})});
    panel.x.label = "x & <unit>";
    const std::string svg = line_charts("T<&>\"'", {panel});
    check_picture(svg);
    CHECK(count_attribute(svg, "data-series", name) == 2);
    CHECK(count_attribute(svg, "data-panel", "panel <1> & 'x'") == 1);
    CHECK_THAT(svg, Contains("x &amp; &lt;unit&gt;") && Contains("T&lt;&amp;&gt;&quot;&apos;"));
    CHECK(svg.find("a<b") == std::string::npos);
}

TEST_CASE("line_charts linear axes have 5 to 8 nice ticks", "[compare][chart]") {
    const std::vector<std::pair<double, double>> ranges = {
        {0, 0.93}, {0.2, 0.7}, {-3, 17}, {1000, 1e6}, {0.001, 0.0013}, {-1e-7, 1e-7}};
    for (const auto& [lo, hi] : ranges) {
        CAPTURE(lo, hi);
        const std::string svg =
            line_charts("", {loss_panel("p", {series("s", {0, 1, 2}, {lo, (lo + hi) / 2, hi})})});
        check_picture(svg);
        const auto labels = y_tick_labels(svg);
        CAPTURE(labels);
        REQUIRE(labels.size() >= 5);
        CHECK(labels.size() <= 8);
        // Evenly spaced by 1, 2 or 5 times a power of ten.
        std::vector<double> values;
        for (const std::string& label : labels)
            values.push_back(std::stod(label));
        const double step = values[1] - values[0];
        for (size_t i = 1; i < values.size(); ++i)
            CHECK(values[i] - values[i - 1] == Approx(step).epsilon(1e-6));
        const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
        CHECK((mantissa == Approx(1) || mantissa == Approx(2) || mantissa == Approx(5)));
        // The data lies within the ticks, which pad it by less than a step at each end.
        CHECK(values.front() <= lo);
        CHECK(values.back() >= hi);
        CHECK(lo - values.front() < step);
        CHECK(values.back() - hi < step);
    }
    const auto labels =
        y_tick_labels(line_charts("", {loss_panel("p", {series("s", {0, 1}, {0, 0.93})})}));
    CHECK(labels == std::vector<std::string>{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"});
}

TEST_CASE("line_charts log axes tick powers of ten and skip values they cannot show",
          "[compare][chart]") {
    const std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const std::vector<double> y = {1, 0.1, 0, 0.01, 0.001, kNaN, 1e-4, 1e-5, -2};
    const std::string svg = line_charts("", {loss_panel("log", {series("s", x, y)}, true)});
    check_picture(svg);
    // Zero, NaN and -2 break the line into the runs 1..0.1, 0.01..0.001 and 1e-4..1e-5.
    CHECK(count(group(svg, "class=\"series\""), "<polyline") == 3);
    const auto labels = y_tick_labels(svg);
    CHECK(labels == std::vector<std::string>{"1e-5", "1e-4", "1e-3", "0.01", "0.1", "1"});
}

TEST_CASE("line_charts log axes without positive data still give a picture", "[compare][chart]") {
    SECTION("zeros, negatives and NaN") {
        const std::string svg = line_charts(
            "", {loss_panel("log", {series("s", {1, 2, 3, 4}, {0, -1, kNaN, kInf})}, true)});
        check_chart(svg);
        CHECK(count_attribute(svg, "data-series", "s") == 2);
        CHECK(count(svg, "<polyline") == 0);
    }
    SECTION("log x axis and a non-positive user range") {
        LineChart panel = loss_panel("log", {series("s", {0, 10, 100}, {0, 0.5, 0.25})}, true);
        panel.x.log = true;
        panel.y.min = -1;
        panel.y.max = 0;
        check_chart(line_charts("", {panel}));
    }
    SECTION("values spanning the whole double range") {
        check_chart(line_charts(
            "", {loss_panel("log", {series("s", {1, 2, 3}, {5e-324, 1, 1.7e308})}, true)}));
    }
}

TEST_CASE("line_charts draws a band as a translucent polygon in the series colour",
          "[compare][chart]") {
    Series s = series("relu", {1, 2, 3, 4}, {1.0, 0.5, 0.3, 0.2});
    s.low = {0.9, 0.4, 0.2, 0.1};
    s.high = {1.1, 0.6, 0.4, 0.3};
    const std::string svg = line_charts("", {loss_panel("p", {s}, true)});
    check_chart(svg);
    const std::string g = group(svg, "class=\"series\"");
    REQUIRE(count(g, "<polygon") == 1);
    CHECK(count(g, "<polyline") == 1);
    CHECK_THAT(g, Contains("fill=\"" + palette(0) + "\" fill-opacity=\"0.2\""));
    // Along high, then back along low: 8 corners.
    const size_t points = g.find("points=\"");
    CHECK(count(g.substr(points, g.find('"', points + 8) - points), ",") == 8);
    CHECK(g.find("<polygon") < g.find("<polyline"));  // the line stays on top
}

TEST_CASE("line_charts handles degenerate and empty input", "[compare][chart]") {
    SECTION("all values equal") {
        check_chart(line_charts("", {loss_panel("p", {series("s", {3, 3, 3}, {2, 2, 2})})}));
        check_chart(line_charts("", {loss_panel("p", {series("s", {0, 0}, {0, 0})}, true)}));
    }
    SECTION("one point is drawn as a dot") {
        const std::string svg = line_charts("", {loss_panel("p", {series("s", {1}, {0.5})})});
        check_chart(svg);
        CHECK(count(group(svg, "class=\"series\""), "<circle") == 1);
    }
    SECTION("empty series, panels and figures") {
        const std::string svg =
            line_charts("", {loss_panel("p", {series("empty", {}, {})}), loss_panel("q", {})});
        check_chart(svg);
        CHECK(count_attribute(svg, "class", "panel") == 2);
        CHECK(count_attribute(svg, "data-series", "empty") == 2);
        check_chart(line_charts("nothing", {}));
        check_chart(line_charts("", {}, 0));
    }
    SECTION("NaN, infinities and huge values on a linear axis") {
        check_chart(line_charts(
            "", {loss_panel("p", {series("s", {kNaN, 1, 2, kInf}, {1, kNaN, -kInf, 3})})}));
        check_chart(line_charts("", {loss_panel("p", {series("s", {1, 2}, {-1e300, 1e300})})}));
        check_chart(line_charts("", {loss_panel("p", {series("s", {0, 1}, {0, 5e-324})})}));
        check_chart(line_charts("", {loss_panel("p", {series("s", {0, 1}, {1e15, 1e15 + 0.5})})}));
    }
    SECTION("user ranges that are inverted or exclude the data") {
        LineChart panel = loss_panel("p", {series("s", {0, 1, 2}, {1, 2, 3})});
        panel.x.min = 5;
        panel.x.max = 1;
        panel.y.min = 10;
        check_chart(line_charts("", {panel}));
        panel.y.min = kNaN;
        panel.y.max = 2.5;
        check_chart(line_charts("", {panel}));
    }
    SECTION("odd column counts") {
        const std::vector<LineChart> panels(3, loss_panel("p", {series("s", {0, 1}, {0, 1})}));
        for (const int columns : {-1, 0, 1, 2, 3, 10})
            check_chart(line_charts("", panels, columns));
    }
}

TEST_CASE("line_charts rejects mismatched lengths naming both", "[compare][chart]") {
    CHECK_THROWS_MATCHES(
        line_charts("", {loss_panel("p", {series("s", {1, 2, 3}, {1, 2})})}), tinynn::Error,
        Catch::Message("chart: series \"s\" in panel \"p\": x has 3 values but y has 2"));
    Series s = series("s", {1, 2, 3}, {1, 2, 3});
    s.low = {1, 2};
    s.high = {1, 2, 3};
    CHECK_THROWS_MATCHES(line_charts("", {loss_panel("p", {s})}), tinynn::Error,
                         Catch::Matchers::Predicate<std::exception>([](const std::exception& e) {
                             const std::string m = e.what();
                             return m.find("low has 2") != std::string::npos &&
                                    m.find("high 3") != std::string::npos;
                         }));
    s.low.clear();  // only one of the pair
    CHECK_THROWS_AS(line_charts("", {loss_panel("p", {s})}), tinynn::Error);
}

TEST_CASE("class_maps draws one panel per map, a circle per point and a class legend",
          "[compare][chart]") {
    std::vector<ClassMap> maps = {smooth_map("relu", 20, 50), smooth_map("tanh & <co>", 10, 30),
                                  smooth_map("sigmoid", 5, 0)};
    maps[0].points.push_back({5, 5, 1});     // outside the range: clipped, still drawn
    maps[1].points.push_back({kNaN, 0, 0});  // cannot be placed: skipped
    const std::string svg = class_maps("Decision boundaries", maps, 3, "x1", "x2");
    check_picture(svg);
    CHECK(count_attribute(svg, "class", "panel") == 3);
    CHECK(count_attribute(svg, "data-panel", "tanh & <co>") == 1);
    CHECK(count(svg, "<circle") == 51 + 30);
    CHECK(count_attribute(svg, "class", "legend-entry") == 3);
    for (int c = 0; c < 3; ++c)
        CHECK(count_attribute(svg, "data-class", std::to_string(c)) >= 1);
    CHECK_THAT(svg,
               Contains(">class 2</text>") && Contains(">x1</text>") && Contains(">x2</text>"));
}

TEST_CASE("class_maps shades by confidence and merges equal cells", "[compare][chart]") {
    ClassMap map;
    map.nx = 4;
    map.ny = 2;
    // Bottom row: one confident class-0 run of three cells, then an unsure one. Top row:
    // class 1, all sure.
    map.predicted = {0, 0, 0, 0, 1, 1, 1, 1};
    map.confidence = {1, 1, 1, 0.5f, 1, 1, 1, 1};
    const std::string svg = class_maps("", {map}, 2, "x", "y");
    check_picture(svg);
    const std::regex path(R"re(<path fill="(#[0-9a-f]{6})" d="([^"]*)"/>)re");
    std::vector<std::pair<std::string, size_t>> fills;  // colour, rectangles
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), path); it != std::sregex_iterator();
         ++it)
        fills.emplace_back((*it)[1], count((*it)[2], "M"));
    CAPTURE(fills);
    REQUIRE(fills.size() == 3);  // sure class 0, unsure class 0, sure class 1
    for (const auto& [colour, rectangles] : fills)
        CHECK(rectangles == 1);
    // Only the unsure cell is near white; the sure ones are clearly tinted.
    const auto brightness = [](const std::string& c) {
        return std::stoi(c.substr(1, 2), nullptr, 16) + std::stoi(c.substr(3, 2), nullptr, 16) +
               std::stoi(c.substr(5, 2), nullptr, 16);
    };
    CHECK(std::count_if(fills.begin(), fills.end(),
                        [&](const auto& f) { return brightness(f.first) > 3 * 230; }) == 1);
    CHECK(std::count_if(fills.begin(), fills.end(),
                        [&](const auto& f) { return brightness(f.first) < 3 * 200; }) == 2);
}

TEST_CASE("class_maps handles empty grids and odd input", "[compare][chart]") {
    ClassMap empty;
    empty.title = "empty";
    ClassMap odd = smooth_map("odd", 3, 0);
    odd.x_min = 2;
    odd.x_max = -2;  // inverted
    odd.y_min = kNaN;
    odd.confidence[0] = static_cast<float>(kNaN);
    odd.confidence[1] = 7;
    odd.predicted[2] = -1;
    odd.predicted[3] = 12;
    odd.points = {{0, 0, -3}, {0.5, 0.5, 40}};
    const std::string svg = class_maps("", {empty, odd}, 0, "", "", 0);
    check_chart(svg);
    CHECK(count_attribute(svg, "class", "panel") == 2);
    CHECK(count(svg, "<circle") == 2);
    check_chart(class_maps("", {}, 2, "x", "y"));
}

TEST_CASE("class_maps rejects grids whose vectors do not match nx times ny", "[compare][chart]") {
    ClassMap map = smooth_map("m", 4, 0);
    map.predicted.pop_back();
    CHECK_THROWS_MATCHES(class_maps("", {map}, 2, "x", "y"), tinynn::Error,
                         Catch::Message("chart: class map \"m\": predicted has 15 values, but "
                                        "nx*ny = 4*4 = 16"));
    map = smooth_map("m", 4, 0);
    map.confidence.push_back(1);
    CHECK_THROWS_AS(class_maps("", {map}, 2, "x", "y"), tinynn::Error);
}

TEST_CASE("class_maps of four 60 by 60 maps stay well under a megabyte", "[compare][chart]") {
    std::vector<ClassMap> maps;
    for (int k = 0; k < 4; ++k)
        maps.push_back(smooth_map("map " + std::to_string(k), 60, 300));
    const std::string smooth = class_maps("", maps, 2, "x", "y");
    check_picture(smooth);
    CHECK(smooth.size() < 200'000);

    // The worst case: every cell differs from its neighbours, nothing merges.
    std::mt19937 rng(3);
    for (ClassMap& map : maps) {
        for (size_t k = 0; k < map.predicted.size(); ++k) {
            map.predicted[k] = static_cast<int>(rng() % 3);
            map.confidence[k] = static_cast<float>(rng() % 1000) / 1000.0f;
        }
    }
    const std::string noisy = class_maps("", maps, 3, "x", "y");
    check_picture(noisy);
    CHECK(noisy.size() < 1'000'000);
}

TEST_CASE("palette gives distinct CSS hex colours and cycles", "[compare][chart]") {
    const std::regex hex("#[0-9a-f]{6}");
    std::set<std::string> seen;
    for (size_t i = 0; i < 10; ++i) {
        CHECK(std::regex_match(palette(i), hex));
        seen.insert(palette(i));
    }
    CHECK(seen.size() == 10);
    CHECK(palette(10) == palette(0));
}

TEST_CASE("heat_maps shades each column's bins by their share of its largest, merging runs",
          "[compare][chart]") {
    HeatMap map;
    map.title = "layer 1";
    // Epoch 1: bins 0..3 from -1 to 1 with counts 8, 8, 1, 0 -> full, full, an
    // eighth, nothing. Epoch 2: all equal values (a flat column).
    map.columns.push_back(
        {.x_low = 1, .x_high = 2, .y_low = -1, .y_high = 1, .counts = {8, 8, 1, 0}});
    map.columns.push_back(
        {.x_low = 2, .x_high = 3, .y_low = 0.5, .y_high = 0.5, .counts = {5, 0, 0, 0}});
    const std::string svg =
        heat_maps("Histograms", {map, HeatMap{"empty"}}, "epoch", "value", 2, {"sigmoid"});
    check_picture(svg);
    CHECK(count_attribute(svg, "class", "panel") == 2);
    CHECK(count_attribute(svg, "class", "row-title") == 1);
    CHECK(count_attribute(svg, "class", "legend-entry") == 3);
    const std::regex path(R"re(<path fill-opacity="([0-9.]+)" d="([^"]*)"/>)re");
    std::map<std::string, size_t> rectangles;  // by opacity
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), path); it != std::sregex_iterator();
         ++it)
        rectangles[(*it)[1]] += count((*it)[2], "M");
    CAPTURE(rectangles);
    // The two full bins of epoch 1 make one rectangle, and the flat epoch 2 one
    // more; the eighth is its own shade; the empty bin is not drawn.
    CHECK(rectangles == std::map<std::string, size_t>{{"0.125", 1}, {"1.000", 2}});
}

TEST_CASE("panel titles longer than the panel are cut, whole in the tooltip", "[compare][chart]") {
    const std::string title(200, 'x');
    const std::string svg = line_charts("", {loss_panel(title + "é", {})}, 1);
    check_picture(svg);
    CHECK_THAT(svg, Contains("<title>" + title + "é</title>"));
    CHECK_THAT(svg, Contains("x…</text>"));
    const std::string short_title = line_charts("", {loss_panel("short é", {})}, 1);
    CHECK_THAT(short_title, Contains(">short é</text>"));
    CHECK(short_title.find("…") == std::string::npos);
}
