#include "wire.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "tinynn/error.hpp"

namespace tinynn::experiment::wire {

namespace {

// Each type's fields, in the order they travel: one list that both the
// Writer and the Reader walk (`io` is either; the Writer only reads them).
template <class Io>
void fields(Io& io, Histogram& h) {
    io(h.low, h.high, h.counts);
}

template <class Io>
void fields(Io& io, ProbeStats& p) {
    io(p.mean, p.std, p.p2, p.p50, p.p98, p.unit0_input_p15, p.unit0_input_p50, p.unit0_input_p85,
       p.outputs, p.gradients, p.firing);
}

template <class Io>
void fields(Io& io, GradNorm& g) {
    io(g.name, g.norm, g.update_ratio);
}

template <class Io>
void fields(Io& io, ActivationStats& a) {
    io(a.layer, a.kind, a.units, a.dead_fraction, a.saturated_fraction, a.mean, a.probe);
}

template <class Io>
void fields(Io& io, EpochDiagnostics& d) {
    io(d.grad_norms, d.activations, d.dead_fraction, d.saturated_fraction);
}

template <class Io>
void fields(Io& io, EpochMetrics& m) {
    io(m.epoch, m.train_loss, m.lr, m.test_loss, m.test_accuracy, m.diagnostics);
}

template <class Io>
void fields(Io& io, chart::Point& p) {
    io(p.x, p.y, p.label);
}

template <class Io>
void fields(Io& io, chart::ClassMap& m) {
    io(m.title, m.x_min, m.x_max, m.y_min, m.y_max, m.nx, m.ny, m.predicted, m.confidence,
       m.points);
}

template <class Io>
void fields(Io& io, BestEpoch& b) {
    io(b.epoch, b.loss);
}

template <class Io>
void fields(Io& io, TrainResult& t) {
    io(t.history, t.diverged_at, t.interrupted, t.best_epoch, t.best_restored,
       t.stopped_early_after);
}

template <class Io>
void fields(Io& io, RunOutcome& r) {
    io(r.spec.activation, r.spec.seed, r.spec.point, r.index, r.result, r.first_epoch, r.curve,
       r.epochs_to_target, r.best, r.late_grad_ratio, r.boundary, r.classes, r.seconds);
}

template <class T>
concept Plain = std::is_arithmetic_v<T> || std::is_enum_v<T>;

class Writer {
  public:
    template <class... T>
    void operator()(const T&... values) {
        (put(values), ...);
    }
    std::string take() { return std::move(out_); }

  private:
    template <Plain T>
    void put(T value) {
        char bytes[sizeof(T)];
        std::memcpy(bytes, &value, sizeof(T));
        out_.append(bytes, sizeof(T));
    }
    void put(const std::string& text) {
        put(static_cast<uint64_t>(text.size()));
        out_ += text;
    }
    template <class T>
    void put(const std::optional<T>& value) {
        put(value.has_value());
        if (value)
            put(*value);
    }
    template <class T>
    void put(const std::vector<T>& values) {
        put(static_cast<uint64_t>(values.size()));
        for (const T& v : values)
            put(v);
    }
    template <class T>
    requires(!Plain<T>) void put(const T& value) {
        // fields() takes its argument mutable for the Reader; writing only reads it.
        fields(*this, const_cast<T&>(value));
    }

    std::string out_;
};

class Reader {
  public:
    explicit Reader(std::string_view in) : in_(in) {}

    template <class... T>
    void operator()(T&... values) {
        (get(values), ...);
    }

    void finish() const {
        if (!in_.empty())
            throw Error("wire: " + std::to_string(in_.size()) +
                        " bytes left over after a compare message; expected none");
    }

  private:
    template <Plain T>
    void get(T& value) {
        need(sizeof(T));
        std::memcpy(&value, in_.data(), sizeof(T));
        in_.remove_prefix(sizeof(T));
    }
    void get(std::string& text) {
        text.assign(in_.substr(0, length()));
        in_.remove_prefix(text.size());
    }
    template <class T>
    void get(std::optional<T>& value) {
        bool has = false;
        get(has);
        value.reset();
        if (has)
            get(value.emplace());
    }
    template <class T>
    void get(std::vector<T>& values) {
        values.resize(length());
        for (T& v : values)
            get(v);
    }
    template <class T>
    requires(!Plain<T>) void get(T& value) { fields(*this, value); }

    void need(size_t bytes) const {
        if (in_.size() < bytes)
            throw Error("wire: a compare message ends early; expected " + std::to_string(bytes) +
                        " more bytes, found " + std::to_string(in_.size()));
    }
    // A count of items of at least a byte each, checked against what is left.
    size_t length() {
        uint64_t n = 0;
        get(n);
        need(static_cast<size_t>(std::min<uint64_t>(n, in_.size() + 1)));
        return static_cast<size_t>(n);
    }

    std::string_view in_;
};

template <class T>
T read(std::string_view bytes) {
    Reader reader(bytes);
    T value{};
    reader(value);
    reader.finish();
    return value;
}

template <class T>
std::string write(const T& value) {
    Writer writer;
    writer(value);
    return writer.take();
}

}  // namespace

std::string to_bytes(const EpochMetrics& epoch) {
    return write(epoch);
}

EpochMetrics epoch_from(std::string_view bytes) {
    return read<EpochMetrics>(bytes);
}

std::string to_bytes(const RunOutcome& run) {
    return write(run);
}

RunOutcome run_from(std::string_view bytes) {
    return read<RunOutcome>(bytes);
}

}  // namespace tinynn::experiment::wire
