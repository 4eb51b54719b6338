// The tinynn command: train and evaluate models from YAML configs (SPEC §2).
// Exit status: 0 success, 2 usage or config error, 1 a run that failed.

#include <signal.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "apps/compare/report.hpp"
#include "apps/compare/runs.hpp"
#include "apps/compare/write_outputs.hpp"
#include "apps/config/config.hpp"
#include "apps/train/experiment.hpp"
#include "apps/train/memory.hpp"
#include "apps/train/progress.hpp"
#include "apps/train/run_files.hpp"
#include "apps/train/trainer.hpp"
#include "tinynn/serialize.hpp"
#include "tinynn/threads.hpp"

namespace fs = std::filesystem;
using namespace tinynn;
using namespace tinynn::app;

namespace {

constexpr int kUsageError = 2;
constexpr int kRunFailed = 1;

// The signal that asked the run to stop (SIGINT, SIGTERM), or 0. Training
// polls it after every batch, then writes what it has and exits 128 + signal.
volatile std::sig_atomic_t stop_signal = 0;

extern "C" void request_stop(int signal) {
    stop_signal = signal;
}

void install_stop_handlers() {
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

// Every error is one line on stderr.
int fail(int status, const std::string& message) {
    std::string line = message;
    for (char& c : line)
        if (c == '\n' || c == '\r')
            c = ' ';
    std::cerr << "tinynn: " << line << '\n';
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
        check_diagnostics(experiment);
        return true;
    } catch (const Error& e) {
        status = config_error(options, e);
    }
    return false;
}

std::string interrupted_by(int signal) {
    return std::string("interrupted by ") + (signal == SIGINT ? "SIGINT" : "SIGTERM");
}

void print_evaluation(const char* split, const Evaluation& ev, int64_t samples) {
    std::cout << split << ": loss " << ev.loss;
    if (ev.accuracy)
        std::cout << ", accuracy " << *ev.accuracy;
    std::cout << " (" << samples << " samples)\n";
}

int run_train(const CommonOptions& options, const std::string& out_dir, bool quiet) {
    Experiment e;
    int status = 0;
    if (!prepare(options, e, status))
        return status;
    const fs::path dir = out_dir.empty() ? fs::path("runs") / e.config.name : fs::path(out_dir);
    const bool has_test = e.split.test.size() > 0;

    TrainResult result;
    try {
        fs::create_directories(dir);
        write_text_file(dir / "config.yaml", to_yaml(e.config));
        Progress progress(e.config.training.epochs, e.config.training.log_every, quiet);
        install_stop_handlers();
        result = train(
            e, [&progress](const EpochMetrics& m, double rate) { progress.update(m, rate); },
            [] { return stop_signal != 0; });
        progress.finish();
        write_text_file(dir / "metrics.csv", metrics_csv(result, has_test, e.classification));
        save(*e.model, dir / "model.safetensors");
    } catch (const fs::filesystem_error& err) {
        return fail(kRunFailed, "cannot write to " + dir.string() + ": " + err.code().message());
    } catch (const std::exception& err) {
        return fail(kRunFailed, err.what());
    }

    if (result.interrupted) {
        const int signal = static_cast<int>(stop_signal);
        return fail(128 + signal, interrupted_by(signal) + " after " +
                                      std::to_string(result.history.size()) + " complete epochs; " +
                                      dir.string() +
                                      " holds their metrics and the weights at the stop");
    }
    if (result.diverged_at) {
        std::ostringstream msg;
        msg << options.config << ": training diverged at epoch " << *result.diverged_at
            << " (the loss became NaN or infinite); " << dir.string()
            << " holds the metrics and weights of the epochs before; try a lower optimizer.lr (now "
            << e.config.optimizer.sgd.lr << ")";
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
        std::cout << "\nwrote " << (dir / "metrics.csv").string() << " and "
                  << (dir / "model.safetensors").string() << '\n';
    }
    return 0;
}

void print_run_done(const RunOutcome& run, size_t done, size_t total) {
    std::ostringstream line;
    line << "[" << done << "/" << total << "] " << run.spec.activation << " seed " << run.spec.seed
         << ": ";
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
    std::vector<Config> configs;
    for (const std::string& file : files) {
        const CommonOptions options{file, overrides};
        try {
            configs.push_back(load_config(file, overrides));
            // One run's setup checks the data, the model and the weights up
            // front, so a bad config is an input error before any training.
            const Config& config = configs.back();
            const Experiment first =
                prepare_experiment(run_config(config, run_specs(config).front()));
            check_diagnostics(first);
            const auto runs_at_once =
                std::min<size_t>(static_cast<size_t>(jobs), run_specs(config).size());
            check_parallel_memory(config, shape_of(first.split), static_cast<int64_t>(runs_at_once),
                                  registry_parameters(config.model, *first.model));
        } catch (const Error& e) {
            return config_error(options, e);
        }
        for (size_t i = 0; i + 1 < configs.size(); ++i)
            if (configs[i].name == configs.back().name)
                return fail(kUsageError, file + ": name '" + configs.back().name +
                                             "' is also the name of " + files[i] +
                                             "; each experiment needs its own name (it names "
                                             "its directory of the output)");
    }
    std::string default_name;
    for (const Config& c : configs)
        default_name += (default_name.empty() ? "" : "+") + c.name;
    const fs::path dir = out_dir.empty() ? fs::path("runs") / default_name : fs::path(out_dir);

    std::vector<std::string> sections;
    fs::path report;
    try {
        fs::create_directories(dir);
        install_stop_handlers();
        for (const Config& config : configs) {
            const size_t total = run_specs(config).size();
            std::cout << config.name << ": comparing " << config.compare.activations.size()
                      << " activations x " << config.compare.seeds.size() << " seeds = " << total
                      << " runs of " << config.training.epochs << " epochs on "
                      << std::min<size_t>(static_cast<size_t>(jobs), total) << " parallel jobs\n"
                      << std::flush;
            const std::vector<RunOutcome> runs = run_compare(
                config, {.jobs = jobs, .on_run_done = print_run_done, .stop_requested = [] {
                             return stop_signal != 0;
                         }});
            const fs::path where = experiment_dir(dir, config, configs.size());
            const CompareOutputs outputs = write_compare_outputs(where, config, runs);
            sections.push_back(outputs.report_section);
            report = outputs.report;
            std::cout << "\n";
            for (const std::string& line : outputs.findings)
                std::cout << "- " << line << '\n';
            std::cout << "\nwrote";
            for (const std::string& file : outputs.files)
                std::cout << ' ' << file;
            std::cout << " to " << where.string() << "\n\n";
            if (stop_signal != 0)
                break;
        }
        if (configs.size() > 1) {
            std::vector<const Config*> done;
            for (size_t i = 0; i < sections.size(); ++i)
                done.push_back(&configs[i]);
            report = dir / "report.html";
            write_text_file(report, report_page(done, sections));
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
    e.model->eval();
    print_evaluation("train", evaluate(e, e.train_encoded, e.split.train), e.split.train.size());
    if (e.split.test.size() > 0)
        print_evaluation("test", evaluate(e, e.test_encoded, e.split.test), e.split.test.size());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    spdlog::set_pattern("[%T] %v");
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
    CLI::App* eval = app.add_subcommand("eval", "Evaluate saved weights on a config's data");
    add_common(eval);
    eval->add_option("--weights", weights, "safetensors file to evaluate")->required();

    // CLI11 would only say a subcommand is required.
    const auto known = app.get_subcommands([](CLI::App*) { return true; });
    if (argc > 1 && argv[1][0] != '-' &&
        std::none_of(known.begin(), known.end(),
                     [&](const CLI::App* c) { return c->get_name() == argv[1]; }))
        return fail(kUsageError, std::string("unknown command '") + argv[1] +
                                     "' (expected train or eval; see tinynn --help)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0)
            return app.exit(e);  // --help, --version
        return fail(kUsageError, std::string(e.what()) + " (see tinynn --help)");
    }
    try {
        if (*train) {
            if (threads > 0)
                set_num_threads(threads);
            return run_train(common, out_dir, quiet);
        }
        if (*compare)
            return run_compare_command(compare_configs, common.overrides, out_dir, jobs);
        return run_eval(common, weights);
    } catch (const std::bad_alloc&) {
        return fail(kRunFailed, "out of memory");
    } catch (const std::exception& e) {
        return fail(kRunFailed, e.what());
    }
}
