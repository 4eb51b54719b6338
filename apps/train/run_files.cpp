#include "apps/train/run_files.hpp"

#include <charconv>

#include "io/atomic_file.hpp"

namespace tinynn::app {

void append_number(std::string& out, std::optional<double> value) {
    if (!value)
        return;
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *value);
    out.append(buffer, end);
}

CsvColumns diagnostic_columns(const EpochDiagnostics& d) {
    CsvColumns columns;
    for (const GradNorm& g : d.grad_norms)
        columns.emplace_back("grad_norm." + g.name, g.norm);
    for (const ActivationStats& a : d.activations) {
        const std::string layer = std::to_string(a.layer);
        columns.emplace_back("dead_fraction." + layer, a.dead_fraction);
        columns.emplace_back("saturated_fraction." + layer, a.saturated_fraction);
        columns.emplace_back("activation_mean." + layer, a.mean);
    }
    columns.emplace_back("dead_fraction", d.dead_fraction);
    columns.emplace_back("saturated_fraction", d.saturated_fraction);
    return columns;
}

std::string metrics_csv(const TrainResult& result, bool has_test, bool classification) {
    std::string out = "epoch,train_loss";
    if (has_test)
        out += classification ? ",test_loss,test_accuracy" : ",test_loss";
    const bool diagnostics = !result.history.empty() && result.history.front().diagnostics;
    if (diagnostics)
        for (const auto& [name, value] : diagnostic_columns(*result.history.front().diagnostics))
            out += ',' + name;
    out += '\n';
    for (const EpochMetrics& m : result.history) {
        out += std::to_string(m.epoch);
        out += ',';
        append_number(out, m.train_loss);
        if (has_test) {
            out += ',';
            append_number(out, m.test_loss.value_or(0));
            if (classification) {
                out += ',';
                append_number(out, m.test_accuracy.value_or(0));
            }
        }
        if (diagnostics)
            for (const auto& [name, value] : diagnostic_columns(*m.diagnostics)) {
                out += ',';
                append_number(out, value);
            }
        out += '\n';
    }
    return out;
}

void write_text_file(const std::filesystem::path& path, const std::string& text) {
    detail::write_file_atomically(path, text);
}

}  // namespace tinynn::app
