#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tinynn/random.hpp"
#include "tinynn/tensor.hpp"

namespace tinynn::data {

enum class Task { classification, regression };

// Samples in rows. Classification targets are class indices 0..K-1 stored
// as floats, shape [n]; regression targets are [n, outputs].
struct Dataset {
    Tensor features;  // [n, features]
    Tensor targets;   // [n] (classification) or [n, outputs] (regression)
    Task task = Task::regression;
    int64_t num_classes = 0;                 // classification only
    std::vector<std::string> feature_names;  // may be empty
    std::string target_name;                 // may be empty

    int64_t size() const;
    int64_t num_features() const;
    int64_t num_outputs() const;  // classes for classification
    // The rows at `indices`, in that order (a copy).
    Dataset subset(const std::vector<int64_t>& indices) const;
};

// The built-in synthetic sets, seeded through `gen`. `classes` is used by
// spiral and blobs; `noise` is the std of Gaussian noise added to the inputs
// (to the target for sine, to the angle for spiral, the clusters' spread for
// blobs).
//   xor: 2 features, 2 classes (sign of x*y, points uniform on [-1, 1]^2);
//   sine: 1 feature, y = sin(x) on [-pi, pi]; spiral: 2 features, `classes`
//   arms as in CS231n; moons, circles: 2 features, 2 classes, as sklearn's
//   make_moons and make_circles (factor 0.5); blobs: 2 features, `classes`
//   Gaussian clusters centred evenly on a circle of radius 2.
// Spiral, moons, circles and blobs give each class an equal share (to within
// one sample), in a shuffled order. Bad options throw an Error naming the key
// (data.samples). The features are named x0, x1 (sine's x), the target y.
struct SyntheticOptions {
    std::string kind = "xor";
    int64_t samples = 200;
    float noise = 0.1f;
    int64_t classes = 3;
};
Dataset make_synthetic(const SyntheticOptions& options, Generator& gen);
const std::vector<std::string>& synthetic_kinds();

// A CSV file of numbers: comma separated, cells trimmed, "\r\n" or "\n",
// trailing blank lines skipped. Classification labels must be integers
// 0..999; K is the largest plus one. Every error names the file, line and
// column.
struct CsvOptions {
    std::filesystem::path path;
    bool header = true;
    // Column name (needs a header) or 0-based index (any string of digits);
    // empty: the last column.
    std::string target;
    Task task = Task::classification;
};
Dataset load_csv(const CsvOptions& options);

// New rows for a trained model: a CSV file with a header, its feature
// columns found by name wherever they are and put in `features`' order. The
// target column is read when the header has it (classification labels must
// be classes of the model, 0..classes-1, and need not all occur); any other
// column is skipped unread. A missing feature column, or one the header
// names twice, is an error naming it.
struct ColumnsByName {
    std::filesystem::path path;
    std::vector<std::string> features;
    std::string target;
    Task task = Task::classification;
    int64_t classes = 0;  // classification
};
struct NamedRows {
    Dataset data;                      // targets undefined without a target column
    std::vector<std::string> skipped;  // the columns skipped, by header name
};
NamedRows load_csv_by_name(const ColumnsByName& columns);

struct Split {
    Dataset train;
    Dataset test;  // size 0 when test_fraction is 0
};
// The last round(test_fraction * n) samples (after a seeded shuffle when
// `shuffle` and there is a test set) are the test set. test_fraction must be
// in [0, 1) and leave at least one training sample.
Split train_test_split(const Dataset& data, double test_fraction, bool shuffle, Generator& gen);

// Feature standardisation with statistics from one set (the training split),
// applied to others; constant features are only centred.
struct Standardizer {
    std::vector<float> mean;
    std::vector<float> std;
    static Standardizer fit(const Dataset& data);
    void apply(Dataset& data) const;
};

// One-hot rows [n, classes] of class indices [n].
Tensor one_hot(const Tensor& indices, int64_t classes);

}  // namespace tinynn::data
