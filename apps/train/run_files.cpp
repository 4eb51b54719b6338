#include "apps/train/run_files.hpp"

#include <charconv>

#include "io/atomic_file.hpp"

namespace tinynn::app {

namespace {
// Shortest text that reads back as the same double.
void append_number(std::string& out, double value) {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, end);
}
}  // namespace

std::string metrics_csv(const TrainResult& result, bool has_test, bool classification) {
    std::string out = "epoch,train_loss";
    if (has_test)
        out += classification ? ",test_loss,test_accuracy" : ",test_loss";
    out += '\n';
    for (const EpochMetrics& m : result.history) {
        out += std::to_string(m.epoch);
        out += ',';
        append_number(out, m.train_loss);
        if (has_test) {
            out += ',';
            append_number(out, m.test_loss.value_or(0));
            if (classification) {
                out += ',';
                append_number(out, m.test_accuracy.value_or(0));
            }
        }
        out += '\n';
    }
    return out;
}

void write_text_file(const std::filesystem::path& path, const std::string& text) {
    detail::write_file_atomically(path, text);
}

}  // namespace tinynn::app
