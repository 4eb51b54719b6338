#include "tinynn/experiment/write_outputs.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>

#include "compare_files.hpp"
#include "output_file.hpp"
#include "pictures.hpp"
#include "report.hpp"
#include "summary.hpp"
#include "tinynn/experiment/distributed.hpp"
#include "tinynn/experiment/run_files.hpp"

namespace tinynn::experiment {

namespace {

// Each run's rows of compare.csv until its turn in run order comes: in
// memory up to kRowBufferBytes, then in chunks of one shared scratch file,
// so neither memory nor open files grow with the runs waiting or training.
class RowSpool {
  public:
    explicit RowSpool(const std::filesystem::path& dir) : spill_(OutputFile::scratch(dir)) {}

    // From the thread training `run`.
    void add(size_t run, std::string_view row) {
        const std::lock_guard lock(mutex_);
        Rows& rows = runs_[run];
        rows.buffer += row;
        if (rows.buffer.size() < kRowBufferBytes)
            return;
        const long long at = spill_.size();
        spill_.write(rows.buffer);
        const auto length = static_cast<long long>(rows.buffer.size());
        // A run spilling alone continues its last chunk.
        if (!rows.chunks.empty() && rows.chunks.back().first + rows.chunks.back().second == at)
            rows.chunks.back().second += length;
        else
            rows.chunks.emplace_back(at, length);
        rows.buffer.clear();
    }

    // Appends the rows of `run` to `out`, and forgets them.
    void move_to(size_t run, OutputFile& out) {
        const std::lock_guard lock(mutex_);
        const auto at = runs_.find(run);
        if (at == runs_.end())
            return;
        for (const auto& [offset, length] : at->second.chunks) {
            out.append(spill_, offset, length);
            spill_.discard(offset, length);
        }
        out.write(at->second.buffer);
        runs_.erase(at);
    }

  private:
    struct Rows {
        std::string buffer;
        std::vector<std::pair<long long, long long>> chunks;  // offset, length in spill_
    };
    std::mutex mutex_;
    OutputFile spill_;
    std::map<size_t, Rows> runs_;
};

// compare.csv's diagnostic columns, which differ between grid points whose
// models differ: a row is spooled as "<point>,<count>,<its diagnostics>,<its
// other cells>", and written once every point's columns are known, under
// their union (in the order the points first recorded them).
class DiagnosticColumns {
  public:
    explicit DiagnosticColumns(size_t points) : of_point_(points) {}

    static std::string spooled(const std::string& cells, size_t point, const EpochMetrics& m) {
        std::string out = std::to_string(point) + ',';
        if (!m.diagnostics)
            return out + "0," + cells + '\n';
        const CsvColumns columns = diagnostic_columns(*m.diagnostics);
        out += std::to_string(columns.size()) + ',';
        for (const auto& [name, value] : columns) {
            append_number(out, value);
            out += ',';
        }
        return out + cells + '\n';
    }

    // The columns of a run's point, from its first recorded epoch.
    void learn(const RunOutcome& run) {
        std::vector<size_t>& at = of_point_.at(run.spec.point);
        if (!at.empty() || !run.first_epoch || !run.first_epoch->diagnostics)
            return;
        for (const auto& [name, value] : diagnostic_columns(*run.first_epoch->diagnostics)) {
            const auto known = std::find(names_.begin(), names_.end(), name);
            at.push_back(static_cast<size_t>(known - names_.begin()));
            if (known == names_.end())
                names_.push_back(name);
        }
    }

    const std::vector<std::string>& names() const { return names_; }

    // A spooled row as compare.csv holds it.
    std::string row(std::string_view spooled) const {
        const auto take = [&] {
            const size_t comma = spooled.find(',');
            const std::string_view cell = spooled.substr(0, comma);
            spooled.remove_prefix(std::min(comma + 1, spooled.size()));
            return cell;
        };
        const auto number = [](std::string_view text) {
            size_t value = 0;
            std::from_chars(text.data(), text.data() + text.size(), value);
            return value;
        };
        const size_t point = number(take());
        const size_t count = number(take());
        std::vector<std::string_view> cells(names_.size());
        const std::vector<size_t>& at = of_point_.at(point);
        for (size_t i = 0; i < count; ++i) {
            const std::string_view cell = take();
            if (i < at.size())
                cells[at[i]] = cell;
        }
        std::string out(spooled);
        for (const std::string_view cell : cells) {
            out += ',';
            out += cell;
        }
        return out + '\n';
    }

  private:
    std::vector<std::vector<size_t>> of_point_;  // each point's columns' places in names_
    std::vector<std::string> names_;
};

}  // namespace

CompareOutputs compare_into(const std::filesystem::path& dir, const Config& config,
                            const std::string& resolved_config, const CompareOptions& options) {
    // Under mpirun the other ranks train runs for rank 0, which writes.
    if (distributed::rank() != 0) {
        run_compare(config, options);
        return {};
    }
    std::filesystem::create_directories(dir);
    const std::vector<RunSpec> specs = run_specs(config);
    // The rows of the runs taken in order so far, and of the others.
    OutputFile rows = OutputFile::scratch(dir);
    RowSpool spool(dir);
    CompareSummary summary(grid_labels(config));
    DiagnosticColumns columns(grid_size(config));

    CompareOptions run_options = options;
    // The caller's own hooks still see every epoch and run (a live view).
    run_options.on_epoch = [&](size_t index, const EpochMetrics& m) {
        const RunSpec& spec = specs[index];
        spool.add(index,
                  DiagnosticColumns::spooled(compare_csv_cells(config, spec, m), spec.point, m));
        if (options.on_epoch)
            options.on_epoch(index, m);
    };
    run_options.on_run_in_order = [&](const RunOutcome& run) {
        spool.move_to(run.index, rows);
        columns.learn(run);
        summary.add(run);
        if (options.on_run_in_order)
            options.on_run_in_order(run);
    };
    run_compare(config, run_options);

    const std::vector<ActivationSummary> summaries = summary.summaries();
    CompareOutputs out;
    out.runs = summary.runs();
    out.diverged = summary.diverged();
    out.findings =
        findings(summaries, summary.has_test(), config.compare.target_loss, config.training.epochs);
    const auto write = [&](const std::string& name, const std::string& text) {
        write_text_file(dir / name, text);
        out.files.push_back(name);
    };
    write("config.yaml", resolved_config);
    write_file_atomically(dir / "compare.csv", [&](OutputFile& file) {
        file.write(compare_csv_header(config, columns.names()));
        rows.for_each_line([&](std::string_view row) { file.write(columns.row(row)); });
    });
    out.files.push_back("compare.csv");
    write("summary.csv", summary_csv(config, summaries, summary.has_test()));
    write("summary.md", summary_markdown(config, summaries, out.findings));
    const std::vector<Picture> pictures = make_pictures(summary, config);
    for (const Picture& p : pictures)
        write(p.file, p.svg);
    out.report_section = report_section(config, summaries, out.findings, pictures);
    write(kReportFile, report_page({&config}, {out.report_section}));
    out.report = dir / kReportFile;
    return out;
}

std::filesystem::path write_combined_report(const std::filesystem::path& dir,
                                            const std::vector<const Config*>& configs,
                                            const std::vector<std::string>& sections) {
    const std::filesystem::path report = dir / kReportFile;
    write_text_file(report, report_page(configs, sections));
    return report;
}

}  // namespace tinynn::experiment
