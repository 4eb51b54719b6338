#include "apps/train/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include <spdlog/spdlog.h>

namespace tinynn::app {

Progress::Progress(int64_t epochs, int64_t log_every, bool quiet)
    : epochs_(epochs),
      log_every_(log_every),
      quiet_(quiet),
      live_(!quiet && isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()) {}

void Progress::update(const EpochMetrics& m, double samples_per_second) {
    if (quiet_)
        return;
    const auto now = std::chrono::steady_clock::now();
    const bool last = m.epoch == epochs_;
    if (!live_) {
        if (m.epoch % log_every_ == 0 || last) {
            if (m.test_accuracy)
                spdlog::info("epoch {}/{} train_loss {:.6g} test_loss {:.6g} test_accuracy {:.4f}",
                             m.epoch, epochs_, m.train_loss, *m.test_loss, *m.test_accuracy);
            else if (m.test_loss)
                spdlog::info("epoch {}/{} train_loss {:.6g} test_loss {:.6g}", m.epoch, epochs_,
                             m.train_loss, *m.test_loss);
            else
                spdlog::info("epoch {}/{} train_loss {:.6g}", m.epoch, epochs_, m.train_loss);
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

void Progress::finish() {
    if (line_open_)
        std::fputc('\n', stderr);
    line_open_ = false;
}

}  // namespace tinynn::app
