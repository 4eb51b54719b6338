#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "autograd/graph.hpp"
#include "tinynn/tensor.hpp"

namespace tinynn {
namespace {

// torch's print options (torch.set_printoptions' defaults).
constexpr int kPrecision = 4;
constexpr int64_t kThreshold = 1000;  // more elements than this: summarised
constexpr int64_t kEdgeItems = 3;     // kept at each end of a summarised dim
constexpr int kLineWidth = 80;

// Python's "{:.<precision><kind>}".format(value) for a float: C's printf,
// except that NaN has no sign.
std::string python_format(double value, char kind, int precision) {
    if (std::isnan(value))
        return "nan";
    if (std::isinf(value))
        return value > 0 ? "inf" : "-inf";
    char text[64];
    const char format[] = {'%', '.', '*', kind, '\0'};
    std::snprintf(text, sizeof text, format, precision, value);
    return text;
}

// torch._tensor_str._Formatter: one number format for all of a tensor's
// printed values. Integers print as "3."; values spanning more than three
// orders of magnitude, or beyond 1e8, or (not all integers) below 1e-4, in
// scientific notation; the rest with four decimals. Widths line the columns up.
class Formatter {
  public:
    explicit Formatter(const std::vector<float>& values) {
        std::vector<double> nonzero;  // finite and nonzero, as torch's
        for (float v : values)
            if (std::isfinite(v) && v != 0.0f)
                nonzero.push_back(v);
        if (nonzero.empty())
            return;
        double min = std::abs(nonzero[0]), max = min;
        for (double v : nonzero) {
            min = std::min(min, std::abs(v));
            max = std::max(max, std::abs(v));
            if (v != std::ceil(v))
                int_mode_ = false;
        }
        sci_mode_ = max / min > 1000.0 || max > 1.0e8 || (!int_mode_ && min < 1.0e-4);
        for (double v : nonzero) {
            if (sci_mode_)
                width_ = std::max(width_, python_format(v, 'e', kPrecision).size());
            else if (int_mode_)
                width_ = std::max(width_, python_format(v, 'f', 0).size() + 1);
            else
                width_ = std::max(width_, python_format(v, 'f', kPrecision).size());
        }
    }

    size_t width() const { return width_; }

    std::string format(float value) const {
        std::string text;
        if (sci_mode_) {
            text = python_format(value, 'e', kPrecision);
        } else if (int_mode_) {
            text = python_format(value, 'f', 0);
            if (std::isfinite(value))
                text += '.';
        } else {
            text = python_format(value, 'f', kPrecision);
        }
        if (text.size() < width_)
            text.insert(0, width_ - text.size(), ' ');
        return text;
    }

  private:
    bool int_mode_ = true;
    bool sci_mode_ = false;
    size_t width_ = 1;
};

// The indices printed along a dim of `size`: all, or the first and last
// kEdgeItems when summarising (-1 marks the "..." between them).
std::vector<int64_t> shown(int64_t size, bool summarize) {
    std::vector<int64_t> out;
    if (summarize && size > 2 * kEdgeItems) {
        for (int64_t i = 0; i < kEdgeItems; ++i)
            out.push_back(i);
        out.push_back(-1);
        for (int64_t i = size - kEdgeItems; i < size; ++i)
            out.push_back(i);
    } else {
        for (int64_t i = 0; i < size; ++i)
            out.push_back(i);
    }
    return out;
}

// torch._tensor_str._vector_str: one row, wrapped to the line width.
std::string vector_str(const float* row, int64_t size, size_t indent, bool summarize,
                       const Formatter& f) {
    const size_t element_length = f.width() + 2;
    const size_t per_line = std::max<size_t>(
        1, kLineWidth > static_cast<int>(indent) ? (kLineWidth - indent) / element_length : 0);
    std::vector<std::string> data;
    for (int64_t i : shown(size, summarize))
        data.push_back(i < 0 ? std::string(" ...") : f.format(row[i]));
    std::string out = "[";
    for (size_t i = 0; i < data.size(); ++i) {
        if (i > 0)
            out += i % per_line == 0 ? ",\n" + std::string(indent + 1, ' ') : ", ";
        out += data[i];
    }
    return out + "]";
}

// torch's name for the backward of the op that made a value: the op's name
// in CamelCase, then Backward0, except where torch records another op or
// overload. An op with several forms gets the name of its common one: sum
// and mean of everything, max and min along a dim, squeeze of a dim, matmul
// of two matrices, Linear on a batch with a bias.
std::string grad_fn_name(const char* op) {
    static const std::pair<const char*, const char*> renamed[] = {
        {"matmul", "MmBackward0"},
        {"linear", "AddmmBackward0"},
        {"reshape", "ReshapeAliasBackward0"},
        {"index", "SelectBackward0"},
        {"cross_entropy", "NllLossBackward0"},
        {"rsub", "RsubBackward1"},  // scalar - tensor
        {"rdiv", "MulBackward0"},   // scalar / tensor is reciprocal(tensor) * scalar
        {"clamp", "ClampBackward1"},
        {"squeeze", "SqueezeBackward1"},
    };
    const std::string name = op;
    for (const auto& [from, to] : renamed)
        if (name == from)
            return to;
    std::string camel;
    bool upper = true;
    for (char c : name) {
        if (c == '_') {
            upper = true;
            continue;
        }
        camel += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
        upper = false;
    }
    return camel + "Backward0";
}

std::string shape_tuple(const Shape& shape) {
    std::string out = "(";
    for (size_t i = 0; i < shape.size(); ++i)
        out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

// torch 1.13's repr (torch/_tensor_str.py) for float32 tensors of rank 0-2.
std::ostream& operator<<(std::ostream& os, const Tensor& t) {
    if (!t.defined())
        return os << "tensor(undefined)";
    const std::string prefix = "tensor(";
    const size_t indent = prefix.size();
    const std::vector<float> values = t.to_vector();
    const int64_t rows = t.dim() == 2 ? t.size(0) : 1;
    const int64_t cols = t.dim() == 0 ? 1 : t.size(-1);
    const bool summarize = t.numel() > kThreshold;
    std::vector<std::string> suffixes;
    std::string body;
    if (t.numel() == 0) {
        body = "[]";
        if (t.dim() != 1)
            suffixes.push_back("size=" + shape_tuple(t.shape()));
    } else {
        // The format is chosen from the values printed only, as torch's.
        std::vector<float> printed;
        for (int64_t r : shown(rows, summarize && t.dim() == 2))
            for (int64_t c : shown(cols, summarize))
                if (r >= 0 && c >= 0)
                    printed.push_back(values[static_cast<size_t>(r * cols + c)]);
        const Formatter f(printed);
        if (t.dim() == 0) {
            body = f.format(values[0]);
        } else if (t.dim() == 1) {
            body = vector_str(values.data(), cols, indent, summarize, f);
        } else {
            body = "[";
            bool first = true;
            for (int64_t r : shown(rows, summarize)) {
                if (!first)
                    body += ",\n" + std::string(indent + 1, ' ');
                first = false;
                body += r < 0
                            ? std::string("...")
                            : vector_str(values.data() + r * cols, cols, indent + 1, summarize, f);
            }
            body += "]";
        }
    }
    const auto& grad_fn = t.impl()->grad_fn;
    if (grad_fn != nullptr)
        suffixes.push_back("grad_fn=<" + grad_fn_name(grad_fn->op) + ">");
    else if (t.requires_grad())
        suffixes.push_back("requires_grad=True");
    // torch._tensor_str._add_suffixes: on the last line if they fit in its width.
    std::string out = prefix + body;
    const size_t newline = out.rfind('\n');
    size_t last_line = newline == std::string::npos ? out.size() + 2 : out.size() - newline + 1;
    for (const std::string& suffix : suffixes) {
        if (last_line + suffix.size() + 2 > static_cast<size_t>(kLineWidth)) {
            out += ",\n" + std::string(indent, ' ') + suffix;
            last_line = indent + suffix.size();
        } else {
            out += ", " + suffix;
            last_line += suffix.size() + 2;
        }
    }
    return os << out << ')';
}

}  // namespace tinynn
