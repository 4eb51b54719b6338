#include <cmath>
#include <sstream>
#include <string>
#include <utility>

#include "data/rows.hpp"
#include "memory/storage_pool.hpp"
#include "threads/team.hpp"
#include "tinynn/data/dataset.hpp"
#include "tinynn/error.hpp"

namespace tinynn::data {
namespace {

std::string format_number(double value) {
    std::ostringstream os;
    os << value;  // "0.2", "1.5", "nan": what the user wrote, not "0.200000"
    return os.str();
}

}  // namespace

namespace detail {

// Floats below which a batch is gathered on the calling thread alone.
constexpr double kSerialGather = 65536;

Tensor gather_rows(const Tensor& t, std::span<const int64_t> indices) {
    const Matrix& m = t.matrix();
    const auto k = static_cast<int64_t>(indices.size());
    if (t.dim() == 1) {
        Matrix out(1, k);
        for (int64_t i = 0; i < k; ++i)
            out(0, i) = m(0, indices[i]);
        return Tensor::from_matrix(std::move(out), {k});
    }
    // From the storage pool: a loader gathers a batch of the same size every
    // step, and fresh storage cost W3 ~100 page faults a step (each ~14 us on
    // a virtual machine) until glibc's thresholds settled, ~100 steps in.
    Matrix out = tinynn::detail::take_matrix(k, m.cols());  // [k, features]
    // Rows scattered over a large dataset: each thread waits on memory for
    // its share of them.
    const int parts = tinynn::detail::parts_for(static_cast<double>(out.size()), kSerialGather);
    tinynn::detail::run_parts(parts, [&](int p) {
        const auto [lo, hi] = tinynn::detail::part_range(k, p, parts, 1);
        for (int64_t i = lo; i < hi; ++i)
            out.row(i) = m.row(indices[i]);
    });
    return Tensor::from_matrix(std::move(out), {k, m.cols()});
}

void shuffle(std::vector<int64_t>& order, Generator& gen) {
    for (size_t i = order.size(); i > 1; --i)
        std::swap(order[i - 1], order[gen.below(i)]);
}

std::vector<int64_t> iota(int64_t n) {
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        order[static_cast<size_t>(i)] = i;
    return order;
}

}  // namespace detail

int64_t Dataset::size() const {
    return features.defined() ? features.size(0) : 0;
}

int64_t Dataset::num_features() const {
    return features.defined() ? features.size(1) : 0;
}

int64_t Dataset::num_outputs() const {
    if (task == Task::classification)
        return num_classes;
    if (!targets.defined())
        return 0;
    return targets.dim() == 2 ? targets.size(1) : 1;
}

Dataset Dataset::subset(const std::vector<int64_t>& indices) const {
    const int64_t n = size();
    for (int64_t i : indices)
        if (i < 0 || i >= n)
            throw Error("Dataset::subset: index " + std::to_string(i) + " is out of range for " +
                        std::to_string(n) + " samples");
    Dataset out;
    out.features = detail::gather_rows(features, indices);
    out.targets = detail::gather_rows(targets, indices);
    out.task = task;
    out.num_classes = num_classes;
    out.feature_names = feature_names;
    out.target_name = target_name;
    return out;
}

Split train_test_split(const Dataset& data, double test_fraction, bool shuffle, Generator& gen) {
    if (!(test_fraction >= 0.0 && test_fraction < 1.0))
        throw Error("data.test_split must be at least 0 and below 1, got " +
                    format_number(test_fraction));
    const int64_t n = data.size();
    const auto n_test = static_cast<int64_t>(std::llround(test_fraction * static_cast<double>(n)));
    const int64_t n_train = n - n_test;
    if (n_train < 1)
        throw Error("data.test_split " + format_number(test_fraction) + " of " + std::to_string(n) +
                    " samples leaves no training samples");
    std::vector<int64_t> order = detail::iota(n);
    // Without a test set there is nothing to choose, and the training set
    // keeps the file's order for `training.shuffle: false`.
    if (shuffle && n_test > 0)
        detail::shuffle(order, gen);
    const auto cut = order.begin() + n_train;
    return Split{data.subset({order.begin(), cut}), data.subset({cut, order.end()})};
}

Standardizer Standardizer::fit(const Dataset& data) {
    const int64_t n = data.size();
    if (n == 0)
        throw Error("Standardizer::fit: the dataset is empty");
    const Matrix& x = data.features.matrix();
    Standardizer s;
    for (int64_t j = 0; j < x.cols(); ++j) {
        // Two passes in double: a constant column then has exactly zero
        // deviation, so it is recognised as constant.
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i)
            sum += x(i, j);
        const double mean = sum / static_cast<double>(n);
        double squares = 0.0;
        for (int64_t i = 0; i < n; ++i)
            squares += (x(i, j) - mean) * (x(i, j) - mean);
        s.mean.push_back(static_cast<float>(mean));
        s.std.push_back(static_cast<float>(std::sqrt(squares / static_cast<double>(n))));
    }
    return s;
}

void Standardizer::apply(Dataset& data) const {
    if (data.num_features() != static_cast<int64_t>(mean.size()))
        throw Error("Standardizer: fitted on " + std::to_string(mean.size()) +
                    " features, applied to " + std::to_string(data.num_features()));
    // A new tensor, not a write through matrix(): copies of a Tensor share
    // their value, and other Datasets may hold this one.
    Matrix x = data.features.matrix();
    for (int64_t j = 0; j < x.cols(); ++j) {
        const auto col = static_cast<size_t>(j);
        x.col(j).array() -= mean[col];
        if (std[col] > 0.0f)
            x.col(j).array() /= std[col];
    }
    data.features = Tensor::from_matrix(std::move(x), data.features.shape());
}

Tensor one_hot(const Tensor& indices, int64_t classes) {
    if (indices.dim() != 1)
        throw Error("one_hot: expected class indices of shape [n], got " +
                    format_shape(indices.shape()));
    if (classes < 1)
        throw Error("one_hot: classes must be positive, got " + std::to_string(classes));
    const int64_t n = indices.numel();
    Matrix out = Matrix::Zero(n, classes);
    const float* v = indices.data();
    for (int64_t i = 0; i < n; ++i) {
        const float c = v[i];
        if (!(c >= 0.0f && c < static_cast<float>(classes) && c == std::floor(c)))
            throw Error("one_hot: element " + std::to_string(i) + " is " + format_number(c) +
                        ", not a class index in 0.." + std::to_string(classes - 1));
        out(i, static_cast<int64_t>(c)) = 1.0f;
    }
    return Tensor::from_matrix(std::move(out), {n, classes});
}

}  // namespace tinynn::data
