#pragma once

// Self-contained SVG pictures for `tinynn compare`: line charts (loss curves
// over epochs, one panel per dataset), decision-boundary maps and heat maps
// of histograms over epochs. The output
// is plain SVG 1.1 with no scripts, styles or ids, so it renders the same
// opened from disk, through <img src> or inlined into a page. Tests and
// callers find the parts by their attributes:
//   <g class="panel" data-panel="TITLE">          one per panel
//   <g class="series" data-series="NAME">         one per series of a line chart
//   <g class="legend-entry" data-series="NAME">   one per distinct series name
//   <g class="legend-entry" data-class="K">       one per class of a class map
//   <text class="row-title">                      one per row title
// Every member has a default initializer, so partial aggregate initialisation stays
// -Wextra clean. Only mismatched vector lengths throw (tinynn::Error); any other odd input
// (NaN, empty data, inverted ranges) still gives a valid picture.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinynn::experiment::chart {

struct Series {
    std::string name{};                 // legend entry; also written as data-series="name"
    std::vector<double> x{}, y{};       // same length
    std::vector<double> low{}, high{};  // optional band (both empty, or both x.size()): a
                                        // translucent area under the line (e.g. min-max over seeds)
    std::string color{};  // CSS colour; empty: the palette colour of the name's position among the
                          // figure's distinct series names (the series' index when every panel
                          // lists the same series in the same order), so legend and lines agree
    bool dashed = false;
};

struct Axis {
    std::string label{};                 // include the unit, e.g. "epoch", "loss (log scale)"
    bool log = false;                    // log10 scale; values <= 0 are not drawn
    std::optional<double> min{}, max{};  // default: from the data, padded, with "nice" ticks
};

struct LineChart {
    std::string title{};
    Axis x{}, y{};
    std::vector<Series> series{};
};

// One complete SVG document (starting with <svg xmlns=...>): `panels` in a grid of
// `columns`, each with its own title, axes, tick labels and axis labels, and one legend
// for the whole figure listing every distinct series name once with its colour/dash.
// Points whose x or y is not drawable (non-finite, or <= 0 on a log axis) break the line.
// With `row_titles`, each row of panels gets its title over it (small
// multiples: one row per activation, say, one column per layer).
std::string line_charts(const std::string& title, const std::vector<LineChart>& panels,
                        int columns = 1, const std::vector<std::string>& row_titles = {});

struct Point {
    double x = 0, y = 0;
    int label = 0;
};

// A decision-boundary picture: the classifier's predicted class on a grid, shaded by
// confidence, with the data points on top (the TensorFlow Playground view).
struct ClassMap {
    std::string title{};
    double x_min = -1, x_max = 1, y_min = -1, y_max = 1;
    int nx = 0, ny = 0;  // grid cells; cell (i, j) covers x in [x_min + i*w, ...), y likewise
    std::vector<int> predicted{};     // nx*ny, index j*nx + i, j = 0 is the BOTTOM row (y_min)
    std::vector<float> confidence{};  // nx*ny in [0, 1]: the predicted class's probability
    std::vector<Point> points{};
};

// The maps in a grid of `columns`, each with its own title and axes (labelled `x_label` and
// `y_label`), and one legend of `classes` entries ("class 0", ...) for the whole figure. Points
// with a non-finite coordinate are not drawn; points outside the map's range are clipped. A point
// or cell whose class is outside [0, classes) still gets that class's palette colour (grey if
// negative).
std::string class_maps(const std::string& title, const std::vector<ClassMap>& panels, int classes,
                       const std::string& x_label, const std::string& y_label, int columns = 2);

// A histogram per step of x (an epoch), drawn side by side as a heat map: the
// Glorot & Bengio view of a layer's distribution over training. Each column's
// bins are shaded by their count relative to that column's largest, so every
// column is readable whatever its total.
struct HeatColumn {
    double x_low = 0, x_high = 0;  // the column's extent on the x axis
    double y_low = 0, y_high = 0;  // its bins' range: bin k covers y_low + k * width, ...
    std::vector<double> counts{};  // bottom bin first; when y_low == y_high all sit at y_low
};

struct HeatMap {
    std::string title{};
    std::vector<HeatColumn> columns{};
};

// The heat maps in a grid of `columns`, each with its own title and axes, the y
// range of each spanning its columns' ranges, and one legend of the shades;
// `row_titles` as line_charts'.
std::string heat_maps(const std::string& title, const std::vector<HeatMap>& panels,
                      const std::string& x_label, const std::string& y_label, int columns = 2,
                      const std::vector<std::string>& row_titles = {});

// `text` with & < > " ' written as entities and the control characters XML
// forbids dropped: safe in SVG and HTML text and attribute values.
std::string escape(std::string_view text);

// The palette colour for index i (series and classes), a CSS "#rrggbb"; cycles after 10.
std::string palette(size_t i);

}  // namespace tinynn::experiment::chart
