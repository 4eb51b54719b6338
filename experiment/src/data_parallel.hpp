#pragma once

// Data-parallel training over the MPI ranks (SPEC §8), the steps fit()
// takes when FitOptions::data_parallel is set and there are several ranks:
// every rank holds the whole model, takes its share of each batch's rows,
// and the gradients are summed over the ranks before the same optimiser
// step on every rank.

#include <cstdint>
#include <utility>
#include <vector>

#include "tinynn/nn/module.hpp"

namespace tinynn::experiment {

class DataParallel {
  public:
    // Gives every rank rank 0's parameters and buffers.
    explicit DataParallel(nn::Module& model);

    // This rank's rows [first, last) of a batch of `rows`: the ranks' shares
    // in rank order, as even as can be.
    std::pair<int64_t, int64_t> share(int64_t rows) const;

    // Replaces every parameter's gradient by its sum over the ranks, and
    // returns the sums over the ranks of `loss` (each rank's part of the
    // batch's mean loss) and of `stop` (how many ranks were asked to stop),
    // all in one reduction in rank order: the same bits on every rank.
    std::pair<double, int> sum(double loss, bool stop);

    // Averages the model's buffers (BatchNorm's running statistics, which
    // each rank updates from its own rows) over the ranks, so that every
    // rank evaluates, saves and stops on the same model.
    void average_buffers();

  private:
    nn::Module& model_;
    std::vector<Tensor> parameters_;
    std::vector<float> flat_;  // the gradients, then the loss and the stop count
};

// Rows [first, last) of a [n] or [n, k] tensor, as a new tensor.
Tensor rows_of(const Tensor& t, int64_t first, int64_t last);

}  // namespace tinynn::experiment
