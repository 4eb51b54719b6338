#pragma once

#include <cstdint>
#include <vector>

#include "tinynn/data/dataset.hpp"

namespace tinynn::data {

struct Batch {
    Tensor features;  // [batch, features]
    Tensor targets;   // [batch] or [batch, outputs]
};

// Minibatches over a dataset. batch_size 0 means the whole set as one batch;
// the last partial batch is kept. With shuffle, every start_epoch() draws a
// new order from the loader's own generator (seeded at construction), so the
// sequence of batches depends only on the seed.
//
// The loader keeps its own copy of the Dataset, so it may outlive the one it
// was given (a temporary, say). The copy is cheap and shares the values: a
// Dataset's Tensors are handles to their storage.
class DataLoader {
  public:
    DataLoader(Dataset data, int64_t batch_size, bool shuffle, uint64_t seed);

    void start_epoch();  // call before each epoch's batches
    int64_t num_batches() const;
    Batch batch(int64_t index) const;  // gathers the rows of batch `index` this epoch
    const Dataset& dataset() const { return data_; }
    // The shuffling's generator, whose state decides every later epoch's
    // order (checkpoints save it to resume exactly).
    Generator& generator() { return gen_; }

  private:
    Dataset data_;
    int64_t batch_size_;
    bool shuffle_;
    Generator gen_;
    std::vector<int64_t> order_;
};

}  // namespace tinynn::data
