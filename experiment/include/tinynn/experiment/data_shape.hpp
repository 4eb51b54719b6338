#pragma once

// How much data a config's run will hold, known before the data is generated
// or read, so that its memory can be checked before any of it is allocated.

#include <cstdint>
#include <optional>

#include "tinynn/data.hpp"
#include "tinynn/experiment/config.hpp"

namespace tinynn::experiment {

struct DataShape {
    int64_t samples = 0;
    int64_t features = 0;
    int64_t target_columns = 1;  // per sample as stored: 1 for class indices
    int64_t classes = 0;         // classification: K; 0 for regression
};

// A built-in kind's shape, exactly as data::make_synthetic will make it.
DataShape synthetic_shape(const DataConfig& data);

// A CSV file's shape from its size and its first line, without reading the
// rest: every cell takes at least two bytes ("0," or "0\n"), so `samples` is
// an upper bound. Classification counts 2 classes, the fewest there can be,
// since the labels are not read. nullopt when the file cannot be opened, is
// not a regular file (a FIFO is never waited on) or its first line is no
// row: loading it then reports why.
std::optional<DataShape> csv_shape_bound(const DataConfig& data);

// As csv_shape_bound, with the rows counted by one pass over the file that
// allocates nothing (blank trailing lines still count, so it may be a few
// over).
std::optional<DataShape> csv_shape_counted(const DataConfig& data);

// The shape of data already loaded, as one set or as its split.
DataShape shape_of(const data::Dataset& dataset);
DataShape shape_of(const data::Split& split);

}  // namespace tinynn::experiment
