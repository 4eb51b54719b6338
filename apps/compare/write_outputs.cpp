#include "apps/compare/write_outputs.hpp"

#include "apps/compare/compare_files.hpp"
#include "apps/compare/pictures.hpp"
#include "apps/compare/report.hpp"
#include "apps/compare/summary.hpp"
#include "apps/train/run_files.hpp"

namespace tinynn::app {

CompareOutputs write_compare_outputs(const std::filesystem::path& dir, const Config& config,
                                     const std::vector<RunOutcome>& all_runs) {
    std::vector<RunOutcome> runs;
    for (const RunOutcome& r : all_runs)
        if (!r.spec.activation.empty())
            runs.push_back(r);
    const std::vector<ActivationSummary> summaries = summarize(runs);
    CompareOutputs out;
    out.findings = findings(summaries, config.compare.target_loss, config.training.epochs);
    const auto write = [&](const std::string& name, const std::string& text) {
        write_text_file(dir / name, text);
        out.files.push_back(name);
    };
    std::filesystem::create_directories(dir);
    write("config.yaml", to_yaml(config));
    write("compare.csv", compare_csv(runs));
    write("summary.md", summary_markdown(config, summaries, out.findings));
    const std::vector<Picture> pictures = make_pictures(runs);
    for (const Picture& p : pictures)
        write(p.file, p.svg);
    out.report_section = report_section(config, summaries, out.findings, pictures);
    write("report.html", report_page({&config}, {out.report_section}));
    out.report = dir / "report.html";
    return out;
}

}  // namespace tinynn::app
