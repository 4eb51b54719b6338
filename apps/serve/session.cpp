#include "serve/session.hpp"

#include <algorithm>
#include <exception>

#include "serve/events.hpp"
#include "tinynn/experiment/memory.hpp"
#include "tinynn/experiment/runs.hpp"
#include "tinynn/experiment/write_outputs.hpp"

namespace tinynn::cli::serve {

namespace fs = std::filesystem;
using namespace tinynn::experiment;

namespace {

// About 25 pictures of the boundary per run, however long it trains.
int64_t boundary_every(int64_t epochs) {
    return std::max<int64_t>(1, epochs / 25);
}

size_t jobs_for(const Config& config) {
    return std::clamp<size_t>(run_specs(config).size(), 1, kMaxJobs);
}

}  // namespace

Session::~Session() {
    cancel();
}

void Session::cancel() {
    {
        const std::lock_guard lock(mutex_);
        cancel_ = true;
    }
    gate_.notify_all();
    if (worker_.joinable())
        worker_.join();
}

void Session::start(const Config& config, const std::string& yaml, const fs::path& dir) {
    // Checked first: a setup that cannot run leaves the one in progress be.
    check_compare(config, jobs_for(config));
    cancel();
    const std::lock_guard lock(mutex_);
    cancel_ = false;
    paused_ = false;
    epoch_limit_ = furthest_epoch_ = 0;
    epochs_ = config.training.epochs;
    state_ = "running";
    ++generation_;
    events_.clear();
    boundaries_.clear();
    finished_dir_.reset();
    push(start_event(config, dir.string(), yaml));
    worker_ = std::thread(&Session::run, this, config, yaml, dir);
}

void Session::run(Config config, std::string yaml, fs::path dir) {
    CompareOptions options{.jobs = static_cast<int>(jobs_for(config))};
    options.stop_requested = [this] {
        const std::lock_guard lock(mutex_);
        return cancel_;
    };
    options.on_epoch = [this](size_t run, const EpochMetrics& m) { on_epoch(run, m); };
    options.boundary_every = boundary_every(config.training.epochs);
    options.on_boundary = [this](size_t run, int64_t epoch, const chart::ClassMap& map) {
        std::string event = boundary_event(run, epoch, map);
        const std::lock_guard lock(mutex_);
        boundaries_[run] = {++seq_, std::move(event)};
    };
    std::string state = "finished", message;
    try {
        const CompareOutputs out = compare_into(dir, config, yaml, options);
        message = std::to_string(out.runs) + " runs, " + std::to_string(out.diverged) +
                  " diverged; " + (dir / kReportFile).string();
    } catch (const std::exception& e) {
        state = "failed";
        message = e.what();
    }
    const std::lock_guard lock(mutex_);
    if (cancel_)
        state = "cancelled";
    else if (state == "finished")
        finished_dir_ = dir;
    state_ = state;
    push(end_event(state, message));
}

void Session::on_epoch(size_t run, const EpochMetrics& m) {
    std::string event = on_curve(m.epoch, epochs_) ? epoch_event(run, m) : std::string();
    std::unique_lock lock(mutex_);
    if (!event.empty())
        push(std::move(event));
    furthest_epoch_ = std::max(furthest_epoch_, m.epoch);
    // A run already training the epoch after the limit when the pause came
    // finishes it (an epoch is not cut short): the others catch up.
    if (paused_ && m.epoch > epoch_limit_) {
        epoch_limit_ = m.epoch;
        gate_.notify_all();  // the runs held at the old limit go on to this one
    }
    // The run's thread waits here, between epochs, while the page holds it.
    ++held_;
    gate_.wait(lock, [&] { return cancel_ || !paused_ || m.epoch < epoch_limit_; });
    --held_;
}

void Session::push(std::string event) {
    events_.emplace_back(++seq_, std::move(event));
}

void Session::pause() {
    const std::lock_guard lock(mutex_);
    if (state_ != "running")
        return;
    paused_ = true;
    epoch_limit_ = furthest_epoch_;
    state_ = "paused";
}

void Session::resume() {
    {
        const std::lock_guard lock(mutex_);
        if (state_ != "paused")
            return;
        paused_ = false;
        state_ = "running";
    }
    gate_.notify_all();
}

void Session::step() {
    {
        const std::lock_guard lock(mutex_);
        if (state_ != "paused")
            return;
        epoch_limit_ = std::min(epoch_limit_ + 1, epochs_);
    }
    gate_.notify_all();
}

void Session::reset() {
    cancel();
    const std::lock_guard lock(mutex_);
    ++generation_;
    state_ = "idle";
    events_.clear();
    boundaries_.clear();
    finished_dir_.reset();
}

std::string Session::poll(uint64_t generation, uint64_t since) const {
    const std::lock_guard lock(mutex_);
    if (generation != generation_)
        since = 0;
    std::string out = "{\"generation\":" + std::to_string(generation_) + ",\"state\":\"" + state_ +
                      "\",\"paused_at\":" + std::to_string(paused_ ? epoch_limit_ : 0) +
                      ",\"held\":" + std::to_string(held_) + ",\"seq\":" + std::to_string(seq_) +
                      ",\"events\":[";
    const auto first = std::upper_bound(
        events_.begin(), events_.end(), since,
        [](uint64_t s, const std::pair<uint64_t, std::string>& e) { return s < e.first; });
    for (auto e = first; e != events_.end(); ++e)
        out += (e == first ? "" : ",") + e->second;
    out += "],\"boundaries\":[";
    bool any = false;
    for (const auto& [run, boundary] : boundaries_)
        if (boundary.first > since) {
            out += (any ? "," : "") + boundary.second;
            any = true;
        }
    return out + "]}";
}

std::optional<fs::path> Session::finished_file(const std::string& name) const {
    const std::lock_guard lock(mutex_);
    if (!finished_dir_)
        return std::nullopt;
    return *finished_dir_ / name;
}

}  // namespace tinynn::cli::serve
