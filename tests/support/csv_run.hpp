#pragma once

// A run trained by the real tinynn on a CSV file with normalize: standard,
// and new rows for it: what the predict and interop tests share.

#include <filesystem>
#include <vector>

namespace tinynn::test {

struct Row {
    double a = 0;
    double b = 0;
    int label = 0;
};

// Trains predict.yaml on 400 rows of train.csv (features a, b far from the
// origin and on different scales, target label: which side of a line
// through their middle) into dir/run: Linear(2, 16), Tanh, Linear(16, 2)
// with cross_entropy. Fails the test case if training fails.
void train_csv_run(const std::filesystem::path& dir);

// 50 new rows, mostly of class 1 (so their own mean and spread differ from
// the training split's), columns id, b, [label,] a: reordered, with a column
// the model does not use, and the target only when `labelled`.
std::vector<Row> write_new_rows(const std::filesystem::path& path, bool labelled);

}  // namespace tinynn::test
