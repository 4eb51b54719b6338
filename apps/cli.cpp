// The tinynn command (SPEC §2) as a library function: argument parsing and
// the mapping of a YAML config onto the experiment layer's calls.
// Exit status: 0 success, 2 usage or config error, 1 a run that failed.

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "serve/server.hpp"
#include "tinynn/cli.hpp"
#include "tinynn/cli/config.hpp"
#include "tinynn/experiment/distributed.hpp"
#include "tinynn/experiment/experiment.hpp"
#include "tinynn/experiment/memory.hpp"
#include "tinynn/experiment/predictor.hpp"
#include "tinynn/experiment/progress.hpp"
#include "tinynn/experiment/run_files.hpp"
#include "tinynn/experiment/runs.hpp"
#include "tinynn/experiment/trainer.hpp"
#include "tinynn/experiment/write_outputs.hpp"
#include "tinynn/serialize.hpp"
#include "tinynn/threads.hpp"

namespace tinynn::cli {

namespace fs = std::filesystem;
using namespace tinynn::experiment;

namespace {

constexpr int kUsageError = 2;
constexpr int kRunFailed = 1;

// The signal that asked the run to stop (SIGINT, SIGTERM, SIGHUP), or 0.
// Training polls it after every batch, then writes what it has and exits
// 128 + signal. A second signal exits at once: the run's directory keeps
// its previous set of files (run_directory.hpp).
volatile std::sig_atomic_t stop_signal = 0;

extern "C" void request_stop(int signal) {
    if (stop_signal != 0)
        _exit(128 + signal);
    stop_signal = signal;
}

void install_stop_handlers() {
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    // A closed terminal stops the run as Ctrl-C does, with its files written.
    sigaction(SIGHUP, &action, nullptr);
}

// Every error is one line on stderr.
int fail(int status, const std::string& message) {
    // Under mpirun every rank meets the same bad input and the same
    // interrupt, which rank 0 reports; another rank speaks only of a run
    // that failed there.
    const int rank = distributed::rank();
    if (rank != 0 && status != kRunFailed)
        return status;
    std::string line = message;
    for (char& c : line)
        if (c == '\n' || c == '\r')
            c = ' ';
    std::cerr << (rank == 0 ? "tinynn: " : "tinynn (rank " + std::to_string(rank) + "): ") << line
              << '\n';
    return status;
}

struct CommonOptions {
    std::string config;
    std::vector<std::string> overrides;
};

int config_error(const CommonOptions& options, const Error& e) {
    const std::string what = e.what();
    return fail(kUsageError,
                what.starts_with(options.config) ? what : options.config + ": " + what);
}

// Loads the config and builds data and model; any error is the user's input.
bool prepare(const CommonOptions& options, Experiment& experiment, int& status) {
    try {
        experiment = prepare_experiment(load_config(options.config, options.overrides));
        return true;
    } catch (const Error& e) {
        status = config_error(options, e);
    }
    return false;
}

// The learning rate as the messages show it: "0.1", "1e+33".
std::string lr_text(const Config& config) {
    std::ostringstream text;
    text << learning_rate(config.optimizer);
    return text.str();
}

std::string interrupted_by(int signal) {
    return std::string("interrupted by ") + (signal == SIGINT   ? "SIGINT"
                                             : signal == SIGHUP ? "SIGHUP"
                                                                : "SIGTERM");
}

void print_evaluation(const char* split, const Evaluation& ev, int64_t samples) {
    std::cout << split << ": loss " << ev.loss;
    if (ev.accuracy)
        std::cout << ", accuracy " << *ev.accuracy;
    std::cout << " (" << samples << " samples)\n";
}

int run_train(const CommonOptions& options, const std::string& out_dir,
              const std::string& resume_dir, bool quiet) {
    // First of all: a signal while the data loads stops the run at its first
    // batch, with its files, rather than killing it with nothing said.
    install_stop_handlers();
    Experiment e;
    int status = 0;
    if (!prepare(options, e, status))
        return status;
    if (!resume_dir.empty() && !out_dir.empty() &&
        fs::path(resume_dir).lexically_normal() != fs::path(out_dir).lexically_normal())
        return fail(kUsageError, "--resume " + escape_text(resume_dir, 200) + " and --out " +
                                     escape_text(out_dir, 200) +
                                     " differ; a resumed run writes into the directory it resumes");
    const fs::path dir = !resume_dir.empty() ? fs::path(resume_dir)
                         : out_dir.empty()   ? fs::path("runs") / e.config.name
                                             : fs::path(out_dir);
    if (distributed::size() > 1) {
        if (!resume_dir.empty())
            return fail(kUsageError,
                        "--resume under mpirun: expected one process (the other ranks would "
                        "need the checkpoint's optimiser state too); resume without mpirun");
        // Rank 0 writes the run; the others train their share of each batch.
        if (distributed::rank() != 0) {
            try {
                const TrainResult result = train(
                    e, {}, [] { return stop_signal != 0; }, {}, {}, Ranks::data_parallel);
                // Rank 0 says why; every rank ends with its status.
                return result.interrupted   ? 128 + static_cast<int>(stop_signal)
                       : result.diverged_at ? kRunFailed
                                            : 0;
            } catch (const std::exception& err) {
                return fail(kRunFailed, err.what());
            }
        }
    }
    // Taken before training, so a busy or foreign directory is refused
    // before any work.
    std::optional<RunDirectory> run_dir;
    try {
        run_dir.emplace(dir, run_file_names());
    } catch (const Error& err) {
        return fail(kRunFailed, err.what());
    }
    const std::string resolved = to_yaml(e.config);
    std::optional<ResumePoint> resume;
    if (!resume_dir.empty()) {
        try {
            resume = find_resume_point(*run_dir);
            check_resume(*resume, resolved, e);
        } catch (const Error& err) {
            return fail(kUsageError, err.what());
        }
        if (!quiet)
            std::cout << "resuming " << dir.string() << " after epoch " << resume->checkpoint.epoch
                      << " of " << e.config.training.epochs << '\n';
    }
    TrainResult result;
    try {
        Progress progress(e.config.training.epochs, e.config.training.log_every, quiet);
        Callback* callbacks[] = {&progress};
        result = train_into(
            *run_dir, resolved, e, callbacks, [] { return stop_signal != 0; },
            resume ? &*resume : nullptr);
    } catch (const fs::filesystem_error& err) {
        return fail(kRunFailed, "cannot write to " + dir.string() + ": " + err.code().message());
    } catch (const std::exception& err) {
        return fail(kRunFailed, err.what());
    }
    // The history holds the last epoch; epochs count from 1 with none missing.
    const int64_t epochs_done = !result.history.empty() ? result.history.back().epoch
                                : resume                ? resume->checkpoint.epoch
                                                        : 0;

    if (result.interrupted) {
        const int signal = static_cast<int>(stop_signal);
        return fail(128 + signal, interrupted_by(signal) + " after " + std::to_string(epochs_done) +
                                      " complete epochs; " + dir.string() +
                                      " holds their metrics and the weights at the stop");
    }
    if (result.diverged_at) {
        std::ostringstream msg;
        msg << options.config << ": training diverged at epoch " << *result.diverged_at
            << " (a loss or the weights became NaN or infinite); " << dir.string()
            << " holds the metrics and weights of the epochs before; try a lower optimizer.lr (now "
            << lr_text(e.config) << ")";
        return fail(kRunFailed, msg.str());
    }
    if (!quiet && !result.history.empty()) {
        const EpochMetrics& last = result.history.back();
        std::cout << "trained " << e.config.name << " for " << last.epoch << " epochs: train_loss "
                  << last.train_loss;
        if (last.test_loss)
            std::cout << ", test_loss " << *last.test_loss;
        if (last.test_accuracy)
            std::cout << ", test_accuracy " << *last.test_accuracy;
        std::cout << '\n';
        if (const auto& early = e.config.training.early_stopping; early && result.best_epoch) {
            std::cout << "early stopping: ";
            if (result.stopped_early_after)
                std::cout << "stopped after epoch " << *result.stopped_early_after << ", "
                          << early->patience << " epochs without " << monitor_name(early->monitor)
                          << " improving by more than " << early->min_delta;
            else
                std::cout << "ran every epoch";
            std::cout << "; the best " << monitor_name(early->monitor) << " was at epoch "
                      << *result.best_epoch;
            if (result.best_restored)
                std::cout << ", whose weights model.safetensors holds";
            std::cout << '\n';
        }
        std::cout << "wrote " << (dir / "metrics.csv").string() << ", "
                  << (dir / "model.safetensors").string() << " and checkpoint.safetensors (for "
                  << "--resume)\n";
    }
    return 0;
}

void print_run_done(const RunOutcome& run, size_t done, size_t total) {
    std::ostringstream line;
    line << "[" << done << "/" << total << "] " << nn::activation_name(run.spec.activation)
         << " seed " << run.spec.seed << ": ";
    if (run.result.history.empty()) {
        line << "no complete epoch";
    } else {
        const EpochMetrics& last = run.result.history.back();
        line << "train_loss " << last.train_loss;
        if (last.test_accuracy)
            line << ", test_accuracy " << *last.test_accuracy;
        line << " after " << last.epoch << " epochs";
    }
    if (run.result.diverged_at)
        line << " (diverged at epoch " << *run.result.diverged_at << ")";
    if (run.epochs_to_target)
        line << ", reached the target loss at epoch " << *run.epochs_to_target;
    line << " (" << std::fixed << std::setprecision(1) << run.seconds << " s)\n";
    std::cout << line.str() << std::flush;
}

// The output directory of each experiment: `dir` itself for one, a
// subdirectory named after each for several.
fs::path experiment_dir(const fs::path& dir, const Config& config, size_t experiments) {
    return experiments == 1 ? dir : dir / config.name;
}

int run_compare_command(const std::vector<std::string>& files,
                        const std::vector<std::string>& overrides, const std::string& out_dir,
                        int jobs) {
    // As train: a signal during the set-up stops at the first batch, with a report.
    install_stop_handlers();
    std::vector<Config> configs;
    for (const std::string& file : files) {
        const CommonOptions options{file, overrides};
        try {
            configs.push_back(load_config(file, overrides));
            // One run's setup checks the data, the model and the weights up
            // front, so a bad config is an input error before any training.
            // Each grid point's, as its model and data may differ.
            check_compare(configs.back(), static_cast<size_t>(jobs));
        } catch (const Error& e) {
            return config_error(options, e);
        }
        for (size_t i = 0; i + 1 < configs.size(); ++i)
            if (configs[i].name == configs.back().name)
                return fail(kUsageError, file + ": name '" + escape_text(configs.back().name) +
                                             "' is also the name of " + files[i] +
                                             "; each experiment needs its own name (it names "
                                             "its directory of the output)");
        // Several experiments share the output directory, each in a
        // subdirectory named after it beside the report over all of them.
        if (files.size() > 1 && configs.back().name == kReportFile)
            return fail(kUsageError, escape_text(file, 200) + ": name '" + kReportFile +
                                         "' is the name of the report over all the experiments, "
                                         "beside each experiment's directory of the output "
                                         "(named after it); give the experiment another name");
    }
    std::string default_name;
    for (const Config& c : configs)
        default_name += (default_name.empty() ? "" : "+") + c.name;
    if (out_dir.empty() && default_name.size() > NAME_MAX)
        return fail(kUsageError, "the default output directory runs/" + escape_text(default_name) +
                                     " joins the experiments' names into " +
                                     std::to_string(default_name.size()) +
                                     " bytes, more than the " + std::to_string(NAME_MAX) +
                                     " a directory name may have; give --out");
    const fs::path dir = out_dir.empty() ? fs::path("runs") / default_name : fs::path(out_dir);

    std::vector<std::string> sections;
    std::vector<size_t> all_diverged;  // the experiments none of whose runs ended finite
    fs::path report;
    try {
        if (distributed::rank() == 0)
            fs::create_directories(dir);
        for (size_t i = 0; i < configs.size(); ++i) {
            const Config& config = configs[i];
            const size_t total = run_specs(config).size();
            const size_t points = grid_size(config);
            std::cout << config.name << ": comparing "
                      << (points > 1 ? std::to_string(points) + " grid points x " : "")
                      << config.compare.activations.size() << " activations x "
                      << config.compare.seeds.size() << " seeds = " << total << " runs of "
                      << config.training.epochs << " epochs on "
                      << std::min<size_t>(static_cast<size_t>(jobs), total) << " parallel jobs";
            if (distributed::size() > 1)
                std::cout << " on each of " << distributed::size() << " MPI ranks";
            std::cout << '\n' << std::flush;
            const fs::path where = experiment_dir(dir, config, configs.size());
            const CompareOutputs outputs =
                compare_into(where, config, to_yaml(config),
                             {.jobs = jobs, .on_run_done = print_run_done, .stop_requested = [] {
                                  return stop_signal != 0;
                              }});
            sections.push_back(outputs.report_section);
            report = outputs.report;
            std::cout << "\n";
            for (const std::string& line : outputs.findings)
                std::cout << "- " << line << '\n';
            std::cout << "\nwrote";
            for (const std::string& file : outputs.files)
                std::cout << ' ' << file;
            std::cout << " to " << where.string() << "\n\n";
            if (outputs.runs > 0 && outputs.diverged == outputs.runs)
                all_diverged.push_back(i);
            if (stop_signal != 0)
                break;
        }
        if (configs.size() > 1 && distributed::rank() == 0) {
            std::vector<const Config*> done;
            for (size_t i = 0; i < sections.size(); ++i)
                done.push_back(&configs[i]);
            report = write_combined_report(dir, done, sections);
        }
    } catch (const fs::filesystem_error& err) {
        return fail(kRunFailed, "cannot write to " + dir.string() + ": " + err.code().message());
    } catch (const Error& err) {
        return fail(kRunFailed, err.what());
    }
    if (stop_signal != 0) {
        const int signal = static_cast<int>(stop_signal);
        return fail(128 + signal, interrupted_by(signal) + "; " + dir.string() +
                                      " holds the runs finished so far and the report on them");
    }
    std::cout << "report: " << report.string() << '\n';
    if (!all_diverged.empty()) {
        std::string which;
        for (const size_t i : all_diverged)
            which += (which.empty() ? "" : "; ") + escape_text(files[i], 200) +
                     ": every run of experiment '" + escape_text(configs[i].name) +
                     "' diverged (optimizer.lr " + lr_text(configs[i]) + ")";
        return fail(kRunFailed, which +
                                    ": a loss or the weights became NaN or infinite, so there is "
                                    "nothing to compare; " +
                                    escape_text(dir.string(), 200) +
                                    " holds the report; try a lower optimizer.lr");
    }
    return 0;
}

// Notes that go to stderr beside the output, such as the columns ignored.
void note(const std::string& message) {
    std::cerr << "tinynn: note: " << message << '\n';
}

std::string shown(const std::string& path) {
    return escape_text(path, 200);
}

// A new CSV file read for the run's model, with a note of the columns it skips.
data::NamedRows read_new_rows(const Predictor& predictor, const std::string& input) {
    data::NamedRows rows = predictor.read_csv(input);
    if (!rows.skipped.empty()) {
        constexpr size_t kListed = 10;
        std::string names;
        for (size_t i = 0; i < std::min(kListed, rows.skipped.size()); ++i)
            names += (i > 0 ? ", '" : "'") + escape_text(rows.skipped[i], 40) + "'";
        if (rows.skipped.size() > kListed)
            names += " and " + std::to_string(rows.skipped.size() - kListed) + " more";
        note(shown(input) + ": ignored " + std::to_string(rows.skipped.size()) +
             (rows.skipped.size() == 1 ? " column" : " columns") +
             " the model does not use: " + names);
    }
    return rows;
}

int run_predict(const std::string& run_dir, const std::string& input, const std::string& output) {
    std::string csv;
    try {
        const Predictor predictor = load_predictor(run_dir);
        const data::NamedRows rows = read_new_rows(predictor, input);
        csv = predictions_csv(predictor.predict(rows.data));
    } catch (const Error& e) {
        return fail(kUsageError, e.what());
    }
    if (output.empty()) {
        std::cout << csv << std::flush;
        return std::cout ? 0 : fail(kRunFailed, "cannot write the predictions to standard output");
    }
    try {
        write_text_file(output, csv);
    } catch (const Error& e) {
        return fail(kRunFailed, e.what());
    }
    return 0;
}

// eval RUN_DIR --input FILE: the run's model on new labelled rows.
int run_eval_input(const std::string& run_dir, const std::string& input) {
    Evaluation ev;
    int64_t samples = 0;
    try {
        const Predictor predictor = load_predictor(run_dir);
        const data::NamedRows rows = read_new_rows(predictor, input);
        if (!rows.data.targets.defined())
            return fail(kUsageError,
                        shown(input) + ": has no target column '" +
                            escape_text(predictor.preprocessing().target, 40) +
                            "', which eval needs to score the predictions (predict needs none)");
        ev = predictor.evaluate(rows.data);
        samples = rows.data.size();
    } catch (const Error& e) {
        return fail(kUsageError, e.what());
    }
    if (!std::isfinite(ev.loss))
        return fail(kRunFailed, shown(input) +
                                    ": the loss is NaN or infinite with the run's weights (they "
                                    "overflow float32 on these rows)");
    print_evaluation(shown(input).c_str(), ev, samples);
    return 0;
}

int run_eval(const CommonOptions& options, const std::string& weights) {
    Experiment e;
    int status = 0;
    if (!prepare(options, e, status))
        return status;
    try {
        load(*e.model, weights);
    } catch (const Error& err) {
        return fail(kUsageError, err.what());
    }
    const std::string shown = escape_text(weights, 200);
    for (const auto& [name, tensor] : e.model->named_parameters())
        if (!tensor.matrix().allFinite())
            return fail(kRunFailed, shown + ": tensor \"" + escape_text(name) +
                                        "\" holds NaN or infinite values, so these weights "
                                        "cannot be evaluated (a run that diverged saves the "
                                        "weights of its last finite epoch instead)");
    e.model->eval();
    // Both splits first: a number that is not finite is a failure, not a line of output.
    const Evaluation train = evaluate(e, e.train_encoded, e.split.train);
    std::optional<Evaluation> test;
    if (e.split.test.size() > 0)
        test = evaluate(e, e.test_encoded, e.split.test);
    for (const auto& [split, ev] : {std::pair{"train", std::optional(train)}, {"test", test}})
        if (ev && !std::isfinite(ev->loss))
            return fail(kRunFailed, shown + ": the loss on the " + split +
                                        " split is NaN or infinite with these weights (they "
                                        "overflow float32 on the data of " +
                                        escape_text(options.config, 200) + ")");
    print_evaluation("train", train, e.split.train.size());
    if (test)
        print_evaluation("test", *test, e.split.test.size());
    return 0;
}

// eval CONFIG --weights FILE | eval RUN_DIR [--input FILE.csv]
int run_eval_dispatch(const CommonOptions& options, const std::string& weights,
                      const std::string& input) {
    std::error_code ec;
    const bool run_dir = fs::is_directory(options.config, ec);
    if (!weights.empty() && !input.empty())
        return fail(kUsageError,
                    "eval: give --weights FILE with a CONFIG, or --input FILE.csv with a RUN_DIR, "
                    "not both (see tinynn eval --help)");
    if (!weights.empty())
        return run_eval(options, weights);
    if (!run_dir && !fs::exists(options.config, ec))
        return fail(kUsageError, shown(options.config) + ": no such config file or run directory");
    if (!run_dir)
        return fail(kUsageError, shown(options.config) +
                                     ": eval of a config needs --weights FILE; for a run "
                                     "directory of tinynn train give the directory");
    if (input.empty())
        return run_eval({(fs::path(options.config) / "config.yaml").string(), options.overrides},
                        (fs::path(options.config) / "model.safetensors").string());
    if (!options.overrides.empty())
        return fail(kUsageError,
                    "eval: --set does not apply with --input: the run's model and "
                    "preprocessing are used as they were trained");
    return run_eval_input(options.config, input);
}

// serve [CONFIG] [--port N] [--host ADDR]: the page until Ctrl-C.
int run_serve(const std::string& config, const std::string& host, int port) {
    install_stop_handlers();
    std::optional<serve::Setup> setup;
    try {
        setup = config.empty() ? serve::Setup::built_in() : serve::Setup::from_file(config);
    } catch (const Error& e) {
        return config_error({config, {}}, e);
    }
    serve::Server server(std::move(*setup));
    int bound = 0;
    try {
        bound = server.bind(host, port);
    } catch (const Error& e) {
        return fail(kUsageError, e.what());
    }
    std::thread listening([&server] { server.listen(); });
    const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    std::cout << "tinynn serve: http://" << shown_host << ":" << bound
              << "/ (Ctrl-C stops the server)" << std::endl;
    // The handler only sets the flag; stopping the server is this thread's.
    while (stop_signal == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    server.stop();
    listening.join();
    std::cout << "tinynn serve: stopped (" << interrupted_by(static_cast<int>(stop_signal)) << ")"
              << std::endl;
    return 0;
}

// The command itself, on every rank.
int run_command(int argc, char** argv) {
    // A closed pipe on stdout (`tinynn train ... | head -1`) makes the
    // progress lines fail, not the run.
    std::signal(SIGPIPE, SIG_IGN);
    // Past RLIMIT_FSIZE a write fails with EFBIG, reported like a full disk,
    // instead of the signal killing the run.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"tinynn: train small neural networks from YAML configs", "tinynn"};
    app.set_version_flag("--version", std::string("tinynn ") + TINYNN_VERSION);
    app.require_subcommand(1);

    CommonOptions common;
    std::string out_dir, weights;
    bool quiet = false;
    auto add_common = [&common](CLI::App* command) {
        command->add_option("CONFIG", common.config, "YAML config file")->required();
        command
            ->add_option("--set", common.overrides,
                         "Override a config key, KEY=VALUE with a dotted key and a YAML value "
                         "(repeatable)")
            ->expected(1)
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    };
    CLI::App* train = app.add_subcommand("train", "Train a model and write its run directory");
    add_common(train);
    train->add_option("--out", out_dir, "Output directory (default: runs/<config name>)");
    train->add_flag("--quiet", quiet, "Print nothing but errors");
    std::string resume_dir;
    train->add_option("--resume", resume_dir,
                      "Continue the run in RUN_DIR from its checkpoint, for the remaining or "
                      "raised training.epochs (the config must otherwise be the run's)");
    int threads = 0;
    train
        ->add_option("--threads", threads,
                     "Threads for matrix products (default: TINYNN_NUM_THREADS, else all cores)")
        ->check(CLI::Range(1, 1024));
    CLI::App* compare =
        app.add_subcommand("compare",
                           "Train once per activation and seed, and report why they "
                           "converge differently");
    std::vector<std::string> compare_configs;
    compare
        ->add_option("CONFIG", compare_configs,
                     "YAML config files; with several, one report covers them all")
        ->required();
    compare
        ->add_option("--set", common.overrides,
                     "Override a config key of every config, KEY=VALUE (repeatable)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    compare->add_option("--out", out_dir, "Output directory (default: runs/<config name>)");
    int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    compare
        ->add_option("--jobs", jobs,
                     "Runs trained at the same time (default: the number of cores); results do "
                     "not depend on it")
        ->check(CLI::Range(1, 1024));
    CLI::App* eval = app.add_subcommand(
        "eval",
        "Evaluate saved weights on a config's data (CONFIG --weights FILE), or a run on its "
        "own data or on new labelled rows (RUN_DIR [--input FILE.csv])");
    eval->add_option("CONFIG", common.config,
                     "YAML config file (with --weights), or a run directory of tinynn train")
        ->required();
    eval->add_option("--set", common.overrides,
                     "Override a config key, KEY=VALUE with a dotted key and a YAML value "
                     "(repeatable; not with --input)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    eval->add_option("--weights", weights, "safetensors file to evaluate, with a CONFIG");
    std::string input, output;
    eval->add_option("--input", input,
                     "CSV file of new labelled rows, with a RUN_DIR: columns matched by header "
                     "name, prepared with the run's stored preprocessing");
    CLI::App* predict = app.add_subcommand(
        "predict", "Predict new rows of a CSV file with a trained run's model and preprocessing");
    std::string predict_dir;
    predict->add_option("RUN_DIR", predict_dir, "Run directory of tinynn train")->required();
    predict
        ->add_option("--input", input,
                     "CSV file with a header naming the run's feature columns (any order; the "
                     "target column may be absent; other columns are ignored)")
        ->required();
    predict->add_option(
        "--output", output,
        "Where to write the predictions CSV (default: standard output): prediction, then "
        "score_<class> per class for classification");

    CLI::App* serve_command = app.add_subcommand(
        "serve",
        "Serve a page that runs compares live in the browser, with controls for the setup");
    std::string serve_config, serve_host = "127.0.0.1";
    int serve_port = 8080;
    serve_command->add_option("CONFIG", serve_config,
                              "YAML config the page's setup starts from (default: a compare of "
                              "four activations on moons)");
    serve_command->add_option("--port", serve_port, "Port to listen on (0: any free port)")
        ->check(CLI::Range(0, 65535));
    serve_command->add_option("--host", serve_host,
                              "Address to listen on (default 127.0.0.1: this machine only)");

    // CLI11 would only say a subcommand is required.
    const auto known = app.get_subcommands([](CLI::App*) { return true; });
    if (argc > 1 && argv[1][0] != '-' &&
        std::none_of(known.begin(), known.end(),
                     [&](const CLI::App* c) { return c->get_name() == argv[1]; }))
        return fail(kUsageError,
                    std::string("unknown command '") + escape_text(argv[1]) +
                        "' (expected train, compare, eval, predict or serve; see tinynn --help)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0)
            return app.exit(e);  // --help, --version
        return fail(kUsageError, std::string(e.what()) + " (see tinynn --help)");
    }
    // Refused as a bad --threads is, before anything is read or written: the
    // first matrix product would otherwise fail on it, mid-run.
    try {
        num_threads_from_environment();
    } catch (const Error& e) {
        return fail(kUsageError, e.what());
    }
    try {
        if (*train) {
            if (threads > 0)
                set_num_threads(threads);
            return run_train(common, out_dir, resume_dir, quiet);
        }
        if (*compare)
            return run_compare_command(compare_configs, common.overrides, out_dir, jobs);
        if (*predict)
            return run_predict(predict_dir, input, output);
        if (*serve_command)
            return run_serve(serve_config, serve_host, serve_port);
        return run_eval_dispatch(common, weights, input);
    } catch (const std::bad_alloc&) {
        return fail(kRunFailed, "out of memory");
    } catch (const std::exception& e) {
        return fail(kRunFailed, e.what());
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Under mpirun (SPEC §8): every rank runs the same command; rank 0
    // prints and writes, the others train their share and say nothing
    // (their errors still go to stderr).
    try {
        distributed::init(&argc, &argv);
    } catch (const Error& e) {
        return fail(kRunFailed, e.what());
    }
    if (distributed::rank() != 0)
        std::cout.setstate(std::ios_base::badbit);
    const int status = run_command(argc, argv);
    // A rank that failed ends the job, so that none waits for it.
    distributed::finish(status);
    return status;
}

}  // namespace tinynn::cli
