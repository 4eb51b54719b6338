#include "serve/events.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "tinynn/experiment/runs.hpp"

namespace tinynn::cli::serve {

namespace {

using nlohmann::json;

json optional_number(std::optional<double> value) {
    return value && std::isfinite(*value) ? json(*value) : json(nullptr);
}

}  // namespace

std::string start_event(const experiment::Config& config, const std::string& dir,
                        const std::string& yaml) {
    json runs = json::array();
    for (const experiment::RunSpec& spec : experiment::run_specs(config))
        runs.push_back({{"activation", std::string(nn::activation_name(spec.activation))},
                        {"seed", spec.seed},
                        {"point", spec.point}});
    json points = json::array();
    for (const std::string& label : experiment::grid_labels(config))
        points.push_back(label);
    return json{{"type", "start"},  {"epochs", config.training.epochs},
                {"points", points}, {"runs", runs},
                {"dir", dir},       {"yaml", yaml}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string epoch_event(size_t run, const experiment::EpochMetrics& m) {
    json event{{"type", "epoch"},
               {"run", run},
               {"epoch", m.epoch},
               {"train_loss", optional_number(m.train_loss)},
               {"test_loss", optional_number(m.test_loss)},
               {"test_accuracy", optional_number(m.test_accuracy)}};
    json grads = json::array(), layers = json::array();
    if (const auto& d = m.diagnostics) {
        for (const experiment::GradNorm& g : d->grad_norms)
            grads.push_back({{"name", g.name}, {"norm", optional_number(g.norm)}});
        for (const experiment::ActivationStats& a : d->activations) {
            json layer{{"layer", a.layer},
                       {"activation", std::string(nn::activation_name(a.kind))},
                       {"dead", optional_number(a.dead_fraction)},
                       {"saturated", optional_number(a.saturated_fraction)},
                       {"mean", optional_number(a.mean)}};
            if (const auto& p = a.probe) {
                layer["std"] = optional_number(p->std);
                layer["p2"] = optional_number(p->p2);
                layer["p50"] = optional_number(p->p50);
                layer["p98"] = optional_number(p->p98);
            }
            layers.push_back(std::move(layer));
        }
        event["dead"] = optional_number(d->dead_fraction);
        event["saturated"] = optional_number(d->saturated_fraction);
    }
    event["grad_norms"] = std::move(grads);
    event["layers"] = std::move(layers);
    return event.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string boundary_event(size_t run, int64_t epoch, const experiment::chart::ClassMap& map) {
    json points = json::array();
    for (const experiment::chart::Point& p : map.points)
        points.push_back({p.x, p.y, p.label});
    json confidence = json::array();
    // Two decimals are all a colour's shade shows, and a third of the bytes.
    for (const float c : map.confidence)
        confidence.push_back(std::round(c * 100.0f) / 100.0f);
    return json{{"type", "boundary"},
                {"run", run},
                {"epoch", epoch},
                {"x_min", map.x_min},
                {"x_max", map.x_max},
                {"y_min", map.y_min},
                {"y_max", map.y_max},
                {"nx", map.nx},
                {"ny", map.ny},
                {"predicted", map.predicted},
                {"confidence", confidence},
                {"points", points}}
        .dump();
}

std::string end_event(const std::string& state, const std::string& message) {
    return json{{"type", "end"}, {"state", state}, {"message", message}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
}

}  // namespace tinynn::cli::serve
