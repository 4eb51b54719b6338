#include "tinynn/experiment/chart.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <string_view>

#include "tinynn/error.hpp"

namespace tinynn::experiment::chart {
namespace {

// ---------------------------------------------------------------- text and numbers

// Removes the '+' and leading zeros std::to_chars puts in exponents: "1.5e+06" -> "1.5e6".
std::string tidy_exponent(std::string s) {
    const auto e = s.find('e');
    if (e == std::string::npos)
        return s;
    std::string exponent = s.substr(e + 1);
    const bool negative = !exponent.empty() && exponent[0] == '-';
    exponent.erase(0, exponent.find_first_not_of("+-0"));
    if (exponent.empty())
        exponent = "0";
    return s.substr(0, e + 1) + (negative ? "-" : "") + exponent;
}

std::string to_text(double v, std::chars_format format, int precision) {
    if (v == 0)
        v = 0;  // turns -0 into 0, which would print as "-0"
    std::array<char, 64> buffer{};
    const auto result =
        std::to_chars(buffer.data(), buffer.data() + buffer.size(), v, format, precision);
    return std::string(buffer.data(), result.ptr);
}

// Coordinates get one decimal: plenty on screen, and it keeps files small. The clamp keeps a
// wild value (far outside a user-given axis range) from printing hundreds of digits; it is
// clipped away anyway.
std::string num(double v) {
    if (!std::isfinite(v))
        v = 0;
    v = std::round(std::clamp(v, -1e6, 1e6) * 10) / 10;
    std::string s = to_text(v, std::chars_format::fixed, 1);
    if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0)
        s.resize(s.size() - 2);
    return s == "-0" ? "0" : s;
}

// A tick label on a linear axis whose ticks are `step` apart: as many decimals as the step
// needs (0.30000000000000004 prints as 0.3), and an exponent only for very large or small
// numbers.
std::string linear_label(double v, double step) {
    if (std::abs(v) < step * 1e-6)
        v = 0;
    const double magnitude = std::max(std::abs(v), step);
    if (magnitude < 1e6 && step >= 1e-4) {
        const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
        return to_text(v, std::chars_format::fixed, decimals);
    }
    const int digits = static_cast<int>(std::ceil(std::log10(magnitude / step) + 1e-9)) + 1;
    return tidy_exponent(to_text(v, std::chars_format::general, std::clamp(digits, 1, 15)));
}

// 10^k as "0.01", "1", "1000", or "1e-5" when the plain form gets long.
std::string power_label(int k) {
    if (k >= -2 && k <= 4)
        return to_text(std::pow(10.0, k), std::chars_format::fixed, std::max(0, -k));
    return "1e" + std::to_string(k);
}

// ---------------------------------------------------------------- scales

struct Tick {
    double at = 0;      // in scale space
    std::string label;  // empty: a minor tick
};

// An axis's mapping. Scale space is the value itself, or its log10 on a log axis.
struct Scale {
    bool log = false;
    double lo = 0, hi = 1;  // in scale space, lo < hi
    std::vector<Tick> ticks;
};

// Linear values beyond this are treated like infinities: the arithmetic on the axis range
// (differences, tick counts) must stay finite.
constexpr double kLinearLimit = 1e200;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::optional<double> to_scale_space(bool log, double v) {
    if (!std::isfinite(v))
        return std::nullopt;
    if (log)
        return v > 0 ? std::optional<double>(std::log10(v)) : std::nullopt;
    return std::abs(v) <= kLinearLimit ? std::optional<double>(v) : std::nullopt;
}

std::optional<double> to_scale(const Scale& scale, double v) {
    return to_scale_space(scale.log, v);
}

double fraction(const Scale& scale, double s) {
    return (s - scale.lo) / (scale.hi - scale.lo);
}

// "Nice" ticks at multiples of 1, 2 or 5 x 10^k, choosing the step whose tick count is
// closest to 6. An end the caller did not fix snaps outward to a tick: that is the padding.
void add_linear_ticks(Scale& scale, bool fix_lo, bool fix_hi) {
    const double span = scale.hi - scale.lo;
    const double e0 = std::floor(std::log10(span));
    double best_step = 0, best_first = 0, best_last = 0, best_score = 1e300;
    for (double e = e0; e >= e0 - 2; --e) {
        for (const double m : {5.0, 2.0, 1.0}) {
            const double step = m * std::pow(10.0, e);
            const double first =
                fix_lo ? std::ceil(scale.lo / step - 1e-9) : std::floor(scale.lo / step + 1e-9);
            const double last =
                fix_hi ? std::floor(scale.hi / step + 1e-9) : std::ceil(scale.hi / step - 1e-9);
            const double score = std::abs(last - first + 1 - 6);
            if (score < best_score) {
                best_score = score;
                best_step = step;
                best_first = first;
                best_last = last;
            }
        }
    }
    if (!fix_lo)
        scale.lo = best_first * best_step;
    if (!fix_hi)
        scale.hi = best_last * best_step;
    for (double k = best_first; k <= best_last && scale.ticks.size() < 64; ++k)
        scale.ticks.push_back({k * best_step, linear_label(k * best_step, best_step)});
}

// Labelled ticks at powers of ten (every n-th decade on wide ranges), minor ticks at 2..9 x
// 10^k on narrow ones. A range too narrow to hold two powers of ten labels its 2s and 5s, or
// failing that its ends, so every axis has at least two labels.
void add_log_ticks(Scale& scale, bool fix_lo, bool fix_hi) {
    if (!fix_lo)
        scale.lo = std::floor(scale.lo + 1e-9);
    if (!fix_hi)
        scale.hi = std::ceil(scale.hi - 1e-9);
    const int first = static_cast<int>(std::ceil(scale.lo - 1e-9));
    const int last = static_cast<int>(std::floor(scale.hi + 1e-9));
    const int stride = std::max(1, static_cast<int>(std::ceil((last - first) / 7.0)));
    int labelled = 0;
    for (int k = first; k <= last; ++k) {
        if (((k % stride) + stride) % stride == 0) {
            scale.ticks.push_back({static_cast<double>(k), power_label(k)});
            ++labelled;
        }
    }
    if (scale.hi - scale.lo > 6)
        return;
    std::vector<Tick> minor;
    for (int k = static_cast<int>(std::floor(scale.lo)); k <= static_cast<int>(scale.hi); ++k) {
        for (int m = 2; m <= 9; ++m) {
            const double at = k + std::log10(m);
            if (at < scale.lo - 1e-9 || at > scale.hi + 1e-9)
                continue;
            const bool label = labelled < 2 && (m == 2 || m == 5);
            const double decade = std::pow(10.0, k);
            minor.push_back({at, label ? linear_label(m * decade, decade) : ""});
        }
    }
    for (const Tick& t : minor)
        labelled += t.label.empty() ? 0 : 1;
    scale.ticks.insert(scale.ticks.end(), minor.begin(), minor.end());
    if (labelled >= 2)
        return;
    for (const double at : {scale.lo, scale.hi}) {
        const bool taken = std::any_of(scale.ticks.begin(), scale.ticks.end(), [&](const Tick& t) {
            return !t.label.empty() && std::abs(t.at - at) < 1e-9;
        });
        const double v = std::pow(10.0, at);
        if (!taken)
            scale.ticks.push_back({at, tidy_exponent(to_text(v, std::chars_format::general, 3))});
    }
}

// The range of `values` (raw data), overridden by the axis's own min/max where those are
// usable, widened when empty or degenerate, then ticked.
Scale make_scale(bool log, const std::vector<double>& values, std::optional<double> min,
                 std::optional<double> max) {
    double data_lo = std::numeric_limits<double>::infinity();
    double data_hi = -data_lo;
    for (const double v : values) {
        if (const auto s = to_scale_space(log, v)) {
            data_lo = std::min(data_lo, *s);
            data_hi = std::max(data_hi, *s);
        }
    }
    if (data_lo > data_hi) {  // nothing drawable: 0..1, or 1..10 on a log axis
        data_lo = 0;
        data_hi = 1;
    }
    // A user bound counts only if drawable, and a pair only if ordered.
    const auto user = [&](const std::optional<double>& bound) {
        return bound ? to_scale_space(log, *bound).value_or(kNaN) : kNaN;
    };
    double user_lo = user(min), user_hi = user(max);
    if (!(user_lo < user_hi) && !std::isnan(user_lo) && !std::isnan(user_hi))
        user_lo = user_hi = kNaN;
    const bool fix_lo = !std::isnan(user_lo), fix_hi = !std::isnan(user_hi);
    Scale scale;
    scale.log = log;
    scale.lo = fix_lo ? user_lo : data_lo;
    scale.hi = fix_hi ? user_hi : data_hi;
    // Below 1e-200 the tick steps would underflow to zero.
    const double tiny = std::max(1e-9 * std::max(std::abs(scale.lo), std::abs(scale.hi)), 1e-200);
    if (!(scale.hi - scale.lo > tiny)) {
        const double centre = fix_lo ? scale.lo : fix_hi ? scale.hi : (scale.lo + scale.hi) / 2;
        double half = log ? 0.5 : std::abs(centre) * 0.1;
        if (!(half > 1e-200))
            half = 1;  // centre 0, or so tiny that a tenth of it is too
        scale.lo = fix_lo ? scale.lo : fix_hi ? scale.hi - 2 * half : centre - half;
        scale.hi = fix_lo ? scale.lo + 2 * half : fix_hi ? scale.hi : centre + half;
    }
    if (log)
        add_log_ticks(scale, fix_lo, fix_hi);
    else
        add_linear_ticks(scale, fix_lo, fix_hi);
    return scale;
}

// ---------------------------------------------------------------- drawing

// The plot area of a panel, in the panel's coordinates.
struct Frame {
    double x = 0, y = 0, width = 0, height = 0;
    Scale xs, ys;

    double px(double s) const { return x + fraction(xs, s) * width; }
    double py(double s) const { return y + height - fraction(ys, s) * height; }
};

// Opens a nested <svg> over the plot area, `pad` pixels larger all round, whose user
// coordinates are the panel's: it clips whatever lies outside without needing an id (ids
// could clash when several pictures are inlined into one page).
void open_clip(std::string& out, const Frame& f, double pad) {
    const std::string box = num(f.x - pad) + " " + num(f.y - pad) + " " + num(f.width + 2 * pad) +
                            " " + num(f.height + 2 * pad);
    out += "<svg x=\"" + num(f.x - pad) + "\" y=\"" + num(f.y - pad) + "\" width=\"" +
           num(f.width + 2 * pad) + "\" height=\"" + num(f.height + 2 * pad) + "\" viewBox=\"" +
           box + "\">";
}

void draw_text(std::string& out, double x, double y, const std::string& text,
               const std::string& attributes) {
    out += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" " + attributes + ">" + escape(text) +
           "</text>";
}

void draw_grid_lines(std::string& out, const Frame& f) {
    std::string d;
    for (const Tick& t : f.xs.ticks)
        if (!t.label.empty())
            d += "M" + num(f.px(t.at)) + " " + num(f.y) + "V" + num(f.y + f.height);
    for (const Tick& t : f.ys.ticks)
        if (!t.label.empty())
            d += "M" + num(f.x) + " " + num(f.py(t.at)) + "H" + num(f.x + f.width);
    if (!d.empty())
        out += "<path d=\"" + d + "\" fill=\"none\" stroke=\"#e4e4e4\"/>";
}

// Frame, tick marks, tick labels and axis labels.
void draw_axes(std::string& out, const Frame& f, const std::string& x_label,
               const std::string& y_label) {
    out += "<rect x=\"" + num(f.x) + "\" y=\"" + num(f.y) + "\" width=\"" + num(f.width) +
           "\" height=\"" + num(f.height) + "\" fill=\"none\" stroke=\"#444\"/>";
    std::string marks;
    const double bottom = f.y + f.height;
    for (const Tick& t : f.xs.ticks) {
        const double length = t.label.empty() ? 3 : 5;
        marks += "M" + num(f.px(t.at)) + " " + num(bottom) + "v" + num(length);
        if (!t.label.empty())
            draw_text(out, f.px(t.at), bottom + 18, t.label,
                      "text-anchor=\"middle\" font-size=\"12\"");
    }
    for (const Tick& t : f.ys.ticks) {
        const double length = t.label.empty() ? 3 : 5;
        marks += "M" + num(f.x) + " " + num(f.py(t.at)) + "h" + num(-length);
        if (!t.label.empty())
            draw_text(out, f.x - 8, f.py(t.at) + 4, t.label,
                      "text-anchor=\"end\" font-size=\"12\"");
    }
    if (!marks.empty())
        out += "<path d=\"" + marks + "\" fill=\"none\" stroke=\"#444\"/>";
    if (!x_label.empty())
        draw_text(out, f.x + f.width / 2, bottom + 40, x_label,
                  "text-anchor=\"middle\" font-size=\"13\"");
    if (!y_label.empty()) {
        const double x = f.x - 56, y = f.y + f.height / 2;
        out += "<text transform=\"translate(" + num(x) + "," + num(y) +
               ") rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">" + escape(y_label) +
               "</text>";
    }
}

// Maximal runs of consecutive indices for which `ok` holds.
template <class Ok>
std::vector<std::pair<size_t, size_t>> runs(size_t n, Ok ok) {
    std::vector<std::pair<size_t, size_t>> out;
    for (size_t i = 0; i < n;) {
        if (!ok(i)) {
            ++i;
            continue;
        }
        size_t end = i;
        while (end < n && ok(end))
            ++end;
        out.emplace_back(i, end);
        i = end;
    }
    return out;
}

// Appends "x,y" to an SVG points list. Consecutive points that round to the same pixel are
// dropped: that changes nothing on screen and keeps long curves small.
void append_point(std::string& points, std::string& last, double x, double y) {
    std::string p = num(x) + "," + num(y);
    if (p == last)
        return;
    if (!points.empty())
        points += ' ';
    points += p;
    last = std::move(p);
}

void draw_band(std::string& out, const Series& s, const std::string& colour, const Frame& f) {
    const auto ok = [&](size_t i) {
        return to_scale(f.xs, s.x[i]) && to_scale(f.ys, s.low[i]) && to_scale(f.ys, s.high[i]);
    };
    for (const auto& [begin, end] : runs(s.low.size(), ok)) {
        if (end - begin < 2)
            continue;
        std::string points, last;
        for (size_t i = begin; i < end; ++i)
            append_point(points, last, f.px(*to_scale(f.xs, s.x[i])),
                         f.py(*to_scale(f.ys, s.high[i])));
        for (size_t i = end; i-- > begin;)
            append_point(points, last, f.px(*to_scale(f.xs, s.x[i])),
                         f.py(*to_scale(f.ys, s.low[i])));
        out += "<polygon points=\"" + points + "\" fill=\"" + escape(colour) +
               "\" fill-opacity=\"0.2\" stroke=\"none\"/>";
    }
}

void draw_line(std::string& out, const Series& s, const std::string& colour, const Frame& f) {
    const auto ok = [&](size_t i) { return to_scale(f.xs, s.x[i]) && to_scale(f.ys, s.y[i]); };
    for (const auto& [begin, end] : runs(s.x.size(), ok)) {
        const auto x = [&](size_t i) { return f.px(*to_scale(f.xs, s.x[i])); };
        const auto y = [&](size_t i) { return f.py(*to_scale(f.ys, s.y[i])); };
        if (end - begin == 1) {  // an isolated point would be invisible as a line
            out += "<circle cx=\"" + num(x(begin)) + "\" cy=\"" + num(y(begin)) +
                   "\" r=\"2.5\" fill=\"" + escape(colour) + "\"/>";
            continue;
        }
        std::string points, last;
        for (size_t i = begin; i < end; ++i)
            append_point(points, last, x(i), y(i));
        out += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + escape(colour) +
               "\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"" +
               (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>";
    }
}

struct LegendItem {
    std::string attribute;  // identifies the entry, e.g. data-series="NAME"
    std::string label;
    std::string swatch;  // markup drawn in a 24 x 14 box centred on y = 0
};

// The legend entries in centred rows under the panels; returns the rows' total height.
double draw_legend(std::string& out, const std::vector<LegendItem>& items, double width,
                   double top) {
    if (items.empty())
        return 0;
    constexpr double kRowHeight = 24, kSwatch = 30, kGap = 22, kCharWidth = 7.5;
    std::vector<std::vector<std::pair<const LegendItem*, double>>> rows(1);
    std::vector<double> row_widths(1, 0);
    for (const LegendItem& item : items) {
        const double w = kSwatch + kCharWidth * static_cast<double>(item.label.size());
        if (!rows.back().empty() && row_widths.back() + kGap + w > width - 40) {
            rows.emplace_back();
            row_widths.push_back(0);
        }
        row_widths.back() += (rows.back().empty() ? 0 : kGap) + w;
        rows.back().emplace_back(&item, w);
    }
    for (size_t r = 0; r < rows.size(); ++r) {
        double x = std::max(20.0, (width - row_widths[r]) / 2);
        const double y = top + kRowHeight * (static_cast<double>(r) + 0.5);
        for (const auto& [item, w] : rows[r]) {
            out += "<g class=\"legend-entry\" " + item->attribute + " transform=\"translate(" +
                   num(x) + "," + num(y) + ")\">" + item->swatch;
            draw_text(out, kSwatch, 4.5, item->label, "font-size=\"13\"");
            out += "</g>";
            x += w + kGap;
        }
    }
    return kRowHeight * static_cast<double>(rows.size()) + 8;
}

std::string document(double width, double height, const std::string& title,
                     const std::string& body) {
    const std::string w = std::to_string(static_cast<int>(std::ceil(width)));
    const std::string h = std::to_string(static_cast<int>(std::ceil(height)));
    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" +
                      h + "\" viewBox=\"0 0 " + w + " " + h + "\" font-family=\"sans-serif\">";
    out += "<title>" + escape(title) + "</title>";
    out += "<rect width=\"" + w + "\" height=\"" + h + "\" fill=\"#fff\"/>";
    if (!title.empty())
        draw_text(out, width / 2, 28, title,
                  "text-anchor=\"middle\" font-size=\"18\" font-weight=\"bold\"");
    return out + body + "</svg>\n";
}

// Figure-wide layout: panels of equal size in a grid under the title.
struct Grid {
    int columns = 1;
    double panel_width = 0, panel_height = 0, top = 0;
    double row_header = 0;  // above each row, for its title

    double width() const { return panel_width * columns; }
    double x(size_t i) const { return panel_width * static_cast<double>(i % columns); }
    double y(size_t i) const {
        return top + (panel_height + row_header) * static_cast<double>(i / columns) + row_header;
    }
    double bottom(size_t panels) const {
        const size_t rows = (panels + columns - 1) / columns;
        return top + (panel_height + row_header) * static_cast<double>(rows);
    }
};

// Each row's title, left-aligned over the row, with a rule under it.
void draw_row_titles(std::string& out, const Grid& grid, const std::vector<std::string>& titles) {
    for (size_t r = 0; r < titles.size(); ++r) {
        const double y = grid.y(r * static_cast<size_t>(grid.columns));
        draw_text(out, 12, y - 10, titles[r],
                  "class=\"row-title\" font-size=\"16\" font-weight=\"bold\" fill=\"#333\"");
        out +=
            "<path d=\"M12 " + num(y - 4) + "H" + num(grid.width() - 12) + "\" stroke=\"#bbb\"/>";
    }
}

// About 900 px wide whatever the column count, so text stays readable when the picture is
// shown at page width; never narrower than `min_width` a panel.
Grid make_grid(const std::string& title, size_t panels, int columns, double min_width) {
    Grid grid;
    grid.columns = std::clamp(columns, 1, static_cast<int>(std::max<size_t>(panels, 1)));
    grid.panel_width = std::max(min_width, 900.0 / grid.columns);
    grid.top = title.empty() ? 8 : 44;
    return grid;
}

// The document of a figure: `body` (its panels) with the legend of `items`
// under its `panels` panels.
std::string figure(const std::string& title, std::string& body, const Grid& grid, size_t panels,
                   const std::vector<LegendItem>& items) {
    const double legend_top = grid.bottom(panels) + 4;
    const double legend_height = draw_legend(body, items, grid.width(), legend_top);
    return document(grid.width(), legend_top + legend_height + 8, title, body);
}

// `text` cut to at most `chars` characters (UTF-8 code points), ending in
// "…" when cut.
std::string shortened(const std::string& text, size_t chars) {
    size_t seen = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80)
            continue;  // a continuation byte
        if (seen + 1 == chars && chars > 0) {
            // Room for one more: the rest if it is one character, else "…".
            size_t next = i + 1;
            while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80)
                ++next;
            return next >= text.size() ? text : text.substr(0, i) + "…";
        }
        ++seen;
    }
    return text;
}

// A panel's title is cut to its width (bold 15 px text averages about 9 px a
// character); the whole title shows as the text's tooltip.
void open_panel(std::string& out, const std::string& title, double x, double y, double width) {
    out += "<g class=\"panel\" data-panel=\"" + escape(title) + "\" transform=\"translate(" +
           num(x) + "," + num(y) + ")\">";
    if (title.empty())
        return;
    const auto chars = static_cast<size_t>(std::max(4.0, (width - 12) / 9));
    const std::string shown = shortened(title, chars);
    if (shown == title) {
        draw_text(out, width / 2, 20, title,
                  "text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\"");
        return;
    }
    out += "<text x=\"" + num(width / 2) +
           "\" y=\"20\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\"><title>" +
           escape(title) + "</title>" + escape(shown) + "</text>";
}

// ---------------------------------------------------------------- line charts

void check_series(const LineChart& panel, const Series& s) {
    const auto where = [&] {
        return "chart: series \"" + s.name + "\" in panel \"" + panel.title + "\": ";
    };
    if (s.x.size() != s.y.size())
        throw Error(where() + "x has " + std::to_string(s.x.size()) + " values but y has " +
                    std::to_string(s.y.size()));
    const bool no_band = s.low.empty() && s.high.empty();
    if (!no_band && (s.low.size() != s.x.size() || s.high.size() != s.x.size()))
        throw Error(where() + "low has " + std::to_string(s.low.size()) + " values and high " +
                    std::to_string(s.high.size()) + ", but a band needs both empty or both " +
                    std::to_string(s.x.size()) + " (the length of x)");
}

struct Look {
    std::string colour;
    bool dashed = false;
};

// One look per distinct name, from its first series; see Series::color.
std::vector<std::pair<std::string, Look>> distinct_series(const std::vector<LineChart>& panels) {
    std::vector<std::pair<std::string, Look>> out;
    std::map<std::string, size_t> seen;
    for (const LineChart& panel : panels) {
        for (const Series& s : panel.series) {
            if (seen.count(s.name))
                continue;
            seen[s.name] = out.size();
            out.push_back({s.name, {s.color.empty() ? palette(out.size()) : s.color, s.dashed}});
        }
    }
    return out;
}

Frame line_frame(const LineChart& panel, double width, double height) {
    std::vector<double> xs, ys;
    for (const Series& s : panel.series) {
        xs.insert(xs.end(), s.x.begin(), s.x.end());
        ys.insert(ys.end(), s.y.begin(), s.y.end());
        ys.insert(ys.end(), s.low.begin(), s.low.end());
        ys.insert(ys.end(), s.high.begin(), s.high.end());
    }
    Frame f;
    f.x = 72;
    f.y = 32;
    f.width = width - f.x - 20;
    f.height = height - f.y - 54;
    f.xs = make_scale(panel.x.log, xs, panel.x.min, panel.x.max);
    f.ys = make_scale(panel.y.log, ys, panel.y.min, panel.y.max);
    return f;
}

void draw_line_panel(std::string& out, const LineChart& panel,
                     const std::map<std::string, size_t>& index,
                     const std::vector<std::pair<std::string, Look>>& looks, double x, double y,
                     double width, double height) {
    open_panel(out, panel.title, x, y, width);
    const Frame f = line_frame(panel, width, height);
    draw_grid_lines(out, f);
    open_clip(out, f, 4);
    for (const Series& s : panel.series) {
        const std::string colour =
            s.color.empty() ? looks[index.at(s.name)].second.colour : s.color;
        out += "<g class=\"series\" data-series=\"" + escape(s.name) + "\">";
        if (!s.low.empty())
            draw_band(out, s, colour, f);
        draw_line(out, s, colour, f);
        out += "</g>";
    }
    out += "</svg>";
    draw_axes(out, f, panel.x.label, panel.y.label);
    out += "</g>";
}

std::string line_swatch(const Look& look) {
    return "<line x1=\"0\" y1=\"0\" x2=\"24\" y2=\"0\" stroke=\"" + escape(look.colour) +
           "\" stroke-width=\"2.5\"" + (look.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>";
}

// ---------------------------------------------------------------- class maps

std::array<int, 3> parse_hex(const std::string& colour) {
    std::array<int, 3> rgb{};
    for (size_t c = 0; c < 3; ++c)
        rgb[c] = std::stoi(colour.substr(1 + 2 * c, 2), nullptr, 16);
    return rgb;
}

std::string class_colour(int label) {
    return label < 0 ? "#888888" : palette(static_cast<size_t>(label));
}

// The class colour mixed toward white. Confidence is rescaled from [1/classes, 1] (a coin
// flip .. certain) to [0, 1] so the boundary shows as a pale band whatever the class count,
// and quantised to a few levels so neighbouring cells merge into one rectangle. Even certain
// cells stay lighter than the points drawn on them.
std::string cell_colour(int label, float confidence, int classes) {
    const double chance = 1.0 / std::max(classes, 2);
    double t = (static_cast<double>(confidence) - chance) / (1 - chance);
    t = std::isfinite(t) ? std::clamp(t, 0.0, 1.0) : 0.0;
    constexpr int kLevels = 8;
    const double strength = 0.08 + 0.52 * std::round(t * (kLevels - 1)) / (kLevels - 1);
    const auto rgb = parse_hex(class_colour(label));
    std::string out = "#";
    constexpr std::string_view kHex = "0123456789abcdef";
    for (const int c : rgb) {
        const int v = static_cast<int>(std::lround(255 - (255 - c) * strength));
        out += kHex[static_cast<size_t>(v / 16)];
        out += kHex[static_cast<size_t>(v % 16)];
    }
    return out;
}

void check_map(const ClassMap& map) {
    const size_t cells = static_cast<size_t>(std::max(map.nx, 0)) * std::max(map.ny, 0);
    const auto check = [&](const char* what, size_t size) {
        if (size != cells)
            throw Error("chart: class map \"" + map.title + "\": " + what + " has " +
                        std::to_string(size) + " values, but nx*ny = " + std::to_string(map.nx) +
                        "*" + std::to_string(map.ny) + " = " + std::to_string(cells));
    };
    check("predicted", map.predicted.size());
    check("confidence", map.confidence.size());
}

// One <path> per colour, each row's runs of equal colour merged into one rectangle. Edges
// are computed from the rounded text so neighbouring rectangles share them exactly (no
// hairline gaps).
void draw_cells(std::string& out, const ClassMap& map, int classes, const Frame& f) {
    const int nx = std::max(map.nx, 0), ny = std::max(map.ny, 0);
    if (nx == 0 || ny == 0)
        return;
    const auto edge_x = [&](int i) { return num(f.x + f.width * i / nx); };
    const auto edge_y = [&](int j) { return num(f.y + f.height - f.height * j / ny); };
    std::map<std::string, std::string> paths;
    for (int j = 0; j < ny; ++j) {
        const std::string bottom = edge_y(j), top = edge_y(j + 1);
        const auto colour = [&](int i) {
            const size_t k = static_cast<size_t>(j) * nx + i;
            return cell_colour(map.predicted[k], map.confidence[k], classes);
        };
        for (int i = 0; i < nx;) {
            const std::string c = colour(i);
            int end = i + 1;
            while (end < nx && colour(end) == c)
                ++end;
            const std::string left = edge_x(i);
            paths[c] +=
                "M" + left + " " + top + "H" + edge_x(end) + "V" + bottom + "H" + left + "z";
            i = end;
        }
    }
    out += "<g shape-rendering=\"crispEdges\">";
    for (const auto& [colour, d] : paths)
        out += "<path fill=\"" + colour + "\" d=\"" + d + "\"/>";
    out += "</g>";
}

void draw_points(std::string& out, const ClassMap& map, const Frame& f) {
    std::map<int, std::string> by_class;
    for (const Point& p : map.points) {
        const auto x = to_scale(f.xs, p.x), y = to_scale(f.ys, p.y);
        if (!x || !y)
            continue;
        by_class[p.label] +=
            "<circle cx=\"" + num(f.px(*x)) + "\" cy=\"" + num(f.py(*y)) + "\" r=\"3.5\"/>";
    }
    for (const auto& [label, circles] : by_class)
        out += "<g class=\"points\" data-class=\"" + std::to_string(label) + "\" fill=\"" +
               class_colour(label) + "\" stroke=\"#222\" stroke-width=\"0.8\">" + circles + "</g>";
}

void draw_map_panel(std::string& out, const ClassMap& map, int classes, const std::string& x_label,
                    const std::string& y_label, double x, double y, double width) {
    open_panel(out, map.title, x, y, width);
    Frame f;
    f.width = f.height = std::min(width - 84, 480.0);
    f.x = 64 + (width - 84 - f.width) / 2;
    f.y = 32;
    f.xs = make_scale(false, {map.x_min, map.x_max}, map.x_min, map.x_max);
    f.ys = make_scale(false, {map.y_min, map.y_max}, map.y_min, map.y_max);
    out += "<rect x=\"" + num(f.x) + "\" y=\"" + num(f.y) + "\" width=\"" + num(f.width) +
           "\" height=\"" + num(f.height) + "\" fill=\"#f4f4f4\"/>";
    draw_cells(out, map, classes, f);
    open_clip(out, f, 5);
    draw_points(out, map, f);
    out += "</svg>";
    draw_axes(out, f, x_label, y_label);
    out += "</g>";
}

// ---------------------------------------------------------------- heat maps

constexpr int kHeatLevels = 8;
constexpr const char* kHeatColour = "#1f4e9c";

// Shades 1..kHeatLevels as fill opacities; 0 is not drawn.
std::string heat_opacity(int level) {
    return to_text(static_cast<double>(level) / kHeatLevels, std::chars_format::fixed, 3);
}

void draw_heat_panel(std::string& out, const HeatMap& map, const std::string& x_label,
                     const std::string& y_label, double x, double y, double width, double height) {
    open_panel(out, map.title, x, y, width);
    std::vector<double> xs, ys;
    for (const HeatColumn& c : map.columns) {
        xs.insert(xs.end(), {c.x_low, c.x_high});
        ys.insert(ys.end(), {c.y_low, c.y_high});
    }
    Frame f;
    f.x = 72;
    f.y = 32;
    f.width = width - f.x - 20;
    f.height = height - f.y - 54;
    f.xs = make_scale(false, xs, std::nullopt, std::nullopt);
    f.ys = make_scale(false, ys, std::nullopt, std::nullopt);
    // One path per shade.
    std::vector<std::string> paths(kHeatLevels + 1);
    const double sliver = (f.ys.hi - f.ys.lo) / 100;
    for (const HeatColumn& c : map.columns) {
        const auto x0 = to_scale(f.xs, c.x_low), x1 = to_scale(f.xs, c.x_high);
        const auto y0 = to_scale(f.ys, c.y_low), y1 = to_scale(f.ys, c.y_high);
        if (!x0 || !x1 || !y0 || !y1 || c.counts.empty())
            continue;
        double largest = 0;
        for (const double count : c.counts)
            largest = std::isfinite(count) ? std::max(largest, count) : largest;
        if (!(largest > 0))
            continue;
        // A column under two pixels tall is drawn as a sliver, so it shows.
        const bool flat = !(f.py(*y0) - f.py(*y1) >= 2);
        const double bin = flat ? sliver : (*y1 - *y0) / static_cast<double>(c.counts.size());
        const std::string left = num(f.px(*x0)), right = num(f.px(*x1));
        const auto rect = [&](int level, double lo, double hi) {
            paths[static_cast<size_t>(level)] += "M" + left + " " + num(f.py(hi)) + "H" + right +
                                                 "V" + num(f.py(lo)) + "H" + left + "z";
        };
        if (flat) {  // every bin in one place: the largest one's shade
            rect(kHeatLevels, (*y0 + *y1 - sliver) / 2, (*y0 + *y1 + sliver) / 2);
            continue;
        }
        const auto level_of = [&](size_t k) {
            const double share = std::isfinite(c.counts[k]) ? c.counts[k] / largest : 0;
            return std::clamp(static_cast<int>(std::ceil(share * kHeatLevels - 1e-9)), 0,
                              kHeatLevels);
        };
        // Neighbouring bins of one shade make one rectangle.
        for (size_t k = 0; k < c.counts.size();) {
            const int level = level_of(k);
            size_t end = k + 1;
            while (end < c.counts.size() && level_of(end) == level)
                ++end;
            if (level > 0)
                rect(level, *y0 + bin * static_cast<double>(k),
                     *y0 + bin * static_cast<double>(end));
            k = end;
        }
    }
    open_clip(out, f, 0);
    out += "<g shape-rendering=\"crispEdges\" fill=\"" + std::string(kHeatColour) + "\">";
    for (int level = 1; level <= kHeatLevels; ++level)
        if (!paths[static_cast<size_t>(level)].empty())
            out += "<path fill-opacity=\"" + heat_opacity(level) + "\" d=\"" +
                   paths[static_cast<size_t>(level)] + "\"/>";
    out += "</g></svg>";
    draw_axes(out, f, x_label, y_label);
    out += "</g>";
}

}  // namespace

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                // Control characters other than tab and newline are not allowed in XML at all,
                // not even as character references.
                if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n')
                    out += ' ';
                else
                    out += c;
        }
    }
    return out;
}

std::string palette(size_t i) {
    // The widely known category10 colours (matplotlib's and d3's defaults).
    static constexpr std::array<const char*, 10> kColours = {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    return kColours[i % kColours.size()];
}

std::string line_charts(const std::string& title, const std::vector<LineChart>& panels, int columns,
                        const std::vector<std::string>& row_titles) {
    for (const LineChart& panel : panels)
        for (const Series& s : panel.series)
            check_series(panel, s);
    const auto looks = distinct_series(panels);
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < looks.size(); ++i)
        index[looks[i].first] = i;

    Grid grid = make_grid(title, panels.size(), columns, 300);
    grid.panel_height = std::clamp(grid.panel_width * 0.62, 260.0, 420.0);
    grid.row_header = row_titles.empty() ? 0 : 30;
    std::string body;
    draw_row_titles(body, grid, row_titles);
    for (size_t i = 0; i < panels.size(); ++i)
        draw_line_panel(body, panels[i], index, looks, grid.x(i), grid.y(i), grid.panel_width,
                        grid.panel_height);
    std::vector<LegendItem> items;
    for (const auto& [name, look] : looks)
        items.push_back({"data-series=\"" + escape(name) + "\"", name, line_swatch(look)});
    return figure(title, body, grid, panels.size(), items);
}

std::string class_maps(const std::string& title, const std::vector<ClassMap>& panels, int classes,
                       const std::string& x_label, const std::string& y_label, int columns) {
    for (const ClassMap& map : panels)
        check_map(map);
    Grid grid = make_grid(title, panels.size(), columns, 300);
    grid.panel_height = 32 + std::min(grid.panel_width - 84, 480.0) + 54;
    std::string body;
    for (size_t i = 0; i < panels.size(); ++i)
        draw_map_panel(body, panels[i], classes, x_label, y_label, grid.x(i), grid.y(i),
                       grid.panel_width);
    std::vector<LegendItem> items;
    for (int c = 0; c < classes; ++c)
        items.push_back({"data-class=\"" + std::to_string(c) + "\"", "class " + std::to_string(c),
                         "<rect x=\"4\" y=\"-7\" width=\"14\" height=\"14\" fill=\"" +
                             class_colour(c) + "\" stroke=\"#222\" stroke-width=\"0.8\"/>"});
    return figure(title, body, grid, panels.size(), items);
}

std::string heat_maps(const std::string& title, const std::vector<HeatMap>& panels,
                      const std::string& x_label, const std::string& y_label, int columns,
                      const std::vector<std::string>& row_titles) {
    Grid grid = make_grid(title, panels.size(), columns, 220);
    grid.panel_height = 260;
    grid.row_header = row_titles.empty() ? 0 : 30;
    std::string body;
    draw_row_titles(body, grid, row_titles);
    for (size_t i = 0; i < panels.size(); ++i)
        draw_heat_panel(body, panels[i], x_label, y_label, grid.x(i), grid.y(i), grid.panel_width,
                        grid.panel_height);
    std::vector<LegendItem> items;
    for (const int level : {1, kHeatLevels / 2, kHeatLevels}) {
        const std::string share = std::to_string(100 * (level - 1) / kHeatLevels) + "–" +
                                  std::to_string(100 * level / kHeatLevels) + " %";
        items.push_back({"data-shade=\"" + std::to_string(level) + "\"",
                         share + " of the column's largest bin",
                         "<rect x=\"4\" y=\"-7\" width=\"14\" height=\"14\" fill=\"" +
                             std::string(kHeatColour) + "\" fill-opacity=\"" + heat_opacity(level) +
                             "\" stroke=\"#222\" stroke-width=\"0.8\"/>"});
    }
    return figure(title, body, grid, panels.size(), items);
}

}  // namespace tinynn::experiment::chart
