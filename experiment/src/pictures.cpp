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

// One panel per activation, one line per layer: `column(l)` is layer l's
// column of compare.csv, `name(l)` its legend entry.
std::vector<chart::LineChart> per_layer_panels(const CompareSummary& runs,
                                               const std::vector<std::string>& activations,
                                               size_t layers, const chart::Axis& y,
                                               const std::function<std::string(size_t)>& column,
                                               const std::function<std::string(size_t)>& name) {
    std::vector<chart::LineChart> panels;
    for (const std::string& a : activations) {
        chart::LineChart panel = panel_of(a, y);
        for (size_t l = 0; l < layers; ++l) {
            const Curve c = runs.curve(a, column(l));
            if (!c.epoch.empty())
                panel.series.push_back(band_series(name(l), c, chart::palette(l)));
        }
        panels.push_back(std::move(panel));
    }
    return panels;
}

Picture grad_norms(const CompareSummary& runs, const std::vector<std::string>& activations,
                   const EpochDiagnostics& shape) {
    const size_t layers = shape.grad_norms.size();
    const auto panels = per_layer_panels(
        runs, activations, layers, axis("weight-gradient L2 norm (log scale)", true),
        [&](size_t l) { return "grad_norm." + shape.grad_norms[l].name; },
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

Picture activation_means(const CompareSummary& runs, const std::vector<std::string>& activations,
                         const EpochDiagnostics& shape) {
    const auto panels = per_layer_panels(
        runs, activations, shape.activations.size(), axis("mean hidden output"),
        [&](size_t l) { return "activation_mean." + shape.activations[l].layer; },
        [](size_t l) { return "hidden layer " + std::to_string(l + 1); });
    return {"activation_means.svg", "Mean hidden output",
            "The mean of each hidden layer's outputs over the epoch. Sigmoid's are always "
            "positive (not zero-centred), so every weight into a unit gets a gradient of the "
            "same sign; tanh's stay near zero.",
            chart::line_charts("Mean output of each hidden layer, one panel per activation", panels,
                               2)};
}

}  // namespace

std::vector<Picture> make_pictures(const CompareSummary& runs) {
    const std::vector<std::string> activations = runs.activations();
    std::vector<Picture> pictures{loss_curves(runs, activations)};
    if (const EpochDiagnostics* shape = runs.diagnostics_shape()) {
        pictures.push_back(grad_norms(runs, activations, *shape));
        pictures.push_back(unit_health(runs, activations));
        pictures.push_back(activation_means(runs, activations, *shape));
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
