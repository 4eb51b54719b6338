#include "compare_files.hpp"

#include <cmath>
#include <sstream>

#include "tinynn/experiment/run_files.hpp"

namespace tinynn::experiment {

namespace {

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i)
        out += (i ? separator : "") + parts[i];
    return out;
}

std::string arrow(const std::optional<Stat>& from, const std::optional<Stat>& to) {
    return format_number(from ? std::optional(from->mean) : std::nullopt) + " → " +
           format_number(to ? std::optional(to->mean) : std::nullopt);
}

// An empty cell for a number that is not there or not finite (a mean that
// overflowed), as the run files never hold nan or inf.
void append_cell(std::string& out, std::optional<double> value) {
    out += ',';
    if (value && std::isfinite(*value))
        append_number(out, value);
}

void append_stat(std::string& out, const std::optional<Stat>& stat) {
    append_cell(out, stat ? std::optional(stat->mean) : std::nullopt);
    append_cell(out, stat ? std::optional(stat->std) : std::nullopt);
}

void append_place(std::string& out, const Place& place) {
    out += ',';
    if (place.rank)
        out += std::to_string(place.rank);
    append_cell(out, place.p);
    out += ',';
    if (place.tied_with_first)
        out += *place.tied_with_first ? "true" : "false";
}

// "2", "2 (tied)" when the seeds cannot tell it from the first, "–" unranked.
std::string place_text(const Place& place) {
    if (!place.rank)
        return "–";
    return std::to_string(place.rank) +
           (place.rank > 1 && place.tied_with_first.value_or(false) ? " (tied)" : "");
}

}  // namespace

std::string csv_field(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos)
        return std::string(text);
    std::string out = "\"";
    for (const char c : text)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + '"';
}

std::string summary_csv(const Config& config, const std::vector<ActivationSummary>& summaries,
                        bool held_out) {
    std::string out;
    for (const GridAxis& axis : config.compare.grid)
        out += csv_field(axis.key) + ',';
    out +=
        "activation,runs,diverged,loss,final_mean,final_std,best_mean,best_std,best_epoch_mean,"
        "best_epoch_std,rank,p_vs_first,tied_with_first,best_rank,best_p_vs_first,"
        "best_tied_with_first,overfitted_runs\n";
    for (const ActivationSummary& s : summaries) {
        if (!config.compare.grid_points.empty())
            for (const std::string& value : config.compare.grid_points.at(s.point).values)
                out += csv_field(value) + ',';
        out += std::string(nn::activation_name(s.kind)) + ',' + std::to_string(s.runs) + ',' +
               std::to_string(s.diverged) + (held_out ? ",test_loss" : ",train_loss");
        append_stat(out, s.final_loss);
        append_stat(out, s.best_loss);
        append_stat(out, s.best_epoch);
        append_place(out, s.final_place);
        append_place(out, s.best_place);
        out += ',';
        if (held_out)
            out += std::to_string(s.overfitted);
        out += '\n';
    }
    return out;
}

std::string compare_csv_header(const Config& config, const std::vector<std::string>& diagnostics) {
    std::string out;
    for (const GridAxis& axis : config.compare.grid)
        out += csv_field(axis.key) + ',';
    out += "activation,seed,epoch,train_loss,test_loss,test_accuracy,lr";
    for (const std::string& name : diagnostics)
        out += ',' + name;
    out += '\n';
    return out;
}

std::string compare_csv_cells(const Config& config, const RunSpec& spec, const EpochMetrics& m) {
    std::string out;
    if (!config.compare.grid_points.empty())
        for (const std::string& value : config.compare.grid_points.at(spec.point).values)
            out += csv_field(value) + ',';
    out += std::string(nn::activation_name(spec.activation)) + ',' + std::to_string(spec.seed) +
           ',' + std::to_string(m.epoch) + ',';
    append_number(out, m.train_loss);
    out += ',';
    append_number(out, m.test_loss);
    out += ',';
    append_number(out, m.test_accuracy);
    out += ',';
    append_number(out, m.lr);
    return out;
}

std::string describe_setup(const Config& c) {
    std::ostringstream s;
    s << "data " << c.data.kind;
    if (c.data.kind == "csv")
        s << " (" << c.data.path.filename().string() << ")";
    else
        s << " (" << c.data.samples << " samples, noise " << c.data.noise << ")";
    s << "; model ";
    if (!c.model.layers_given) {
        std::vector<std::string> widths;
        for (int64_t w : c.model.hidden)
            widths.push_back(std::to_string(w));
        s << c.model.kind << " hidden [" << join(widths, ", ") << "], init "
          << models::init_name(c.model.init);
        if (c.model.bias_init)
            s << ", biases " << *c.model.bias_init;
    } else {
        s << c.model.layers.size() << " listed layers";
    }
    s << "; loss " << loss_name(c.loss) << "; " << optimizer_name(c.optimizer.kind) << " lr "
      << learning_rate(c.optimizer);
    if (c.optimizer.kind == OptimizerKind::sgd && c.optimizer.momentum != 0)
        s << " momentum " << c.optimizer.momentum;
    if (c.scheduler.kind != SchedulerKind::none)
        s << ", " << scheduler_name(c.scheduler.kind) << " schedule";
    s << "; " << c.training.epochs << " epochs, batch " << c.training.batch_size << "; seeds [";
    std::vector<std::string> seeds;
    for (uint64_t seed : c.compare.seeds)
        seeds.push_back(std::to_string(seed));
    // The spread over seeds is then the initialisation's alone.
    s << join(seeds, ", ") << "] (each draws the initial weights and the shuffling; the data "
      << "and its split are those of seed " << c.seed << ")";
    return s.str();
}

std::vector<std::string> summary_header(const Config& c) {
    return {"activation",
            "train loss",
            "test loss",
            "test accuracy",
            c.compare.target_loss ? "epochs to loss ≤ " + format_number(*c.compare.target_loss)
                                  : "epochs to target",
            "first-layer grad norm, epoch 1 → end",
            "last-layer grad norm, epoch 1 → end",
            "dead units",
            "saturated outputs",
            "mean hidden output, first / last layer",
            "best loss, at epoch",
            "rank, final / best"};
}

std::vector<std::vector<std::string>> summary_rows(
    const Config& c, const std::vector<ActivationSummary>& summaries) {
    std::vector<std::vector<std::string>> rows;
    for (const ActivationSummary& s : summaries) {
        std::string target = c.compare.target_loss ? format_stat(s.epochs_to_target) : "–";
        if (c.compare.target_loss && s.reached_target < s.runs)
            target +=
                " (" + std::to_string(s.reached_target) + "/" + std::to_string(s.runs) + " runs)";
        std::string loss = format_stat(s.train_loss);
        if (s.diverged)
            loss += " (" + std::to_string(s.diverged) + " diverged)";
        rows.push_back({s.activation, loss, format_stat(s.test_loss), format_stat(s.test_accuracy),
                        target, arrow(s.first_grad_start, s.first_grad_end),
                        arrow(s.last_grad_start, s.last_grad_end),
                        s.dead_end ? format_percent(s.dead_end) : "–",
                        s.saturated_end ? format_percent(s.saturated_end) : "–",
                        format_stat(s.first_mean_end, 2) + " / " + format_stat(s.last_mean_end, 2),
                        format_stat(s.best_loss) + " at " + format_stat(s.best_epoch, 2),
                        place_text(s.final_place) + " / " + place_text(s.best_place)});
    }
    return rows;
}

std::string summary_markdown(const Config& config, const std::vector<ActivationSummary>& summaries,
                             const std::vector<std::string>& findings) {
    std::ostringstream md;
    md << "# Activation comparison: " << config.name << "\n\n"
       << describe_setup(config) << ".\n\n## What the runs show\n\n";
    for (const std::string& line : findings)
        md << "- " << line << '\n';
    md << "\n## Summary\n\nMean ± sample standard deviation over the seeds, at each run's last "
          "epoch unless the column says otherwise; runs that diverged are counted, not averaged "
          "("
       << kNoValue
       << ": no run to average). Dead units: ReLU units whose output was 0 for "
          "every sample of the epoch (LeakyReLU: whose input was negative for every sample). "
          "Saturated outputs: sigmoid/tanh outputs within 2 % of the output range from an "
          "asymptote. "
       << kRankNote << "\n\n";
    const std::vector<std::string> header = summary_header(config);
    md << "| " << join(header, " | ") << " |\n|";
    for (size_t i = 0; i < header.size(); ++i)
        md << (i ? " ---: |" : " --- |");
    md << '\n';
    for (const auto& row : summary_rows(config, summaries))
        md << "| " << join(row, " | ") << " |\n";
    return md.str();
}

}  // namespace tinynn::experiment
