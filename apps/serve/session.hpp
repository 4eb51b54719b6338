#pragma once

// One compare at a time, trained on a thread of its own by the library's
// compare_into (so it writes the files `tinynn compare` writes), with its
// epochs and decision boundaries kept for the page to poll. Pausing holds
// every run at the same epoch; a new start or a reset cancels the compare
// in progress and waits for its thread.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tinynn/experiment/config.hpp"
#include "tinynn/experiment/metrics.hpp"

namespace tinynn::cli::serve {

// Runs trained at once: every run of a page-sized compare, side by side.
inline constexpr size_t kMaxJobs = 32;

class Session {
  public:
    Session() = default;
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Cancels the compare in progress, if any, then checks `config` as
    // compare does (its set-up and memory limit: tinynn::Error) and starts
    // it, writing into `dir` with `yaml` as its config.yaml.
    void start(const experiment::Config& config, const std::string& yaml,
               const std::filesystem::path& dir);
    // Holds every run once it reaches the epoch the furthest one is at (or
    // finishes, if it was already training the next).
    void pause();
    void resume();
    // While paused: lets every run train one more epoch.
    void step();
    // Cancels the compare in progress and forgets it.
    void reset();

    // {"generation", "state", "paused_at", "held", "seq", "events": [...],
    // "boundaries": [...]}: "held" counts the runs waiting at "paused_at";
    // the events after sequence number `since` of the current compare
    // (all when `generation` differs from it), and the latest decision
    // boundary of each run that changed since. events.hpp has their form.
    std::string poll(uint64_t generation, uint64_t since) const;

    // A file of the finished compare's directory ("report.html",
    // "compare.csv"); none before it finished.
    std::optional<std::filesystem::path> finished_file(const std::string& name) const;

  private:
    void cancel();  // stops the thread, if any, and waits for it
    void run(experiment::Config config, std::string yaml, std::filesystem::path dir);
    void on_epoch(size_t run, const experiment::EpochMetrics& metrics);
    void push(std::string event);  // mutex_ held

    mutable std::mutex mutex_;  // guards everything below
    std::condition_variable gate_;
    std::thread worker_;
    bool cancel_ = false;
    bool paused_ = false;
    int64_t epoch_limit_ = 0;     // while paused, the last epoch a run may finish
    int64_t furthest_epoch_ = 0;  // over the runs
    size_t held_ = 0;             // runs waiting for the pause to end
    int64_t epochs_ = 0;
    std::string state_ = "idle";  // idle, running, paused, finished, failed, cancelled
    uint64_t generation_ = 0;
    uint64_t seq_ = 0;
    std::vector<std::pair<uint64_t, std::string>> events_;           // seq, JSON
    std::map<size_t, std::pair<uint64_t, std::string>> boundaries_;  // run: seq, JSON
    std::optional<std::filesystem::path> finished_dir_;
};

}  // namespace tinynn::cli::serve
