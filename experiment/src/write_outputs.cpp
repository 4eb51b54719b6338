#include "tinynn/experiment/write_outputs.hpp"

#include <map>
#include <mutex>

#include "compare_files.hpp"
#include "output_file.hpp"
#include "pictures.hpp"
#include "report.hpp"
#include "summary.hpp"
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

}  // namespace

CompareOutputs compare_into(const std::filesystem::path& dir, const Config& config,
                            const std::string& resolved_config, const CompareOptions& options) {
    std::filesystem::create_directories(dir);
    const std::vector<RunSpec> specs = run_specs(config);
    // The rows of the runs taken in order so far, and of the others.
    OutputFile rows = OutputFile::scratch(dir);
    RowSpool spool(dir);
    CompareSummary summary;

    CompareOptions run_options = options;
    run_options.on_epoch = [&](size_t index, const EpochMetrics& m) {
        spool.add(index, compare_csv_row(specs[index], m));
    };
    run_options.on_run_in_order = [&](const RunOutcome& run) {
        spool.move_to(run.index, rows);
        summary.add(run);
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
        file.write(compare_csv_header(summary.diagnostics_shape()));
        file.append(rows);
    });
    out.files.push_back("compare.csv");
    write("summary.csv", summary_csv(summaries, summary.has_test()));
    write("summary.md", summary_markdown(config, summaries, out.findings));
    const std::vector<Picture> pictures = make_pictures(summary);
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
