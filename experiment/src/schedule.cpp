#include "schedule.hpp"

namespace tinynn::experiment {

RunSchedule::RunSchedule(size_t runs, const CompareOptions& options, size_t window)
    : runs_(runs), window_(window), options_(options), first_error_index_(runs) {}

bool RunSchedule::stopping() const {
    {
        const std::lock_guard lock(mutex_);
        if (failed_)
            return true;
    }
    return options_.stop_requested && options_.stop_requested();
}

RunSchedule::Next RunSchedule::next(bool wait) {
    const bool stop = options_.stop_requested && options_.stop_requested();
    std::unique_lock lock(mutex_);
    const auto open = [&] {
        return failed_ || next_start_ >= runs_ || next_start_ < next_ordered_ + window_;
    };
    if (wait)
        turn_.wait(lock, open);
    else if (!open())
        return {Next::Kind::later};
    if (failed_ || stop || next_start_ >= runs_)
        return {Next::Kind::none};
    return {Next::Kind::run, next_start_++};
}

void RunSchedule::ended(RunOutcome outcome) {
    {
        const std::lock_guard lock(mutex_);
        ++done_;
        if (options_.on_run_done)
            options_.on_run_done(outcome, done_, runs_);
        waiting_.emplace(outcome.index, std::move(outcome));
        for (auto next = waiting_.find(next_ordered_); next != waiting_.end();
             next = waiting_.find(next_ordered_)) {
            if (options_.on_run_in_order)
                options_.on_run_in_order(next->second);
            waiting_.erase(next);
            ++next_ordered_;
        }
    }
    turn_.notify_all();
}

void RunSchedule::failed(size_t index, std::exception_ptr error) {
    {
        const std::lock_guard lock(mutex_);
        // The earliest run's error, so the message does not depend on --jobs
        // or on the ranks.
        if (!first_error_ || index < first_error_index_) {
            first_error_ = std::move(error);
            first_error_index_ = index;
        }
        failed_ = true;
    }
    turn_.notify_all();
}

void RunSchedule::rethrow_first_error() const {
    const std::lock_guard lock(mutex_);
    if (first_error_)
        std::rethrow_exception(first_error_);
}

}  // namespace tinynn::experiment
