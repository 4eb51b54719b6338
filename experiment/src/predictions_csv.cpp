#include <charconv>
#include <string>

#include "tinynn/experiment/predictor.hpp"

namespace tinynn::experiment {
namespace {

void append_float(std::string& out, float value) {
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, end);
}

void append_columns(std::string& out, const char* prefix, int64_t count) {
    for (int64_t j = 0; j < count; ++j) {
        out += ',';
        out += prefix;
        out += std::to_string(j);
    }
}

}  // namespace

std::string predictions_csv(const Predictions& p) {
    const bool classification = p.scores.defined();
    const Matrix& values = p.prediction.matrix();  // [1, n] classes or [n, outputs] values
    const int64_t rows = classification ? values.cols() : values.rows();
    const int64_t outputs = classification ? 1 : values.cols();
    std::string out = "prediction";
    if (outputs > 1) {
        out.clear();
        append_columns(out, "prediction_", outputs);
        out.erase(0, 1);  // the first column's comma
    }
    if (classification)
        append_columns(out, "score_", p.scores.size(1));
    out += '\n';
    for (int64_t i = 0; i < rows; ++i) {
        if (classification) {
            out += std::to_string(static_cast<int64_t>(values(0, i)));
            for (int64_t j = 0; j < p.scores.size(1); ++j) {
                out += ',';
                append_float(out, p.scores.matrix()(i, j));
            }
        } else {
            for (int64_t j = 0; j < outputs; ++j) {
                if (j > 0)
                    out += ',';
                append_float(out, values(i, j));
            }
        }
        out += '\n';
    }
    return out;
}

}  // namespace tinynn::experiment
