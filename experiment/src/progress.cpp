#include "tinynn/experiment/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace tinynn::experiment {

namespace {

// "[14:03:07] " before each log line, as the command's other logs.
void log_line(const char* text) {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char stamp[16];
    std::strftime(stamp, sizeof stamp, "%H:%M:%S", &local);
    std::printf("[%s] %s\n", stamp, text);
    std::fflush(stdout);
}

}  // namespace

Progress::Progress(int64_t epochs, int64_t log_every, bool quiet)
    : epochs_(epochs),
      log_every_(log_every),
      quiet_(quiet),
      live_(!quiet && isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()) {}

void Progress::on_epoch_end(EpochMetrics& m, TrainState& state) {
    if (quiet_)
        return;
    const double samples_per_second =
        state.epoch_seconds > 0 ? static_cast<double>(state.epoch_samples) / state.epoch_seconds
                                : 0;
    const auto now = std::chrono::steady_clock::now();
    const bool last = m.epoch == epochs_;
    if (!live_) {
        if (m.epoch % log_every_ == 0 || last) {
            char line[160];
            const auto epoch = static_cast<long long>(m.epoch);
            const auto epochs = static_cast<long long>(epochs_);
            if (m.test_accuracy)
                std::snprintf(line, sizeof line,
                              "epoch %lld/%lld train_loss %.6g test_loss %.6g test_accuracy %.4f",
                              epoch, epochs, m.train_loss, *m.test_loss, *m.test_accuracy);
            else if (m.test_loss)
                std::snprintf(line, sizeof line, "epoch %lld/%lld train_loss %.6g test_loss %.6g",
                              epoch, epochs, m.train_loss, *m.test_loss);
            else
                std::snprintf(line, sizeof line, "epoch %lld/%lld train_loss %.6g", epoch, epochs,
                              m.train_loss);
            log_line(line);
        }
        return;
    }
    // Redrawing more than ~20 times a second only costs time.
    if (!last && now - last_draw_ < std::chrono::milliseconds(50))
        return;
    last_draw_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta =
        elapsed / static_cast<double>(m.epoch) * static_cast<double>(epochs_ - m.epoch);
    std::fprintf(stderr, "\r\033[Kepoch %lld/%lld  loss %.6g  %.0f samples/s  ETA %.1fs",
                 static_cast<long long>(m.epoch), static_cast<long long>(epochs_), m.train_loss,
                 samples_per_second, eta);
    std::fflush(stderr);
    line_open_ = true;
}

void Progress::on_train_end(nn::Module&, const TrainResult&) {
    if (line_open_)
        std::fputc('\n', stderr);
    line_open_ = false;
}

}  // namespace tinynn::experiment
