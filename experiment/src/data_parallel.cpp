#include "data_parallel.hpp"

#include <set>

#include "tinynn/experiment/distributed.hpp"

namespace tinynn::experiment {

namespace {

// The state_dict entries that are not parameters: the buffers.
std::vector<Tensor> buffers_of(nn::Module& model) {
    std::set<const void*> parameters;
    for (const Tensor& p : model.parameters())
        parameters.insert(p.impl().get());
    std::vector<Tensor> buffers;
    for (auto& [name, tensor] : model.state_dict())
        if (!parameters.contains(tensor.impl().get()))
            buffers.push_back(tensor);
    return buffers;
}

}  // namespace

DataParallel::DataParallel(nn::Module& model) : model_(model), parameters_(model.parameters()) {
    for (auto& [name, tensor] : model.state_dict()) {
        Matrix& m = tensor.matrix();
        distributed::broadcast(std::span<float>(m.data(), static_cast<size_t>(m.size())));
    }
    size_t n = 0;
    for (const Tensor& p : parameters_)
        n += static_cast<size_t>(p.numel());
    flat_.resize(n + 2);
}

std::pair<int64_t, int64_t> DataParallel::share(int64_t rows) const {
    const int64_t rank = distributed::rank(), ranks = distributed::size();
    return {rows * rank / ranks, rows * (rank + 1) / ranks};
}

std::pair<double, int> DataParallel::sum(double loss, bool stop) {
    size_t at = 0;
    for (const Tensor& p : parameters_) {
        const auto n = static_cast<size_t>(p.numel());
        const Tensor g = p.grad();
        if (g.defined())
            std::copy(g.matrix().data(), g.matrix().data() + n, flat_.begin() + at);
        else
            std::fill(flat_.begin() + at, flat_.begin() + at + n, 0.0f);
        at += n;
    }
    // The loss in float as the gradients are; it is a float32 number anyway.
    flat_[at] = static_cast<float>(loss);
    flat_[at + 1] = stop ? 1.0f : 0.0f;
    distributed::sum_over_ranks(flat_);
    at = 0;
    for (Tensor& p : parameters_) {
        const auto n = static_cast<size_t>(p.numel());
        // Into the gradient backward left, when there is one: no allocation
        // per step. A parameter this rank's rows did not reach gets its own.
        Tensor grad = p.grad();
        if (!grad.defined()) {
            grad = Tensor::from_matrix(Matrix(p.matrix().rows(), p.matrix().cols()), p.shape());
            p.set_grad(grad);
        }
        std::copy(flat_.begin() + at, flat_.begin() + at + n, grad.matrix().data());
        at += n;
    }
    return {flat_[at], static_cast<int>(flat_[at + 1])};
}

void DataParallel::average_buffers() {
    const auto ranks = static_cast<float>(distributed::size());
    for (Tensor& b : buffers_of(model_)) {
        Matrix& m = b.matrix();
        distributed::sum_over_ranks(std::span<float>(m.data(), static_cast<size_t>(m.size())));
        m /= ranks;
    }
}

Tensor rows_of(const Tensor& t, int64_t first, int64_t last) {
    const Matrix& m = t.matrix();
    if (t.dim() == 1)  // stored as 1 x n
        return Tensor::from_matrix(m.middleCols(first, last - first), {last - first});
    return Tensor::from_matrix(m.middleRows(first, last - first), {last - first, t.shape()[1]});
}

}  // namespace tinynn::experiment
