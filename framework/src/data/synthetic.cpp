#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>
#include <string>
#include <utility>

#include "data/rows.hpp"
#include "tinynn/data/dataset.hpp"
#include "tinynn/error.hpp"

namespace tinynn::data {
namespace {

// Far beyond any toy set, but low enough that a typo cannot ask for gigabytes.
constexpr int64_t kMaxSamples = 10'000'000;
constexpr int64_t kMaxClasses = 1000;
// Blob centres sit on a circle of this radius, a few default noise widths
// apart even for many classes.
constexpr double kBlobRadius = 2.0;

constexpr double kPi = std::numbers::pi;

std::string format_number(double value) {
    std::ostringstream os;
    os << value;
    return os.str();
}

void validate(const SyntheticOptions& o) {
    const auto& kinds = synthetic_kinds();
    if (std::find(kinds.begin(), kinds.end(), o.kind) == kinds.end()) {
        std::string valid;
        for (const auto& k : kinds)
            valid += (valid.empty() ? "" : ", ") + k;
        throw Error("data.kind: unknown kind '" + escape_text(o.kind) + "'; expected one of " +
                    valid);
    }
    if (o.samples < 1 || o.samples > kMaxSamples)
        throw Error("data.samples must be between 1 and " + std::to_string(kMaxSamples) + ", got " +
                    std::to_string(o.samples));
    if (!(std::isfinite(o.noise) && o.noise >= 0.0f))
        throw Error("data.noise must be a finite number >= 0, got " + format_number(o.noise));
    if (o.classes < 2 || o.classes > kMaxClasses)
        throw Error("data.classes must be between 2 and " + std::to_string(kMaxClasses) + ", got " +
                    std::to_string(o.classes));
}

// Samples of class c when n are shared as evenly as possible among k classes.
int64_t class_count(int64_t n, int64_t k, int64_t c) {
    return n / k + (c < n % k ? 1 : 0);
}

// Point i of m evenly spaced on [a, b], numpy.linspace's spacing.
double linspace(double a, double b, int64_t m, int64_t i) {
    return m == 1 ? a : a + (b - a) * static_cast<double>(i) / static_cast<double>(m - 1);
}

// Two-feature classification points, written class by class; finish()
// shuffles them so that any contiguous slice (the test split without
// shuffle_split, a batch without shuffle) holds every class.
class Points {
  public:
    Points(int64_t n, int64_t classes, float noise, Generator& gen)
        : x_(n, 2), labels_(1, n), classes_(classes), noise_(noise), gen_(gen) {}

    void add(double a, double b, int64_t label) {
        x_(next_, 0) = static_cast<float>(a) + gen_.normal(0.0f, noise_);
        x_(next_, 1) = static_cast<float>(b) + gen_.normal(0.0f, noise_);
        labels_(0, next_) = static_cast<float>(label);
        ++next_;
    }

    Dataset finish() {
        const int64_t n = x_.rows();
        Dataset d;
        d.features = Tensor::from_matrix(std::move(x_), {n, 2});
        d.targets = Tensor::from_matrix(std::move(labels_), {n});
        d.task = Task::classification;
        d.num_classes = classes_;
        d.feature_names = {"x0", "x1"};
        d.target_name = "y";
        std::vector<int64_t> order = detail::iota(n);
        detail::shuffle(order, gen_);
        return d.subset(order);
    }

  private:
    Matrix x_;
    Matrix labels_;
    int64_t classes_;
    float noise_;
    Generator& gen_;
    int64_t next_ = 0;
};

Dataset make_xor(const SyntheticOptions& o, Generator& gen) {
    Points p(o.samples, 2, o.noise, gen);
    for (int64_t i = 0; i < o.samples; ++i) {
        const float a = gen.uniform(-1.0f, 1.0f);
        const float b = gen.uniform(-1.0f, 1.0f);
        p.add(a, b, a * b > 0.0f ? 1 : 0);  // labelled before the noise blurs the quadrants
    }
    return p.finish();
}

Dataset make_sine(const SyntheticOptions& o, Generator& gen) {
    const int64_t n = o.samples;
    Matrix x(n, 1);
    Matrix y(n, 1);
    for (int64_t i = 0; i < n; ++i) {
        x(i, 0) = gen.uniform(static_cast<float>(-kPi), static_cast<float>(kPi));
        y(i, 0) =
            static_cast<float>(std::sin(static_cast<double>(x(i, 0)))) + gen.normal(0.0f, o.noise);
    }
    Dataset d;
    d.features = Tensor::from_matrix(std::move(x), {n, 1});
    d.targets = Tensor::from_matrix(std::move(y), {n, 1});
    d.task = Task::regression;
    d.feature_names = {"x"};
    d.target_name = "y";
    return d;
}

// CS231n's spiral: arm c turns through 4 radians while the radius grows from
// 0 to 1; the noise jitters the angle.
Dataset make_spiral(const SyntheticOptions& o, Generator& gen) {
    Points p(o.samples, o.classes, 0.0f, gen);  // the noise goes into the angle instead
    for (int64_t c = 0; c < o.classes; ++c) {
        const int64_t m = class_count(o.samples, o.classes, c);
        for (int64_t i = 0; i < m; ++i) {
            const double r = linspace(0.0, 1.0, m, i);
            const double theta = 4.0 * static_cast<double>(c) + 4.0 * r + gen.normal(0.0f, o.noise);
            p.add(r * std::sin(theta), r * std::cos(theta), c);
        }
    }
    return p.finish();
}

// sklearn.datasets.make_moons: two interleaving half circles.
Dataset make_moons(const SyntheticOptions& o, Generator& gen) {
    Points p(o.samples, 2, o.noise, gen);
    const int64_t outer = o.samples / 2;
    const int64_t inner = o.samples - outer;
    for (int64_t i = 0; i < outer; ++i) {
        const double t = linspace(0.0, kPi, outer, i);
        p.add(std::cos(t), std::sin(t), 0);
    }
    for (int64_t i = 0; i < inner; ++i) {
        const double t = linspace(0.0, kPi, inner, i);
        p.add(1.0 - std::cos(t), 1.0 - std::sin(t) - 0.5, 1);
    }
    return p.finish();
}

// sklearn.datasets.make_circles with factor 0.5: a unit circle around one of
// half its radius.
Dataset make_circles(const SyntheticOptions& o, Generator& gen) {
    constexpr double kFactor = 0.5;
    Points p(o.samples, 2, o.noise, gen);
    const int64_t outer = o.samples / 2;
    const int64_t inner = o.samples - outer;
    for (int64_t i = 0; i < outer; ++i) {
        const double t = 2.0 * kPi * static_cast<double>(i) / static_cast<double>(outer);
        p.add(std::cos(t), std::sin(t), 0);
    }
    for (int64_t i = 0; i < inner; ++i) {
        const double t = 2.0 * kPi * static_cast<double>(i) / static_cast<double>(inner);
        p.add(kFactor * std::cos(t), kFactor * std::sin(t), 1);
    }
    return p.finish();
}

// Fixed centres evenly spaced on a circle, rather than sklearn's random ones,
// so that no two classes can land on top of each other; noise is the
// clusters' standard deviation.
Dataset make_blobs(const SyntheticOptions& o, Generator& gen) {
    Points p(o.samples, o.classes, o.noise, gen);
    for (int64_t c = 0; c < o.classes; ++c) {
        const double angle = 2.0 * kPi * static_cast<double>(c) / static_cast<double>(o.classes);
        const int64_t m = class_count(o.samples, o.classes, c);
        for (int64_t i = 0; i < m; ++i)
            p.add(kBlobRadius * std::cos(angle), kBlobRadius * std::sin(angle), c);
    }
    return p.finish();
}

}  // namespace

const std::vector<std::string>& synthetic_kinds() {
    static const std::vector<std::string> kinds = {"xor",   "sine",    "spiral",
                                                   "moons", "circles", "blobs"};
    return kinds;
}

Dataset make_synthetic(const SyntheticOptions& options, Generator& gen) {
    validate(options);
    const std::string& k = options.kind;
    if (k == "xor")
        return make_xor(options, gen);
    if (k == "sine")
        return make_sine(options, gen);
    if (k == "spiral")
        return make_spiral(options, gen);
    if (k == "moons")
        return make_moons(options, gen);
    if (k == "circles")
        return make_circles(options, gen);
    return make_blobs(options, gen);
}

}  // namespace tinynn::data
