#include "compare_ranks.hpp"

#include <chrono>
#include <cstring>
#include <deque>
#include <thread>
#include <vector>

#include "tinynn/error.hpp"
#include "tinynn/experiment/distributed.hpp"
#include "wire.hpp"

namespace tinynn::experiment {

namespace {

// The messages of compare over ranks.
enum Tag : int {
    kRequest = 101,  // worker -> 0: a thread is free
    kAssign = 102,   // 0 -> worker: the run index to train, or -1: no more
    kEpoch = 103,    // worker -> 0: run index, then epochs, each its length and bytes (wire.hpp)
    kDone = 104,     // worker -> 0: an outcome (wire.hpp)
    kFailed = 105,   // worker -> 0: run index, then the error's message
};

// A worker sends a run's epochs once they add up to this many bytes.
constexpr size_t kEpochBytes = 64 * 1024;

std::string index_bytes(int64_t index) {
    std::string bytes(sizeof index, '\0');
    std::memcpy(bytes.data(), &index, sizeof index);
    return bytes;
}

int64_t int64_of(std::string_view bytes) {
    if (bytes.size() < sizeof(int64_t))
        throw Error("compare over ranks: a message of " + std::to_string(bytes.size()) +
                    " bytes; expected a run index of 8 bytes first");
    int64_t index = 0;
    std::memcpy(&index, bytes.data(), sizeof index);
    return index;
}

}  // namespace

void hand_out_runs(RunSchedule& schedule, const CompareOptions& options, int jobs) {
    const int workers = jobs * (distributed::size() - 1);
    int told_no_more = 0;
    size_t out = 0;  // handed out, not yet back
    std::deque<int> asking;
    std::string bytes;
    auto idle = std::chrono::microseconds(10);
    while (told_no_more < workers || out > 0) {
        while (!asking.empty()) {
            const RunSchedule::Next next = schedule.next(/*wait=*/false);
            if (next.kind == RunSchedule::Next::Kind::later)
                break;
            const bool run = next.kind == RunSchedule::Next::Kind::run;
            distributed::send(asking.front(), kAssign,
                              index_bytes(run ? static_cast<int64_t>(next.index) : -1));
            asking.pop_front();
            out += run;
            told_no_more += !run;
        }
        int from = 0, tag = 0;
        // Polled, so that a window this rank's own runs open is seen too;
        // the wait grows to a millisecond while nothing comes.
        if (!distributed::receive(from, tag, bytes, /*wait=*/false)) {
            std::this_thread::sleep_for(idle);
            idle = std::min(idle * 2, std::chrono::microseconds(1000));
            continue;
        }
        idle = std::chrono::microseconds(10);
        switch (tag) {
            case kRequest:
                asking.push_back(from);
                break;
            case kEpoch:
                if (options.on_epoch) {
                    const auto index = static_cast<size_t>(int64_of(bytes));
                    std::string_view rest = std::string_view(bytes).substr(8);
                    while (!rest.empty()) {
                        const auto length = static_cast<size_t>(int64_of(rest));
                        if (length > rest.size() - 8)
                            throw Error("compare over ranks: an epoch of " +
                                        std::to_string(length) + " bytes in a message with " +
                                        std::to_string(rest.size() - 8) + " left");
                        options.on_epoch(index, wire::epoch_from(rest.substr(8, length)));
                        rest.remove_prefix(8 + length);
                    }
                }
                break;
            case kDone:
                --out;
                schedule.ended(wire::run_from(bytes));
                break;
            case kFailed:
                --out;
                schedule.failed(static_cast<size_t>(int64_of(bytes)),
                                std::make_exception_ptr(Error(bytes.substr(8))));
                break;
            default:
                throw Error("compare over ranks: a message with tag " + std::to_string(tag) +
                            " from rank " + std::to_string(from) + "; expected 101 to 105");
        }
    }
}

void serve_runs(const RunOne& run, const CompareOptions& options, int jobs) {
    const auto worker = [&] {
        for (;;) {
            distributed::send(0, kRequest, {});
            const int64_t index = int64_of(distributed::receive_from(0, kAssign));
            if (index < 0)
                return;
            // The run's epochs go in messages of about kEpochBytes: one a
            // epoch would cost a round trip each.
            std::string epochs;
            const auto send_epochs = [&] {
                if (!epochs.empty())
                    distributed::send(0, kEpoch, index_bytes(index) + epochs);
                epochs.clear();
            };
            CompareOptions remote = options;
            remote.on_epoch = [&](size_t, const EpochMetrics& m) {
                const std::string bytes = wire::to_bytes(m);
                epochs += index_bytes(static_cast<int64_t>(bytes.size())) + bytes;
                if (epochs.size() >= kEpochBytes)
                    send_epochs();
            };
            std::string result;
            int tag = kDone;
            try {
                result = wire::to_bytes(run(static_cast<size_t>(index), remote));
            } catch (const std::exception& e) {
                tag = kFailed;
                result = index_bytes(index) + e.what();
            }
            send_epochs();
            distributed::send(0, tag, result);
        }
    };
    std::vector<std::thread> threads;
    for (int j = 1; j < jobs; ++j)
        threads.emplace_back(worker);
    worker();
    for (std::thread& t : threads)
        t.join();
}

}  // namespace tinynn::experiment
