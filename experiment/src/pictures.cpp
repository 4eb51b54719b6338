#include "pictures.hpp"

#include <algorithm>
#include <functional>

#include "summary.hpp"
#include "tinynn/experiment/chart.hpp"

namespace tinynn::experiment {

namespace {

// Each activation keeps its colour in every picture.
std::string activation_color(const std::string& activation) {
    const auto kind = nn::activation_from_name(activation);
    return chart::palette(kind ? static_cast<size_t>(*kind) : nn::activation_table().size());
}

chart::Axis axis(std::string label, bool log = false) {
    chart::Axis a;
    a.label = std::move(label);
    a.log = log;
    return a;
}

chart::Axis range_axis(std::string label, double min, double max) {
    chart::Axis a = axis(std::move(label));
    a.min = min;
    a.max = max;
    return a;
}

chart::LineChart panel_of(std::string title, chart::Axis y) {
    chart::LineChart panel;
    panel.title = std::move(title);
    panel.x = axis("epoch");
    panel.y = std::move(y);
    return panel;
}

chart::Series band_series(const std::string& name, const Curve& c, std::string color) {
    chart::Series s;
    s.name = name;
    s.x = c.epoch;
    s.y = c.mean;
    s.low = c.low;
    s.high = c.high;
    s.color = std::move(color);
    return s;
}

// The curve of `column`, its values times `scale`.
Curve scaled(Curve c, double scale) {
    for (std::vector<double>* values : {&c.mean, &c.low, &c.high})
        for (double& v : *values)
            v *= scale;
    return c;
}

chart::LineChart per_activation_panel(const CompareSummary& runs,
                                      const std::vector<std::string>& activations,
                                      const std::string& title, chart::Axis y,
                                      const std::string& column, double scale = 1) {
    chart::LineChart panel = panel_of(title, std::move(y));
    for (const std::string& a : activations) {
        const Curve c = scaled(runs.curve(a, column), scale);
        if (!c.epoch.empty())
            panel.series.push_back(band_series(a, c, activation_color(a)));
    }
    return panel;
}

Picture loss_curves(const CompareSummary& runs, const std::vector<std::string>& activations) {
    std::vector<chart::LineChart> panels;
    panels.push_back(per_activation_panel(runs, activations, "train loss",
                                          axis("loss (log scale)", true), "train_loss"));
    if (runs.has_test())
        panels.push_back(per_activation_panel(runs, activations, "test loss",
                                              axis("loss (log scale)", true), "test_loss"));
    if (runs.classification())
        panels.push_back(per_activation_panel(runs, activations, "test accuracy",
                                              range_axis("accuracy (fraction correct)", 0, 1),
                                              "test_accuracy"));
    return {"loss_curves.svg", "Loss curves",
            "Mean over the seeds, with the band from the lowest to the highest seed. A curve "
            "that stays flat early and drops late is waiting for its gradients to reach the "
            "first layers.",
            chart::line_charts("Loss per activation over training", panels, 2)};
}

// One panel per activation, one line per layer of its grid point's model:
// `column(shape, l)` is layer l's column of compare.csv, `name(shape, l)` its
// legend entry; `layers(shape)` counts them.
using LayerCount = std::function<size_t(const EpochDiagnostics&)>;
using LayerText = std::function<std::string(const EpochDiagnostics&, size_t)>;

std::vector<chart::LineChart> per_layer_panels(const CompareSummary& runs,
                                               const std::vector<std::string>& activations,
                                               const LayerCount& layers, const chart::Axis& y,
                                               const LayerText& column, const LayerText& name) {
    std::vector<chart::LineChart> panels;
    for (const std::string& a : activations) {
        chart::LineChart panel = panel_of(a, y);
        if (const EpochDiagnostics* shape = runs.diagnostics_shape(a))
            for (size_t l = 0; l < layers(*shape); ++l) {
                const Curve c = runs.curve(a, column(*shape, l));
                if (!c.epoch.empty())
                    panel.series.push_back(band_series(name(*shape, l), c, chart::palette(l)));
            }
        panels.push_back(std::move(panel));
    }
    return panels;
}

// The small multiples draw at most this many hidden layers of a model: the
// first, the last, and others spread evenly between.
constexpr size_t kShownLayers = 8;

// Which of `layers` hidden layers the small multiples draw, in order.
std::vector<size_t> shown_layers(size_t layers) {
    std::vector<size_t> out;
    const size_t shown = std::min(layers, kShownLayers);
    for (size_t k = 0; k < shown; ++k)
        out.push_back(shown == 1 ? 0 : k * (layers - 1) / (shown - 1));
    return out;
}

// A small multiple's title; its activation (and grid point) is its row's.
std::string layer_title(size_t layer) {
    return "hidden layer " + std::to_string(layer + 1);
}

size_t weights(const EpochDiagnostics& shape) {
    return shape.grad_norms.size();
}

size_t hidden_layers(const EpochDiagnostics& shape) {
    return shape.activations.size();
}

std::string linear_name(const EpochDiagnostics& shape, size_t l) {
    const std::string& weight = shape.grad_norms[l].name;
    std::string name = "Linear " + weight.substr(0, weight.find('.'));
    if (l == 0)
        name += " (first)";
    else if (l + 1 == shape.grad_norms.size())
        name += " (last)";
    return name;
}

std::string hidden_name(const EpochDiagnostics&, size_t l) {
    return "hidden layer " + std::to_string(l + 1);
}

Picture grad_norms(const CompareSummary& runs, const std::vector<std::string>& activations) {
    const auto panels = per_layer_panels(
        runs, activations, weights, axis("weight-gradient L2 norm (log scale)", true),
        [](const EpochDiagnostics& shape, size_t l) {
            return "grad_norm." + shape.grad_norms[l].name;
        },
        linear_name);
    return {
        "grad_norms.svg", "Gradient norm per layer",
        "The L2 norm of each Linear layer's weight gradient, averaged over an epoch's "
        "batches (mean over seeds, min-max band). Lines far apart on this log scale mean the "
        "first layers get orders of magnitude less gradient than the last: vanishing "
        "gradients.",
        chart::line_charts("Weight-gradient norm per layer, one panel per activation", panels, 2)};
}

Picture update_ratios(const CompareSummary& runs, const std::vector<std::string>& activations) {
    const auto panels = per_layer_panels(
        runs, activations, weights, axis("|update| / |weight| per step (log scale)", true),
        [](const EpochDiagnostics& shape, size_t l) {
            return "update_ratio." + shape.grad_norms[l].name;
        },
        linear_name);
    return {"update_ratios.svg", "Update-to-weight ratio per layer",
            "How far each optimiser step moves a Linear layer's weight, relative to the "
            "weight's size (Frobenius norms, mean over the epoch's steps and over seeds). "
            "Around 1e-3 is the usual healthy figure; a layer far below it barely learns, one "
            "far above it is being thrown about by its steps.",
            chart::line_charts("Update-to-weight ratio per layer, one panel per activation", panels,
                               2)};
}

// Small multiples: a row per activation, a column per hidden layer (at most
// kShownLayers: shown_layers of the deepest row's `layers_of`). `make(a, l,
// has)` is the panel of activation a's hidden layer l, where `has` says
// whether its model has that layer (a shallower row's extra panels stay empty).
template <class Panel>
std::vector<Panel> small_multiples(
    const std::vector<std::string>& activations,
    const std::function<size_t(const std::string&)>& layers_of,
    const std::function<Panel(const std::string&, size_t, bool)>& make, size_t& columns) {
    columns = 1;
    for (const std::string& a : activations)
        columns = std::max(columns, shown_layers(layers_of(a)).size());
    std::vector<Panel> panels;
    for (const std::string& a : activations) {
        const std::vector<size_t> shown = shown_layers(layers_of(a));
        for (size_t column = 0; column < columns; ++column)
            panels.push_back(
                make(a, column < shown.size() ? shown[column] : column, column < shown.size()));
    }
    return panels;
}

// Small multiples of a percentile band over training on the probe, from the
// columns "<low>.L", "<middle>.L" and "<high>.L" (each the mean over seeds).
std::vector<chart::LineChart> band_panels(const CompareSummary& runs,
                                          const std::vector<std::string>& activations,
                                          const std::string& y_label, const std::string& low_column,
                                          const std::string& middle_column,
                                          const std::string& high_column, size_t& columns) {
    const auto layers_of = [&](const std::string& a) {
        const EpochDiagnostics* shape = runs.diagnostics_shape(a);
        return shape ? shape->activations.size() : 0;
    };
    const auto make = [&](const std::string& a, size_t l, bool has) {
        chart::LineChart panel = panel_of(layer_title(l), axis(y_label));
        if (!has)
            return panel;
        const std::string& layer = runs.diagnostics_shape(a)->activations[l].layer;
        const Curve middle = runs.curve(a, middle_column + "." + layer);
        const Curve low = runs.curve(a, low_column + "." + layer);
        const Curve high = runs.curve(a, high_column + "." + layer);
        if (middle.epoch.empty() || low.epoch != middle.epoch || high.epoch != middle.epoch)
            return panel;
        chart::Series series;
        series.name = a;
        series.x = middle.epoch;
        series.y = middle.mean;
        series.low = low.mean;
        series.high = high.mean;
        series.color = activation_color(a);
        panel.series.push_back(std::move(series));
        return panel;
    };
    return small_multiples<chart::LineChart>(activations, layers_of, make, columns);
}

// Glorot & Bengio's fig. 3 and Ioffe & Szegedy's fig. 1 (b, c).
std::vector<Picture> distributions(const CompareSummary& runs,
                                   const std::vector<std::string>& activations) {
    size_t columns = 1;
    std::vector<Picture> out;
    const auto outputs = band_panels(runs, activations, "hidden output", "probe_p2", "probe_p50",
                                     "probe_p98", columns);
    out.push_back(
        {"distributions.svg", "Hidden outputs per layer over training",
         "Each hidden layer's outputs on the same probe rows at every epoch's end, in eval "
         "mode: the line is the median, the band runs from the 2nd to the 98th percentile "
         "(each the mean over seeds), as Glorot & Bengio's fig. 3. A sigmoid layer pressed "
         "against 0 or 1, or a tanh layer against ±1, is saturated; a band that narrows "
         "layer by layer means the signal is fading with depth.",
         chart::line_charts("Distribution of each hidden layer's outputs", outputs,
                            static_cast<int>(columns), activations)});
    const auto inputs = band_panels(runs, activations, "input to unit 0", "unit0_input_p15",
                                    "unit0_input_p50", "unit0_input_p85", columns);
    out.push_back(
        {"unit_inputs.svg", "One unit's input over training",
         "The input of each hidden layer's first unit (its pre-activation) on the probe rows: "
         "the median, with the band from the 15th to the 85th percentile, as Ioffe & "
         "Szegedy's fig. 1 (b, c). A median that drifts far from 0 pushes a sigmoid or tanh "
         "into saturation; with BatchNorm1d before the activation it stays put.",
         chart::line_charts("Input of each hidden layer's first unit", inputs,
                            static_cast<int>(columns), activations)});
    return out;
}

// Small multiples of heat maps: the first run's histograms over epochs, from `of`.
std::vector<chart::HeatMap> heat_panels(
    const CompareSummary& runs, const std::vector<std::string>& activations,
    const std::function<const std::vector<Histogram>&(const LayerHistograms&)>& of,
    size_t& columns) {
    const auto layers_of = [&](const std::string& a) { return runs.histograms(a).size(); };
    const auto make = [&](const std::string& a, size_t l, bool has) {
        chart::HeatMap map;
        map.title = layer_title(l);
        if (!has)
            return map;
        const LayerHistograms& h = runs.histograms(a)[l];
        const std::vector<Histogram>& histograms = of(h);
        for (size_t e = 0; e < h.epochs.size() && e < histograms.size(); ++e) {
            const Histogram& bins = histograms[e];
            if (bins.counts.empty())
                continue;
            // Each epoch's column reaches to the next recorded epoch.
            const auto x = static_cast<double>(h.epochs[e]);
            const double next =
                e + 1 < h.epochs.size() ? static_cast<double>(h.epochs[e + 1]) : x + 1;
            map.columns.push_back(
                {.x_low = x,
                 .x_high = next,
                 .y_low = bins.low,
                 .y_high = bins.high,
                 .counts = std::vector<double>(bins.counts.begin(), bins.counts.end())});
        }
        return map;
    };
    return small_multiples<chart::HeatMap>(activations, layers_of, make, columns);
}

std::vector<Picture> histogram_pictures(const CompareSummary& runs,
                                        const std::vector<std::string>& activations) {
    size_t columns = 1;
    std::vector<Picture> out;
    const auto outputs = heat_panels(
        runs, activations, [](const LayerHistograms& h) -> const auto& { return h.outputs; },
        columns);
    out.push_back({"output_histograms.svg", "Histograms of hidden outputs over training",
                   "Each column is one epoch's histogram of a hidden layer's outputs on the probe "
                   "rows (eval mode; the first seed's run), darker where more outputs fall, as "
                   "Glorot & Bengio's fig. 6 over time. Mass piling up at an asymptote is "
                   "saturation; a column shrinking to a line is a layer whose units all agree.",
                   chart::heat_maps("Hidden outputs per layer", outputs, "epoch", "output",
                                    static_cast<int>(columns), activations)});
    const auto gradients = heat_panels(
        runs, activations, [](const LayerHistograms& h) -> const auto& { return h.gradients; },
        columns);
    out.push_back({"gradient_histograms.svg", "Histograms of back-propagated gradients",
                   "Each column is one epoch's histogram of the probe loss's gradient with respect "
                   "to a hidden layer's input (the pre-activation; the first seed's run), as "
                   "Glorot & Bengio's fig. 7 over time. A range that shrinks from the last hidden "
                   "layer to the first is a vanishing gradient.",
                   chart::heat_maps("Back-propagated gradients per layer", gradients, "epoch",
                                    "gradient", static_cast<int>(columns), activations)});
    const auto firing = heat_panels(
        runs, activations, [](const LayerHistograms& h) -> const auto& { return h.firing; },
        columns);
    out.push_back({"firing.svg", "How often each unit fires",
                   "Each column is one epoch's histogram over a hidden layer's units of how often "
                   "each fires (its input is positive) on the probe rows (the first seed's run), "
                   "as Maas et al. 2013 measure it. Units at 0 never fire: for ReLU they are dead. "
                   "Units at 1 always fire and act linearly.",
                   chart::heat_maps("Units' firing frequency per layer", firing, "epoch",
                                    "firing frequency", static_cast<int>(columns), activations)});
    return out;
}

Picture unit_health(const CompareSummary& runs, const std::vector<std::string>& activations) {
    std::vector<std::string> gated, squashing;
    for (const std::string& a : activations) {
        const auto kind = nn::activation_from_name(a);
        const auto health = kind ? nn::activation_info(*kind).health : nn::UnitHealth::none;
        if (health == nn::UnitHealth::dead_output || health == nn::UnitHealth::dead_input)
            gated.push_back(a);
        else if (health == nn::UnitHealth::saturated || health == nn::UnitHealth::saturated_low)
            squashing.push_back(a);
    }
    std::vector<chart::LineChart> panels;
    if (!gated.empty())
        panels.push_back(per_activation_panel(runs, gated, "dead units (ReLU, LeakyReLU)",
                                              range_axis("hidden units (%)", 0, 100),
                                              "dead_fraction", 100));
    if (!squashing.empty())
        panels.push_back(per_activation_panel(runs, squashing, "saturated outputs (sigmoid, tanh)",
                                              range_axis("hidden outputs (%)", 0, 100),
                                              "saturated_fraction", 100));
    return {"unit_health.svg", "Dead and saturated units",
            "Left: the share of ReLU units whose output was 0 for every sample of the epoch "
            "(dead: no gradient passes them, so they never recover), and of LeakyReLU units "
            "whose input was negative for every sample (they still pass a small gradient). "
            "Right: the share of sigmoid/tanh outputs within 2 % of the output range from an "
            "asymptote, where the derivative is under 8 % of its peak.",
            chart::line_charts("Dead and saturated hidden units", panels, 2)};
}

Picture activation_means(const CompareSummary& runs, const std::vector<std::string>& activations) {
    const auto panels = per_layer_panels(
        runs, activations, hidden_layers, axis("mean hidden output"),
        [](const EpochDiagnostics& shape, size_t l) {
            return "activation_mean." + shape.activations[l].layer;
        },
        hidden_name);
    return {"activation_means.svg", "Mean hidden output",
            "The mean of each hidden layer's outputs over the epoch. Sigmoid's are always "
            "positive (not zero-centred), so every weight into a unit gets a gradient of the "
            "same sign; tanh's stay near zero.",
            chart::line_charts("Mean output of each hidden layer, one panel per activation", panels,
                               2)};
}

// The loss curves as small multiples along the grid's axes: with one axis a
// panel per value; with more, a row per value of the first axis and a
// column per combination of the others. Each panel has a line per
// activation, so where training stalls shows at a glance.
Picture grid_curves(const CompareSummary& runs, const Config& config) {
    const CompareConfig& compare = config.compare;
    std::vector<std::string> rows, columns;
    std::vector<std::pair<size_t, size_t>> place;  // each point's row and column
    const auto index_of = [](std::vector<std::string>& labels, const std::string& label) {
        const auto at = std::find(labels.begin(), labels.end(), label);
        if (at != labels.end())
            return static_cast<size_t>(at - labels.begin());
        labels.push_back(label);
        return labels.size() - 1;
    };
    const bool one_axis = compare.grid.size() == 1;
    for (const GridPoint& point : compare.grid_points) {
        std::string row = one_axis ? "" : compare.grid[0].key + "=" + point.values[0];
        std::string column;
        for (size_t i = one_axis ? 0 : 1; i < point.values.size(); ++i)
            column += (column.empty() ? "" : ", ") + compare.grid[i].key + "=" + point.values[i];
        place.emplace_back(index_of(rows, row), index_of(columns, column));
    }
    const std::string column_name = runs.has_test() ? "test_loss" : "train_loss";
    std::vector<chart::LineChart> panels(rows.size() * columns.size());
    for (size_t r = 0; r < rows.size(); ++r)
        for (size_t c = 0; c < columns.size(); ++c)
            panels[r * columns.size() + c] = panel_of(
                columns[c],
                axis(runs.has_test() ? "test loss (log scale)" : "train loss (log scale)", true));
    for (size_t point = 0; point < place.size(); ++point) {
        chart::LineChart& panel = panels[place[point].first * columns.size() + place[point].second];
        for (const nn::Activation a : compare.activations) {
            const std::string name(nn::activation_name(a));
            const Curve curve = runs.curve(runs.name(a, point), column_name);
            if (!curve.epoch.empty())
                panel.series.push_back(band_series(name, curve, activation_color(name)));
        }
    }
    return {"grid.svg", "Loss along the grid's axes",
            "One panel per grid point, one line per activation (mean over the seeds, min-max "
            "band): rows follow the grid's first key, columns the others. A panel whose lines "
            "stay flat is a setting where training stalls.",
            chart::line_charts("Loss per grid point", panels,
                               static_cast<int>(std::max<size_t>(columns.size(), 1)),
                               one_axis ? std::vector<std::string>{} : rows)};
}

}  // namespace

std::vector<Picture> make_pictures(const CompareSummary& runs, const Config& config) {
    const std::vector<std::string> activations = runs.activations();
    std::vector<Picture> pictures{loss_curves(runs, activations)};
    if (!config.compare.grid_points.empty())
        pictures.push_back(grid_curves(runs, config));
    if (const EpochDiagnostics* shape = runs.diagnostics_shape()) {
        pictures.push_back(grad_norms(runs, activations));
        pictures.push_back(update_ratios(runs, activations));
        pictures.push_back(unit_health(runs, activations));
        pictures.push_back(activation_means(runs, activations));
        const bool probed = !shape->activations.empty() && shape->activations.front().probe;
        if (probed) {
            for (Picture& p : distributions(runs, activations))
                pictures.push_back(std::move(p));
            for (Picture& p : histogram_pictures(runs, activations))
                pictures.push_back(std::move(p));
        }
    }
    if (!runs.boundaries().empty())
        pictures.push_back({"decision_boundary.svg", "Decision boundaries",
                            "The class each activation's model predicts over the input plane after "
                            "training (paler: less confident), with the training points on top.",
                            chart::class_maps("Decision boundary per activation", runs.boundaries(),
                                              runs.classes(), "feature 1", "feature 2", 2)});
    return pictures;
}

}  // namespace tinynn::experiment
