// cat, unsqueeze, squeeze: joining tensors and adding or dropping dims of
// size 1, within rank 2.

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "autograd/graph.hpp"
#include "tensor/layout.hpp"
#include "tinynn/ops.hpp"

namespace tinynn {

using detail::BackwardFn;
using detail::Index;
using detail::make_result;
using detail::Node;
using ConstMap = Eigen::Map<const Matrix>;

namespace {

// ------------------------------------------------------------------- cat

// make_result takes its inputs as an initializer_list, whose length is fixed
// where it is written: nodes of 1 to kMaxCatInputs inputs are instantiated
// here, and a longer list is joined in groups of that many first.
constexpr size_t kMaxCatInputs = 16;

using Recorder = Tensor (*)(Matrix, Shape, const Tensor* const*, BackwardFn);

template <size_t... I>
Tensor record(Matrix data, Shape shape, const Tensor* const* inputs, BackwardFn backward,
              std::index_sequence<I...>) {
    return make_result(std::move(data), std::move(shape), "cat", {inputs[I]...},
                       std::move(backward));
}

template <size_t N>
Tensor record_n(Matrix data, Shape shape, const Tensor* const* inputs, BackwardFn backward) {
    return record(std::move(data), std::move(shape), inputs, std::move(backward),
                  std::make_index_sequence<N>{});
}

template <size_t... N>
constexpr std::array<Recorder, sizeof...(N)> recorders(std::index_sequence<N...>) {
    return {&record_n<N + 1>...};
}

// kRecorders[n - 1] records a node of n inputs.
constexpr std::array<Recorder, kMaxCatInputs> kRecorders =
    recorders(std::make_index_sequence<kMaxCatInputs>{});

// torch skips a tensor of shape [0] in any list, whatever the others' rank:
// a concatenation that starts from an empty accumulator.
bool skipped(const Tensor& t) {
    return t.dim() == 1 && t.shape()[0] == 0;
}

// What checking the whole list found.
struct CatPlan {
    int64_t dim;  // made non-negative
    int64_t rank;
    Shape shape;  // of the result
};

CatPlan plan_cat(const std::vector<Tensor>& tensors, int64_t dim) {
    if (tensors.empty())
        throw Error("cat: expected a nonempty list of tensors");
    for (size_t i = 0; i < tensors.size(); ++i)
        if (tensors[i].dim() == 0)
            throw Error("cat: tensor " + std::to_string(i) +
                        " is a scalar (shape []), which cannot be concatenated; unsqueeze it to "
                        "shape [1] first");
    size_t first = 0;  // the tensor the others are checked against
    while (first < tensors.size() && skipped(tensors[first]))
        ++first;
    if (first == tensors.size())  // all of shape [0]: as torch, dim is not checked
        return {0, 1, {0}};
    const Tensor& ref = tensors[first];
    const int64_t rank = ref.dim();
    const int64_t d = detail::normalize_dim(dim, rank, "cat");
    Shape shape = ref.shape();
    shape[d] = 0;
    for (size_t i = first; i < tensors.size(); ++i) {
        const Tensor& t = tensors[i];
        if (skipped(t))
            continue;
        const std::string which = "tensor " + std::to_string(i) + " has shape " +
                                  format_shape(t.shape()) + " and tensor " + std::to_string(first) +
                                  " shape " + format_shape(ref.shape());
        if (t.dim() != rank)
            throw Error("cat: tensors must have the same rank, but " + which);
        for (int64_t k = 0; k < rank; ++k)
            if (k != d && t.shape()[k] != ref.shape()[k])
                throw Error("cat: sizes must match except in dim " + std::to_string(d) + ", but " +
                            which);
        shape[d] += t.shape()[d];
    }
    return {d, rank, std::move(shape)};
}

// Joins count <= kMaxCatInputs tensors that plan_cat accepted, into one node.
Tensor join(const Tensor* const* inputs, size_t count, const CatPlan& plan, Shape shape) {
    // Along the storage's columns (the last dim) or its rows (dim 0 of matrices).
    const bool across_columns = detail::storage_axis(plan.dim, plan.rank) == 1;
    const detail::Dims d = detail::storage_dims(shape, "cat");
    Matrix out = detail::take_matrix(d.rows, d.cols);  // [rows, cols]
    // Per input, where its part of the output starts and how wide it is
    // along the joined axis; a skipped input has no part (width -1).
    std::vector<std::pair<Index, Index>> parts;
    Index offset = 0;
    for (size_t i = 0; i < count; ++i) {
        const Tensor& t = *inputs[i];
        if (skipped(t)) {
            parts.emplace_back(0, -1);
            continue;
        }
        const Matrix& m = t.matrix();  // [rows, width] or [width, cols]
        const Index width = across_columns ? m.cols() : m.rows();
        if (across_columns)
            out.middleCols(offset, width) = m;
        else
            out.middleRows(offset, width) = m;
        parts.emplace_back(offset, width);
        offset += width;
    }
    return kRecorders[count - 1](
        std::move(out), std::move(shape), inputs,
        [parts = std::move(parts), across_columns](const Node& n, const Matrix& g,
                                                   std::vector<Matrix>& grads) {
            // g: [rows, cols]; each input's gradient is its part of it
            for (size_t i = 0; i < parts.size(); ++i) {
                const auto [offset, width] = parts[i];
                if (!n.needs_grad(i) || width < 0)  // a skipped input's gradient is empty
                    continue;
                if (across_columns)
                    grads[i] = g.middleCols(offset, width);
                else
                    grads[i] = g.middleRows(offset, width);
            }
        });
}

// ------------------------------------------------------- unsqueeze, squeeze

// dim in [lo, hi], made non-negative by adding `span`; out of range, an
// error naming x's shape.
int64_t checked_dim(int64_t dim, int64_t lo, int64_t hi, int64_t span, const Tensor& x,
                    const char* op) {
    if (dim < lo || dim > hi)
        throw Error(std::string(op) + ": dim " + std::to_string(dim) +
                    " is out of range for a tensor of shape " + format_shape(x.shape()) +
                    " (expected " + std::to_string(lo) + " to " + std::to_string(hi) + ")");
    return dim < 0 ? dim + span : dim;
}

// x's values under another shape of as many elements: a new node, never x
// itself, so the result's requires_grad_ and grad are its own.
Tensor relabel(const Tensor& x, Shape shape, const char* op) {
    const detail::Dims d = detail::storage_dims(shape, op);
    return make_result(detail::evaluate_pooled(ConstMap(x.data(), d.rows, d.cols)),
                       std::move(shape), op, {&x},
                       [](const Node&, const Matrix& g, std::vector<Matrix>& grads) {
                           // grads[0] arrives with x's storage dims: only
                           // those are needed, not x's values.
                           grads[0] = ConstMap(g.data(), grads[0].rows(), grads[0].cols());
                       });
}

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
    const CatPlan plan = plan_cat(tensors, dim);
    std::vector<const Tensor*> inputs;
    for (const Tensor& t : tensors)
        inputs.push_back(&t);
    if (inputs.size() <= kMaxCatInputs)
        return join(inputs.data(), inputs.size(), plan, plan.shape);
    // In groups, then the groups' results, each group of the result's shape
    // but for the joined dim.
    std::vector<Tensor> groups;
    for (size_t start = 0; start < inputs.size(); start += kMaxCatInputs) {
        const size_t count = std::min(kMaxCatInputs, inputs.size() - start);
        Shape shape = plan.shape;
        shape[plan.dim] = 0;
        for (size_t i = start; i < start + count; ++i)
            if (!skipped(tensors[i]))
                shape[plan.dim] += tensors[i].shape()[plan.dim];
        groups.push_back(join(inputs.data() + start, count, plan, std::move(shape)));
    }
    return cat(groups, plan.dim);
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
    const int64_t rank = x.dim();
    const int64_t d = checked_dim(dim, -rank - 1, rank, rank + 1, x, "unsqueeze");
    if (rank == 2)
        throw Error("unsqueeze: tinynn tensors have rank 0, 1 or 2, and unsqueezing shape " +
                    format_shape(x.shape()) + " at dim " + std::to_string(dim) +
                    " would give rank 3");
    Shape shape = x.shape();
    shape.insert(shape.begin() + d, 1);
    return relabel(x, std::move(shape), "unsqueeze");
}

Tensor squeeze(const Tensor& x, int64_t dim) {
    const int64_t rank = x.dim();
    const int64_t span = rank == 0 ? 1 : rank;  // a scalar takes dim 0 and -1, as torch
    const int64_t d = checked_dim(dim, -span, span - 1, span, x, "squeeze");
    Shape shape = x.shape();
    if (rank > 0 && shape[d] == 1)
        shape.erase(shape.begin() + d);
    return relabel(x, std::move(shape), "squeeze");
}

Tensor squeeze(const Tensor& x) {
    Shape shape;
    for (int64_t size : x.shape())
        if (size != 1)
            shape.push_back(size);
    return relabel(x, std::move(shape), "squeeze");
}

}  // namespace tinynn
