#include "apps/compare/pictures.hpp"

#include <algorithm>
#include <array>
#include <functional>

#include "apps/compare/chart.hpp"
#include "apps/compare/summary.hpp"

namespace tinynn::app {

namespace {

// Each activation keeps its colour in every picture.
std::string activation_color(const std::string& activation) {
    constexpr std::array<const char*, 4> kKnown{"sigmoid", "tanh", "relu", "leaky_relu"};
    const auto it = std::find(kKnown.begin(), kKnown.end(), activation);
    return chart::palette(static_cast<size_t>(it - kKnown.begin()));
}

std::vector<std::string> activations_of(const std::vector<RunOutcome>& runs) {
    std::vector<std::string> names;
    for (const RunOutcome& r : runs)
        if (std::find(names.begin(), names.end(), r.spec.activation) == names.end())
            names.push_back(r.spec.activation);
    return names;
}

const EpochDiagnostics* any_diagnostics(const std::vector<RunOutcome>& runs) {
    for (const RunOutcome& r : runs)
        if (!r.result.history.empty() && r.result.history.front().diagnostics)
            return &*r.result.history.front().diagnostics;
    return nullptr;
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

chart::LineChart per_activation_panel(const std::vector<RunOutcome>& runs,
                                      const std::vector<std::string>& activations,
                                      const std::string& title, chart::Axis y,
                                      const MetricOf& metric) {
    chart::LineChart panel = panel_of(title, std::move(y));
    for (const std::string& a : activations) {
        const Curve c = curve(runs, a, metric);
        if (!c.epoch.empty())
            panel.series.push_back(band_series(a, c, activation_color(a)));
    }
    return panel;
}

Picture loss_curves(const std::vector<RunOutcome>& runs,
                    const std::vector<std::string>& activations) {
    std::vector<chart::LineChart> panels;
    panels.push_back(per_activation_panel(
        runs, activations, "train loss", axis("loss (log scale)", true),
        [](const EpochMetrics& m) -> std::optional<double> { return m.train_loss; }));
    const bool has_test = std::any_of(runs.begin(), runs.end(), [](const RunOutcome& r) {
        return !r.result.history.empty() && r.result.history.front().test_loss;
    });
    const bool classification = std::any_of(runs.begin(), runs.end(), [](const RunOutcome& r) {
        return !r.result.history.empty() && r.result.history.front().test_accuracy;
    });
    if (has_test)
        panels.push_back(per_activation_panel(runs, activations, "test loss",
                                              axis("loss (log scale)", true),
                                              [](const EpochMetrics& m) { return m.test_loss; }));
    if (classification)
        panels.push_back(per_activation_panel(
            runs, activations, "test accuracy", range_axis("accuracy (fraction correct)", 0, 1),
            [](const EpochMetrics& m) { return m.test_accuracy; }));
    return {"loss_curves.svg", "Loss curves",
            "Mean over the seeds, with the band from the lowest to the highest seed. A curve "
            "that stays flat early and drops late is waiting for its gradients to reach the "
            "first layers.",
            chart::line_charts("Loss per activation over training", panels, 2)};
}

// One panel per activation, one line per layer: `value(m, l)` is layer l's
// metric in epoch m, `name(l)` its legend entry.
std::vector<chart::LineChart> per_layer_panels(
    const std::vector<RunOutcome>& runs, const std::vector<std::string>& activations, size_t layers,
    const chart::Axis& y,
    const std::function<std::optional<double>(const EpochDiagnostics&, size_t)>& value,
    const std::function<std::string(size_t)>& name) {
    std::vector<chart::LineChart> panels;
    for (const std::string& a : activations) {
        chart::LineChart panel = panel_of(a, y);
        for (size_t l = 0; l < layers; ++l) {
            const Curve c = curve(runs, a, [&value, l](const EpochMetrics& m) {
                return m.diagnostics ? value(*m.diagnostics, l) : std::nullopt;
            });
            if (!c.epoch.empty())
                panel.series.push_back(band_series(name(l), c, chart::palette(l)));
        }
        panels.push_back(std::move(panel));
    }
    return panels;
}

Picture grad_norms(const std::vector<RunOutcome>& runs, const std::vector<std::string>& activations,
                   const EpochDiagnostics& shape) {
    const size_t layers = shape.grad_norms.size();
    const auto panels = per_layer_panels(
        runs, activations, layers, axis("weight-gradient L2 norm (log scale)", true),
        [](const EpochDiagnostics& d, size_t l) -> std::optional<double> {
            if (l >= d.grad_norms.size())
                return std::nullopt;
            return d.grad_norms[l].norm;
        },
        [&](size_t l) {
            const std::string& weight = shape.grad_norms[l].name;
            std::string name = "Linear " + weight.substr(0, weight.find('.'));
            if (l == 0)
                name += " (first)";
            else if (l + 1 == layers)
                name += " (last)";
            return name;
        });
    return {
        "grad_norms.svg", "Gradient norm per layer",
        "The L2 norm of each Linear layer's weight gradient, averaged over an epoch's "
        "batches (mean over seeds, min-max band). Lines far apart on this log scale mean the "
        "first layers get orders of magnitude less gradient than the last: vanishing "
        "gradients.",
        chart::line_charts("Weight-gradient norm per layer, one panel per activation", panels, 2)};
}

Picture unit_health(const std::vector<RunOutcome>& runs,
                    const std::vector<std::string>& activations) {
    std::vector<std::string> gated, squashing;
    for (const std::string& a : activations)
        (a == "relu" || a == "leaky_relu" ? gated : squashing).push_back(a);
    const auto percent = [](std::optional<double> EpochDiagnostics::*field) {
        return [field](const EpochMetrics& m) -> std::optional<double> {
            if (!m.diagnostics || !(*m.diagnostics.*field))
                return std::nullopt;
            return 100 * *(*m.diagnostics.*field);
        };
    };
    std::vector<chart::LineChart> panels;
    if (!gated.empty())
        panels.push_back(per_activation_panel(runs, gated, "dead units (ReLU, LeakyReLU)",
                                              range_axis("hidden units (%)", 0, 100),
                                              percent(&EpochDiagnostics::dead_fraction)));
    if (!squashing.empty())
        panels.push_back(per_activation_panel(runs, squashing, "saturated outputs (sigmoid, tanh)",
                                              range_axis("hidden outputs (%)", 0, 100),
                                              percent(&EpochDiagnostics::saturated_fraction)));
    return {"unit_health.svg", "Dead and saturated units",
            "Left: the share of ReLU units whose output was 0 for every sample of the epoch "
            "(dead: no gradient passes them, so they never recover), and of LeakyReLU units "
            "whose input was negative for every sample (they still pass a small gradient). "
            "Right: the share of sigmoid/tanh outputs within 2 % of the output range from an "
            "asymptote, where the derivative is under 8 % of its peak.",
            chart::line_charts("Dead and saturated hidden units", panels, 2)};
}

Picture activation_means(const std::vector<RunOutcome>& runs,
                         const std::vector<std::string>& activations,
                         const EpochDiagnostics& shape) {
    const auto panels = per_layer_panels(
        runs, activations, shape.activations.size(), axis("mean hidden output"),
        [](const EpochDiagnostics& d, size_t l) -> std::optional<double> {
            if (l >= d.activations.size())
                return std::nullopt;
            return d.activations[l].mean;
        },
        [](size_t l) { return "hidden layer " + std::to_string(l + 1); });
    return {"activation_means.svg", "Mean hidden output",
            "The mean of each hidden layer's outputs over the epoch. Sigmoid's are always "
            "positive (not zero-centred), so every weight into a unit gets a gradient of the "
            "same sign; tanh's stay near zero.",
            chart::line_charts("Mean output of each hidden layer, one panel per activation", panels,
                               2)};
}

std::optional<Picture> decision_boundaries(const std::vector<RunOutcome>& runs,
                                           const std::vector<std::string>& activations) {
    std::vector<chart::ClassMap> maps;
    int classes = 0;
    for (const std::string& a : activations)
        for (const RunOutcome& r : runs)
            if (r.spec.activation == a && r.boundary) {  // the first seed's run
                chart::ClassMap map = *r.boundary;
                map.title = a + " (seed " + std::to_string(r.spec.seed) + ")";
                maps.push_back(std::move(map));
                classes = std::max(classes, static_cast<int>(r.classes));
                break;
            }
    if (maps.empty())
        return std::nullopt;
    return Picture{"decision_boundary.svg", "Decision boundaries",
                   "The class each activation's model predicts over the input plane after "
                   "training (paler: less confident), with the training points on top.",
                   chart::class_maps("Decision boundary per activation", maps, classes, "feature 1",
                                     "feature 2", 2)};
}

}  // namespace

std::vector<Picture> make_pictures(const std::vector<RunOutcome>& runs) {
    const std::vector<std::string> activations = activations_of(runs);
    std::vector<Picture> pictures{loss_curves(runs, activations)};
    if (const EpochDiagnostics* shape = any_diagnostics(runs)) {
        pictures.push_back(grad_norms(runs, activations, *shape));
        pictures.push_back(unit_health(runs, activations));
        pictures.push_back(activation_means(runs, activations, *shape));
    }
    if (auto boundaries = decision_boundaries(runs, activations))
        pictures.push_back(std::move(*boundaries));
    return pictures;
}

}  // namespace tinynn::app
