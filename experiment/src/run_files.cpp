#include "tinynn/experiment/run_files.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <string>

#include "io/atomic_file.hpp"
#include "output_file.hpp"
#include "tinynn/error.hpp"
#include "tinynn/experiment/preprocessing.hpp"
#include "tinynn/serialize.hpp"

namespace tinynn::experiment {

void append_number(std::string& out, std::optional<double> value) {
    if (!value)
        return;
    if (!std::isfinite(*value))
        throw Error("a metric is " + std::to_string(*value) +
                    "; only finite numbers are written to a run's files");
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *value);
    out.append(buffer, end);
}

CsvColumns diagnostic_columns(const EpochDiagnostics& d) {
    CsvColumns columns;
    for (const GradNorm& g : d.grad_norms)
        columns.emplace_back("grad_norm." + g.name, g.norm);
    for (const GradNorm& g : d.grad_norms)
        columns.emplace_back("update_ratio." + g.name, g.update_ratio);
    for (const ActivationStats& a : d.activations) {
        const std::string& layer = a.layer;
        columns.emplace_back("dead_fraction." + layer, a.dead_fraction);
        columns.emplace_back("saturated_fraction." + layer, a.saturated_fraction);
        columns.emplace_back("activation_mean." + layer, a.mean);
        if (const std::optional<ProbeStats>& p = a.probe)
            for (const auto& [name, value] : {std::pair{"probe_mean.", p->mean},
                                              {"probe_std.", p->std},
                                              {"probe_p2.", p->p2},
                                              {"probe_p50.", p->p50},
                                              {"probe_p98.", p->p98},
                                              {"unit0_input_p15.", p->unit0_input_p15},
                                              {"unit0_input_p50.", p->unit0_input_p50},
                                              {"unit0_input_p85.", p->unit0_input_p85}})
                columns.emplace_back(name + layer, value);
    }
    columns.emplace_back("dead_fraction", d.dead_fraction);
    columns.emplace_back("saturated_fraction", d.saturated_fraction);
    return columns;
}

std::string metrics_csv_header(bool has_test, bool classification, const EpochMetrics* first) {
    std::string out = "epoch,train_loss";
    if (has_test)
        out += classification ? ",test_loss,test_accuracy" : ",test_loss";
    out += ",lr";
    if (first && first->diagnostics)
        for (const auto& [name, value] : diagnostic_columns(*first->diagnostics))
            out += ',' + name;
    out += '\n';
    return out;
}

std::string metrics_csv_row(const EpochMetrics& m, bool has_test, bool classification) {
    std::string out = std::to_string(m.epoch);
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
    out += ',';
    append_number(out, m.lr);
    if (m.diagnostics)
        for (const auto& [name, value] : diagnostic_columns(*m.diagnostics)) {
            out += ',';
            append_number(out, value);
        }
    out += '\n';
    return out;
}

void write_text_file(const std::filesystem::path& path, const std::string& text) {
    detail::write_file_atomically(path, text);
}

std::vector<std::string> run_file_names() {
    return {"config.yaml", "metrics.csv", "model.safetensors", "checkpoint.safetensors"};
}

namespace {

// The header and the first `epochs` rows of a metrics.csv, copied a line at
// a time (memory stays flat however many epochs it has). Throws when it has
// fewer.
void copy_metrics(const std::filesystem::path& from, int64_t epochs, OutputFile& to) {
    std::ifstream in(from, std::ios::binary);
    if (!in)
        throw Error("cannot resume from " + escape_text(from.string(), 200) +
                    ": it cannot be read");
    std::string line;
    int64_t lines = 0;
    while (lines <= epochs && std::getline(in, line)) {
        to.write(line);
        to.write("\n");
        ++lines;
    }
    if (lines <= epochs)
        throw Error("cannot resume from " + escape_text(from.string(), 200) + ": it holds " +
                    std::to_string(lines > 0 ? lines - 1 : 0) + " epochs; expected the " +
                    std::to_string(epochs) + " of the checkpoint");
}

// A checkpoint and metrics.csv in `dir`, when it holds both.
std::optional<ResumePoint> resume_point_in(const std::filesystem::path& dir) {
    const std::filesystem::path checkpoint = dir / "checkpoint.safetensors";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(checkpoint, ec) ||
        !std::filesystem::is_regular_file(dir / "metrics.csv", ec))
        return std::nullopt;
    return ResumePoint{load_checkpoint(checkpoint), dir / "metrics.csv"};
}

}  // namespace

ResumePoint find_resume_point(const RunDirectory& dir) {
    std::optional<ResumePoint> best = resume_point_in(dir.path());
    for (const std::filesystem::path& staging : dir.stale_staging()) {
        // A killed run's checkpoint may be torn from its metrics (it was
        // killed between them) or unreadable: then the other ones count.
        try {
            std::optional<ResumePoint> point = resume_point_in(staging);
            if (point && (!best || point->checkpoint.epoch > best->checkpoint.epoch))
                best = std::move(point);
        } catch (const Error&) {
        }
    }
    if (!best)
        throw Error("cannot resume " + escape_text(dir.path().string(), 200) +
                    ": it holds no checkpoint.safetensors and metrics.csv (a run of this "
                    "version writes them after every epoch)");
    return std::move(*best);
}

void check_resume(const ResumePoint& point, const std::string& resolved_config,
                  const Experiment& e) {
    check_resumable(point.checkpoint, resolved_config, data_fingerprint(e));
    if (e.config.training.epochs < point.checkpoint.epoch)
        throw Error("cannot resume: training.epochs is " +
                    std::to_string(e.config.training.epochs) + ", below the " +
                    std::to_string(point.checkpoint.epoch) +
                    " epochs the checkpoint has done; expected at least as many");
}

TrainResult train_into(RunDirectory& dir, const std::string& resolved_config, Experiment& e,
                       std::span<Callback* const> callbacks, const StopRequested& stop_requested,
                       const ResumePoint* resume) {
    const bool has_test = e.split.test.size() > 0;
    const std::string data = data_fingerprint(e);
    if (resume)
        check_resume(*resume, resolved_config, e);
    TrainResult result;
    dir.replace([&](const std::filesystem::path& staging) {
        // First, so that a killed run's staging directory says what it ran.
        write_text_file(staging / "config.yaml", resolved_config);
        OutputFile metrics(staging / "metrics.csv");
        // The header names the diagnostic columns, which the first epoch's
        // diagnostics give.
        bool header = false;
        if (resume) {
            copy_metrics(resume->metrics, resume->checkpoint.epoch, metrics);
            header = true;
        }
        const auto record = [&](const EpochMetrics& m) {
            if (!header)
                metrics.write(metrics_csv_header(has_test, e.classification, &m));
            header = true;
            metrics.write(metrics_csv_row(m, has_test, e.classification));
        };
        // The rows go to the kernel before the checkpoint that counts them.
        bool checkpointed = false;
        const auto checkpoint = [&](Checkpoint&& c) {
            metrics.flush();
            c.config = resolved_config;
            c.data = data;
            save_checkpoint(c, staging / "checkpoint.safetensors");
            checkpointed = true;
        };
        result =
            train(e, callbacks, stop_requested, {.record = record, .history = History::last_epoch},
                  {.resume_from = resume ? &resume->checkpoint : nullptr, .save = checkpoint},
                  Ranks::data_parallel);
        // A resumed run with no epoch left to train keeps the checkpoint it
        // came from, so that it can be resumed again.
        if (resume && !checkpointed)
            checkpoint(Checkpoint(resume->checkpoint));
        if (!header)
            metrics.write(metrics_csv_header(has_test, e.classification, nullptr));
        metrics.finish();
        // With the preprocessing, so that predict prepares new data as this run's.
        save(*e.model, staging / "model.safetensors", to_metadata(preprocessing_of(e)));
    });
    return result;
}

}  // namespace tinynn::experiment
