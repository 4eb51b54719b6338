// DataLoader: batch sizes, gathering, and the seeded per-epoch order.

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/data/loader.hpp>

#include "support/approx.hpp"

using Catch::Matchers::Contains;
using tinynn::Matrix;
using tinynn::Shape;
using tinynn::Tensor;
using tinynn::data::DataLoader;
using tinynn::data::Dataset;
using tinynn::data::Task;

namespace {

// Row i: features (i, 100 + i); classification target i % 2, or the
// regression target (1000 + i).
Dataset numbered(int64_t n, Task task = Task::classification) {
    Matrix x(n, 2);
    Matrix y = task == Task::classification ? Matrix(1, n) : Matrix(n, 1);
    for (int64_t i = 0; i < n; ++i) {
        x(i, 0) = static_cast<float>(i);
        x(i, 1) = static_cast<float>(100 + i);
        y(task == Task::classification ? 0 : i, task == Task::classification ? i : 0) =
            task == Task::classification ? static_cast<float>(i % 2) : static_cast<float>(1000 + i);
    }
    Dataset d;
    d.features = Tensor::from_matrix(x, {n, 2});
    d.targets =
        task == Task::classification ? Tensor::from_matrix(y, {n}) : Tensor::from_matrix(y, {n, 1});
    d.task = task;
    d.num_classes = task == Task::classification ? 2 : 0;
    return d;
}

// The sample numbers of one epoch, batch by batch, checking each row is
// intact and paired with its target.
std::vector<int64_t> epoch(DataLoader& loader) {
    loader.start_epoch();
    std::vector<int64_t> ids;
    for (int64_t b = 0; b < loader.num_batches(); ++b) {
        const tinynn::data::Batch batch = loader.batch(b);
        for (int64_t r = 0; r < batch.features.size(0); ++r) {
            const float i = batch.features.matrix()(r, 0);
            CHECK(batch.features.matrix()(r, 1) == 100.0f + i);
            CHECK(batch.targets.to_vector()[static_cast<size_t>(r)] ==
                  static_cast<float>(static_cast<int64_t>(i) % 2));
            ids.push_back(static_cast<int64_t>(i));
        }
    }
    return ids;
}

std::vector<int64_t> range(int64_t n) {
    std::vector<int64_t> v;
    for (int64_t i = 0; i < n; ++i)
        v.push_back(i);
    return v;
}

}  // namespace

TEST_CASE("batches have batch_size rows and the last partial one is kept", "[data][loader]") {
    const Dataset d = numbered(10);
    DataLoader loader(d, 4, false, 0);
    loader.start_epoch();
    REQUIRE(loader.num_batches() == 3);
    CHECK(loader.batch(0).features.shape() == Shape{4, 2});
    CHECK(loader.batch(0).targets.shape() == Shape{4});
    CHECK(loader.batch(2).features.shape() == Shape{2, 2});
    CHECK(loader.batch(2).targets.shape() == Shape{2});
    CHECK(epoch(loader) == range(10));
    // The loader's copy shares the values rather than copying them.
    CHECK(loader.dataset().features.data() == d.features.data());
    CHECK(loader.dataset().targets.data() == d.targets.data());
}

TEST_CASE("a loader made from a temporary dataset keeps it", "[data][loader]") {
    DataLoader loader(numbered(5), 2, false, 0);
    CHECK(loader.dataset().size() == 5);
    CHECK(epoch(loader) == range(5));
    CHECK(loader.batch(2).features.to_vector() == std::vector<float>{4, 104});
}

TEST_CASE("batch_size 0 or above n gives the whole set as one batch", "[data][loader]") {
    const Dataset d = numbered(7);
    for (int64_t size : {0, 7, 100}) {
        INFO(size);
        DataLoader loader(d, size, false, 0);
        REQUIRE(loader.num_batches() == 1);
        CHECK(loader.batch(0).features.shape() == Shape{7, 2});
    }
    DataLoader exact(d, 1, false, 0);
    CHECK(exact.num_batches() == 7);
}

TEST_CASE("regression batches are batch by outputs", "[data][loader]") {
    const Dataset d = numbered(5, Task::regression);
    DataLoader loader(d, 2, false, 0);
    const tinynn::data::Batch b = loader.batch(1);
    CHECK(b.targets.shape() == Shape{2, 1});
    CHECK(b.targets.to_vector() == std::vector<float>{1002, 1003});
}

TEST_CASE("a shuffling loader visits every sample once per epoch in a new order",
          "[data][loader]") {
    const Dataset d = numbered(23);
    DataLoader loader(d, 5, true, 9);
    const std::vector<int64_t> first = epoch(loader);
    const std::vector<int64_t> second = epoch(loader);
    CHECK(first != second);
    CHECK(first != range(23));
    for (std::vector<int64_t> ids : {first, second}) {
        std::sort(ids.begin(), ids.end());
        CHECK(ids == range(23));
    }
}

TEST_CASE("the batch order depends only on the seed", "[data][loader]") {
    const Dataset d = numbered(30);
    DataLoader a(d, 8, true, 5), b(d, 8, true, 5), c(d, 8, true, 6);
    for (int e = 0; e < 3; ++e) {
        INFO("epoch " << e);
        const std::vector<int64_t> ids = epoch(a);
        CHECK(ids == epoch(b));
        CHECK(ids != epoch(c));
    }
}

TEST_CASE("without shuffle every epoch is in dataset order", "[data][loader]") {
    const Dataset d = numbered(9);
    DataLoader loader(d, 4, false, 5);
    CHECK(epoch(loader) == range(9));
    CHECK(epoch(loader) == range(9));
}

TEST_CASE("bad loader arguments are errors", "[data][loader]") {
    const Dataset d = numbered(4);
    CHECK_THROWS_WITH(DataLoader(d, -1, false, 0), Contains("batch_size") && Contains("-1"));
    DataLoader loader(d, 3, false, 0);
    CHECK_THROWS_WITH(loader.batch(2), Contains("batch 2 is out of range"));
    CHECK_THROWS_WITH(loader.batch(-1), Contains("out of range"));

    Dataset mismatched = d;
    mismatched.targets = Tensor({0.0f, 1.0f});
    CHECK_THROWS_WITH(DataLoader(mismatched, 2, false, 0), Contains("one sample per row"));

    const Dataset empty;
    DataLoader none(empty, 4, true, 0);
    none.start_epoch();
    CHECK(none.num_batches() == 0);
}
