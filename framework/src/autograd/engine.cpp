// The backward pass, as PyTorch's engine runs it: count how many edges lead
// into each node, then run a node once every consumer of its value has
// passed its gradient back. Iterative, so graph depth never touches the stack.

#include <atomic>
#include <string>

#include "autograd/graph.hpp"
#include "tinynn/autograd.hpp"

namespace tinynn {
namespace detail {
namespace {

thread_local bool grad_enabled = true;

std::string storage_shape(const Matrix& m) {
    return format_shape({m.rows(), m.cols()});
}

// sum += g, taking g's storage when sum holds nothing yet; g is left empty.
void add_into(Matrix& sum, Matrix& g) {
    if (sum.size() == 0)
        sum.swap(g);
    else
        sum += g;
    recycle(g);
}

// Where the gradients reaching leaves go: into their grad() for backward(),
// into a list of requested values for grad().
class Sink {
  public:
    Sink() = default;
    explicit Sink(const std::vector<Tensor>& targets) : capturing_(true) {
        for (const Tensor& t : targets)
            targets_.push_back(t.impl().get());
        grads_.resize(targets.size());
        seen_.resize(targets.size(), false);
    }

    void to_leaf(TensorImpl& leaf, Matrix& g) {
        if (capturing_) {
            offer(&leaf, g);
            recycle(g);
        } else if (leaf.requires_grad) {
            if (!leaf.grad) {
                if (leaf.spare_grad) {
                    leaf.grad = std::move(leaf.spare_grad);
                    recycle(leaf.grad->data);  // storage this backward did not use
                } else {
                    leaf.grad = new_impl();
                }
                leaf.grad->shape = leaf.shape;
            }
            add_into(leaf.grad->data, g);
            ++leaf.grad->version;  // written in place, as torch's accumulation does
        }
    }

    // A value reached by the walk: keep its gradient if grad() asked for it.
    void offer(const TensorImpl* value, const Matrix& g) {
        for (size_t i = 0; i < targets_.size(); ++i) {
            if (targets_[i] != value)
                continue;
            if (seen_[i]) {
                grads_[i] += g;
            } else {
                grads_[i] = evaluate_pooled(g);
                seen_[i] = true;
            }
        }
    }

    bool capturing() const { return capturing_; }

    std::vector<Tensor> results() {
        std::vector<Tensor> out;
        for (size_t i = 0; i < targets_.size(); ++i) {
            if (!seen_[i])
                throw Error("grad: input " + std::to_string(i) + " (shape " +
                            format_shape(targets_[i]->shape) +
                            ") was not used to compute the output");
            out.push_back(Tensor::from_matrix(std::move(grads_[i]), targets_[i]->shape));
        }
        return out;
    }

  private:
    bool capturing_ = false;
    std::vector<const TensorImpl*> targets_;
    std::vector<Matrix> grads_;
    std::vector<bool> seen_;
};

std::atomic<uint64_t> walks{0};

void start_walk(Node& node, uint64_t walk) {
    node.walk = walk;
    node.waiting_for = 0;
    recycle(node.pending);
}

// Storage for a gradient of `value`: a leaf's spare grad's (zero_grad_of)
// when it has the size, or taken.
Matrix gradient_storage(TensorImpl& value) {
    const Eigen::Index rows = value.data.rows(), cols = value.data.cols();
    if (value.spare_grad) {
        Matrix& kept = value.spare_grad->data;
        if (kept.rows() == rows && kept.cols() == cols)
            return std::move(kept);  // leaves it empty
    }
    return take_matrix(rows, cols);
}

void check_gradient_shape(const Matrix& g, const TensorImpl& value, const char* op) {
    if (g.rows() != value.data.rows() || g.cols() != value.data.cols())
        throw Error(std::string("autograd: the backward of '") + op +
                    "' gave a gradient of storage shape " + storage_shape(g) +
                    " for an input of shape " + format_shape(value.shape) + " (storage " +
                    storage_shape(value.data) + ")");
}

// One backward's own state, as PyTorch's GraphTask: the nodes whose edges
// are still to count, the values ready to run, the gradients a node's
// backward fills. A thread keeps one between backward calls, so a training
// step's backward allocates none of it (W1: four allocations a step).
struct GraphTask {
    std::vector<Node*> to_count;
    std::vector<std::shared_ptr<TensorImpl>> ready;
    std::vector<Matrix> grads;
    bool busy = false;
};

thread_local GraphTask kept_task;

// The thread's kept task while this backward runs, or a fresh one when a
// backward is already running on this thread. Left empty either way: ready
// values would keep a graph alive.
class TaskLease {
  public:
    TaskLease() : task_(kept_task.busy ? fresh_ : kept_task) { task_.busy = true; }
    ~TaskLease() {
        task_.to_count.clear();
        task_.ready.clear();
        for (Matrix& g : task_.grads)
            recycle(g);
        task_.busy = false;
    }
    TaskLease(const TaskLease&) = delete;
    TaskLease& operator=(const TaskLease&) = delete;
    GraphTask& operator*() { return task_; }

  private:
    GraphTask fresh_;
    GraphTask& task_;
};

void run_backward(const std::shared_ptr<TensorImpl>& root, Matrix seed, bool retain_graph,
                  Sink& sink) {
    if (!root->grad_fn) {
        if (!root->requires_grad)
            throw Error(
                "backward: the tensor does not require grad and was not made by an op that "
                "does; call requires_grad_() on the leaves to differentiate");
        sink.to_leaf(*root, seed);
        return;
    }

    // How many edges lead into each node reachable from the root. The walk's
    // number marks the nodes it has counted, so no node set is built.
    const uint64_t walk = ++walks;
    Node& root_node = *root->grad_fn;
    start_walk(root_node, walk);
    TaskLease lease;
    GraphTask& task = *lease;
    std::vector<Node*>& stack = task.to_count;
    stack.push_back(&root_node);
    while (!stack.empty()) {
        Node& node = *stack.back();
        stack.pop_back();
        if (node.released)
            throw Error(std::string("backward: trying to backward through the graph a second "
                                    "time (through '") +
                        node.op +
                        "'), whose saved values were freed by the first; pass "
                        "retain_graph = true to the first backward or grad call");
        for (const Edge& input : node.inputs) {
            Node* next = input.value->grad_fn.get();
            if (!next)
                continue;
            if (next->walk != walk) {
                start_walk(*next, walk);
                stack.push_back(next);
            }
            ++next->waiting_for;
        }
    }

    // Ready values hold their node and keep the value itself (which backward
    // functions may read) alive after its consumers released their inputs.
    root_node.pending = std::move(seed);
    std::vector<std::shared_ptr<TensorImpl>>& ready = task.ready;
    ready.push_back(root);
    std::vector<Matrix>& grads = task.grads;
    while (!ready.empty()) {
        std::shared_ptr<TensorImpl> value = std::move(ready.back());
        ready.pop_back();
        Node& node = *value->grad_fn;
        Matrix grad_output = std::move(node.pending);
        if (sink.capturing())
            sink.offer(value.get(), grad_output);

        grads.resize(node.inputs.size());
        for (size_t i = 0; i < node.inputs.size(); ++i)
            if (node.needs_grad(i))
                grads[i] = gradient_storage(*node.inputs[i].value);
        node.backward(node, grad_output, grads);
        recycle(grad_output);
        for (size_t i = 0; i < node.inputs.size(); ++i) {
            const std::shared_ptr<TensorImpl>& input = node.inputs[i].value;
            if (!input->needs_grad())
                continue;
            check_gradient_shape(grads[i], *input, node.op);
            if (!input->grad_fn) {
                sink.to_leaf(*input, grads[i]);
                continue;
            }
            Node& next = *input->grad_fn;
            add_into(next.pending, grads[i]);
            if (--next.waiting_for == 0)
                ready.push_back(input);
        }
        if (!retain_graph)
            node.release();
    }
}

Matrix seed_for(const Tensor& output, const Tensor& gradient, const char* caller) {
    const TensorImpl& out = impl_of(output);
    if (!gradient.defined()) {
        if (out.data.size() != 1)
            throw Error(std::string(caller) +
                        ": a gradient can be implied only for a one-element output, got shape " +
                        format_shape(out.shape) + "; pass a gradient of that shape");
        Matrix one = take_matrix(1, 1);
        one(0, 0) = 1.0f;
        return one;
    }
    if (gradient.shape() != out.shape)
        throw Error(std::string(caller) + ": the gradient has shape " +
                    format_shape(gradient.shape()) + " but the output has shape " +
                    format_shape(out.shape));
    return gradient.matrix();
}

}  // namespace

Node::Node(const char* op_name, Edges edges, BackwardFn fn)
    : op(op_name), inputs(std::move(edges)), backward(std::move(fn)) {}

// PyTorch's message, so that advice found for it applies.
void Node::throw_modified(const TensorImpl& value, const std::string& which,
                          uint32_t expected) const {
    const std::string name = std::string("'") + op + "'";
    throw Error(
        "backward: one of the variables needed for gradient computation has been "
        "modified by an inplace operation: " +
        which + " of " + name + " (shape " + format_shape(value.shape) + ") is at version " +
        std::to_string(value.version) + "; expected version " + std::to_string(expected) +
        " instead. It was written (through matrix() or data(), or by an optimizer "
        "step) after " +
        name +
        " used it: compute the graph again after the write, or write into a "
        "copy (detach())");
}

namespace {
// Drops `inputs`; nodes that would die with them are dismantled one by one
// here instead of inside each other's destructors.
void free_inputs(Edges& inputs) {
    if (inputs.empty())  // a node released by a backward, now destroyed
        return;
    std::vector<std::shared_ptr<Node>> doomed;
    auto collect = [&doomed](Edges& edges) {
        // Edge by edge: a value an op uses twice (x * x) is held by both
        // edges, and only dropping the last one may be what destroys it.
        for (Edge& edge : edges) {
            std::shared_ptr<TensorImpl> input = std::move(edge.value);
            if (input.use_count() == 1 && input->grad_fn && input->grad_fn.use_count() == 1)
                doomed.push_back(std::move(input->grad_fn));
        }
        edges.clear();
    };
    collect(inputs);
    while (!doomed.empty()) {
        std::shared_ptr<Node> node = std::move(doomed.back());
        doomed.pop_back();
        collect(node->inputs);
    }
}
}  // namespace

Node::~Node() {
    free_inputs(inputs);
}

void Node::release() {
    released = true;
    backward = nullptr;
    free_inputs(inputs);
}

Tensor make_result(Matrix data, Shape shape, const char* op,
                   std::initializer_list<const Tensor*> inputs, BackwardFn backward) {
    auto out = new_impl();
    out->data = std::move(data);
    out->shape = std::move(shape);
    if (!grad_enabled)
        return Tensor(std::move(out));
    bool any_needs_grad = false;
    for (const Tensor* input : inputs)
        any_needs_grad |= impl_of(*input).needs_grad();
    if (!any_needs_grad)
        return Tensor(std::move(out));

    Edges edges;
    edges.reserve(inputs.size());
    for (const Tensor* input : inputs)
        edges.push_back({input->impl(), input->impl()->version});
    out->grad_fn = std::allocate_shared<Node>(BlockAllocator<Node>(), op, std::move(edges),
                                              std::move(backward));
    out->grad_fn->output = out.get();
    return Tensor(std::move(out));
}

std::shared_ptr<TensorImpl> new_impl() {
    return std::allocate_shared<TensorImpl>(BlockAllocator<TensorImpl>());
}

void zero_grad_of(TensorImpl& parameter, bool set_to_none) {
    std::shared_ptr<TensorImpl>& grad = parameter.grad;
    if (!grad)
        return;
    if (!set_to_none) {
        grad->data.setZero();
        ++grad->version;  // written in place, as through matrix()
        return;
    }
    // Kept only when it is a plain value no one else can see, so that the
    // next backward's grad is a new value in all but its address and
    // storage: version 0, no grad of its own, not in any graph.
    if (grad.use_count() == 1 && !grad->requires_grad && !grad->grad_fn && !grad->grad) {
        grad->version = 0;
        parameter.spare_grad = std::move(grad);
    }
    grad.reset();
}

const TensorImpl& impl_of(const Tensor& t) {
    if (!t.defined())
        throw Error("use of an undefined tensor (default-constructed Tensor)");
    return *t.impl();
}

}  // namespace detail

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
    Matrix seed = detail::seed_for(*this, gradient, "backward");
    detail::Sink sink;
    detail::run_backward(impl(), std::move(seed), retain_graph, sink);
}

std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs,
                         const Tensor& grad_output, bool retain_graph) {
    for (size_t i = 0; i < inputs.size(); ++i)
        if (!detail::impl_of(inputs[i]).needs_grad())
            throw Error("grad: input " + std::to_string(i) +
                        " does not require grad; call requires_grad_() on it");
    Matrix seed = detail::seed_for(output, grad_output, "grad");
    detail::Sink sink(inputs);
    detail::run_backward(output.impl(), std::move(seed), retain_graph, sink);
    return sink.results();
}

std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs,
                         bool retain_graph) {
    return grad(output, inputs, Tensor(), retain_graph);
}

NoGradGuard::NoGradGuard() : previous_(detail::grad_enabled) {
    detail::grad_enabled = false;
}
NoGradGuard::~NoGradGuard() {
    detail::grad_enabled = previous_;
}
bool is_grad_enabled() {
    return detail::grad_enabled;
}

}  // namespace tinynn
