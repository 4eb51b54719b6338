#pragma once

// The autograd graph, in the manner of micrograd and flashlight: every value
// is a TensorImpl; one made by an op points to the Node that made it, and the
// Node holds the op's inputs and how to pass a gradient back to them.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "memory/small_blocks.hpp"
#include "memory/storage_pool.hpp"
#include "tinynn/tensor.hpp"

namespace tinynn::detail {

struct Node;

struct TensorImpl {
    Matrix data;  // storage, see tinynn::Matrix
    Shape shape;
    bool requires_grad = false;  // set on leaves by requires_grad_()
    // Bumped by every write into `data` after it was made: Tensor::matrix()
    // and data() (non-const), a gradient accumulated into it. Ops note it
    // when they use a value, and their backward refuses a changed one.
    uint32_t version = 0;
    std::shared_ptr<TensorImpl> grad;  // leaves: accumulated by backward()
    std::shared_ptr<Node> grad_fn;     // values made by an op: that op
    // A grad that zero_grad dropped and nothing else held: the next backward
    // computes the gradient into its storage and makes it the grad again,
    // instead of making a new value, as a training loop drops and remakes
    // every parameter's grad every step.
    std::shared_ptr<TensorImpl> spare_grad;

    TensorImpl() = default;
    TensorImpl(const TensorImpl&) = delete;
    TensorImpl& operator=(const TensorImpl&) = delete;
    ~TensorImpl() { recycle(data); }

    bool needs_grad() const { return requires_grad || grad_fn != nullptr; }
};

// Given d(loss)/d(output) fills grads[i] = d(loss)/d(inputs[i]) for every
// input that needs a gradient (node.needs_grad(i)). Those grads[i] arrive
// sized like the input's storage, with unspecified contents (storage recycled
// from earlier steps): assigning into them, rather than replacing them,
// allocates nothing.
using BackwardFn = std::function<void(const struct Node& node, const Matrix& grad_output,
                                      std::vector<Matrix>& grads)>;

// An input of an op: the graph's edge, and the input's version when the op used it.
struct Edge {
    std::shared_ptr<TensorImpl> value;
    uint32_t version;
};

// A node's inputs, in take_block memory as the node itself (small_blocks.hpp).
using Edges = std::vector<Edge, BlockAllocator<Edge>>;

struct Node {
    const char* op;                      // for error messages
    Edges inputs;                        // the graph's edges
    const TensorImpl* output = nullptr;  // owns this node, so outlives every use of it
    BackwardFn backward;
    bool released = false;  // what it saved was freed by a backward

    // Scratch of the backward walking this node, valid while `walk` is that
    // backward's number: how many of the node's consumers have yet to pass
    // their gradient back, and the sum of those passed so far. So two
    // backward or grad calls must not walk one graph at the same time.
    uint64_t walk = 0;
    int waiting_for = 0;
    Matrix pending;

    Node(const char* op, Edges inputs, BackwardFn backward);
    ~Node();  // frees long chains iteratively: recursion could overflow the stack
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    bool needs_grad(size_t i) const { return inputs[i].value->needs_grad(); }

    // The values a backward function reads, as PyTorch's saved tensors: each
    // throws if the value was written since the op ran, which would make the
    // gradient silently wrong. A backward reads only what it needs, so
    // writing into a value it never reads stays allowed, as in PyTorch. (For
    // an input's sizes alone: grads[i], or inputs[i].value->data when the
    // input needs no gradient.) One comparison per read.
    const Matrix& input(size_t i) const {
        const Edge& edge = inputs[i];
        if (edge.value->version != edge.version)
            throw_modified(*edge.value, "input " + std::to_string(i), edge.version);
        return edge.value->data;
    }
    const Matrix& result() const {  // the op's output, made at version 0
        if (output->version != 0)
            throw_modified(*output, "the output", 0);
        return output->data;
    }

    void release();

  private:
    [[noreturn]] void throw_modified(const TensorImpl& value, const std::string& which,
                                     uint32_t expected) const;
};

// The result of an op: a new value holding `data`, recorded in the graph with
// `backward` when grad mode is on and some input needs a gradient.
Tensor make_result(Matrix data, Shape shape, const char* op,
                   std::initializer_list<const Tensor*> inputs, BackwardFn backward);

const TensorImpl& impl_of(const Tensor& t);  // throws for an undefined tensor

// A new, empty value, in take_block memory (small_blocks.hpp).
std::shared_ptr<TensorImpl> new_impl();

// What Module::zero_grad and Optimizer::zero_grad do to each parameter: its
// grad set to none (kept as its spare_grad when nothing else holds it), or
// zeroed in place, as torch, so that a handle to the grad sees the zeros.
void zero_grad_of(TensorImpl& parameter, bool set_to_none);

}  // namespace tinynn::detail
