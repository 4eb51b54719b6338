#include "tinynn/data/loader.hpp"

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include "data/rows.hpp"
#include "tinynn/error.hpp"

namespace tinynn::data {

DataLoader::DataLoader(Dataset data, int64_t batch_size, bool shuffle, uint64_t seed)
    : data_(std::move(data)), batch_size_(batch_size), shuffle_(shuffle), gen_(seed) {
    if (batch_size < 0)
        throw Error("DataLoader: batch_size must be >= 0 (0 for the whole set), got " +
                    std::to_string(batch_size));
    const Tensor& x = data_.features;
    const Tensor& y = data_.targets;
    const bool rows_match =
        !x.defined() ? !y.defined()
                     : y.defined() && x.dim() == 2 && y.dim() >= 1 && y.size(0) == x.size(0);
    if (!rows_match)
        throw Error("DataLoader: the dataset needs features [n, f] and targets [n] or [n, k] " +
                    std::string("with one sample per row"));
    order_ = detail::iota(data_.size());
    const int64_t n = data_.size();
    if (batch_size_ == 0 || batch_size_ > n)
        batch_size_ = n;
}

void DataLoader::start_epoch() {
    if (!shuffle_)
        return;
    // From the identity each time, as PyTorch's RandomSampler draws a fresh
    // permutation: the order of epoch e depends only on the seed and e.
    order_ = detail::iota(data_.size());
    detail::shuffle(order_, gen_);
}

int64_t DataLoader::num_batches() const {
    const int64_t n = data_.size();
    return n == 0 ? 0 : (n + batch_size_ - 1) / batch_size_;
}

Batch DataLoader::batch(int64_t index) const {
    if (index < 0 || index >= num_batches())
        throw Error("DataLoader: batch " + std::to_string(index) + " is out of range; there are " +
                    std::to_string(num_batches()));
    const int64_t begin = index * batch_size_;
    const int64_t end = std::min(begin + batch_size_, data_.size());
    const std::span<const int64_t> rows(order_.data() + begin, static_cast<size_t>(end - begin));
    return Batch{detail::gather_rows(data_.features, rows),
                 detail::gather_rows(data_.targets, rows)};
}

}  // namespace tinynn::data
