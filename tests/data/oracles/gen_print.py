#!/usr/bin/python3
"""Generate print.json: how PyTorch prints tensors, for tinynn's operator<<.

Run with the Python that has PyTorch (Debian: /usr/bin/python3):

    /usr/bin/python3 gen_print.py             # writes print.json beside this file

`tensors`: each case is a float32 tensor of rank 0 to 2 (its values written
exactly, as in the other oracles), whether it requires grad, and
repr(tensor) with torch's default print options. Random values come from
torch.manual_seed(0).

`autograd_basics`: what examples/autograd_basics.cpp prints, line by line
("label = repr"), from the same computations in torch.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
DT = torch.float32
CASES = []


def number(v):
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if math.isnan(v):
        return "nan"
    return float(v)


def add(name, x, requires_grad=False):
    x = x.to(DT).detach().clone()
    if requires_grad:
        x.requires_grad_(True)
    CASES.append({"name": name, "shape": list(x.shape),
                  "data": [number(v) for v in x.detach().reshape(-1).tolist()],
                  "requires_grad": requires_grad, "repr": repr(x)})


def t(data):
    return torch.tensor(data, dtype=DT)


add("sigmoid_linspace", torch.sigmoid(torch.linspace(-100, 100, 10)))
add("linspace", torch.linspace(-100, 100, 10))
add("tanh_linspace", torch.tanh(torch.linspace(-1, 1, 10)))
add("mixed_signs", t([1.5, -2.0]))
add("scalar_integer", t(3.0))
add("scalar_fraction", t(-0.125))
add("scalar_tiny", t(1e-20))
add("integers_matrix", t([[1.0, 2.0], [3.0, 4.0]]))
add("requires_grad", t([0.25]), requires_grad=True)
add("zeros", torch.zeros(3))
add("negative_zero", t([-0.0, 0.0, 1.0]))
add("integers_spanning", t([1.0, 10.0, 100000.0]))
add("integers_huge", t([3.0, 2e9]))
add("tiny", t([1e-5, 0.5, 0.25]))
add("huge", t([1.5e9, 2.5, -1.0]))
add("wide_range", t([[1e-3, 1.0], [-25.0, 3.0]]))
add("non_finite", t([float("nan"), float("inf"), -float("inf"), 1.5]))
add("non_finite_integers", t([float("nan"), 2.0, -float("inf")]))
add("only_nan", t([float("nan"), 0.0]))
add("wrapped_vector", torch.linspace(0, 1, 30))
add("wrapped_rows", torch.randn(3, 20))
add("wrapped_with_grad", torch.randn(13), requires_grad=True)
add("summarised_vector", torch.randn(1001))
add("summarised_matrix", torch.randn(34, 30))
add("summarised_columns", torch.randn(2, 501))
add("summarised_rows", torch.randn(501, 2))
add("summarised_sci", torch.cat([t([1e-6]), torch.randn(1000), t([5e3])]))
add("at_threshold", torch.arange(1000.0))
add("empty_vector", torch.zeros(0))
add("empty_matrix", torch.zeros(0, 3))

# ---------------------------------------------------------------- autograd_basics
EXAMPLE = []


def show(label, x):
    EXAMPLE.append({"label": label, "repr": repr(x)})


def activation(name, f, inp):
    x = inp.detach().requires_grad_()
    y = f(x)
    (dy,) = torch.autograd.grad(y.sum(), [x])
    show(f"{name}(x)", y)
    show(f"{name}'(x)", dy)


wide = torch.linspace(-100, 100, 10)
show("linspace(-100, 100, 10)", wide)
activation("sigmoid", torch.sigmoid, wide)
narrow = torch.linspace(-1, 1, 10)
show("linspace(-1, 1, 10)", narrow)
activation("tanh", torch.tanh, narrow)
activation("relu", torch.relu, narrow)
points = t([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
show("points", points)
activation("leaky_relu", lambda x: F.leaky_relu(x, 0.03), points)

x = torch.ones(1).requires_grad_()
w = torch.full((1,), 2.0).requires_grad_()
loss = F.mse_loss(x * w, torch.ones(1))
show("loss", loss)
gx, gw = torch.autograd.grad(loss, [x, w])
show("grad x", gx)
show("grad w", gw)
F.mse_loss(x * w, torch.ones(1)).backward()
show("w.grad() after backward", w.grad)
F.mse_loss(x * w, torch.ones(1)).backward()
show("w.grad() after a second backward", w.grad)

q = t([0.1757, 0.1738, 0.9258]).requires_grad_()
p = torch.softmax(q, 0)
show("p = softmax(q)", p)
for i in range(3):
    (row,) = torch.autograd.grad(p[i], [q], retain_graph=i < 2)
    show(f"d p[{i}] / d q", row)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "print.json")
with open(out, "w") as f:
    # One case a line.
    f.write('{"tensors": [\n' + ",\n".join(json.dumps(c) for c in CASES) + "\n],\n")
    f.write('"autograd_basics": [\n' + ",\n".join(json.dumps(c) for c in EXAMPLE) + "\n]}\n")
print(f"wrote {len(CASES)} cases and {len(EXAMPLE)} example lines to {out} "
      f"(torch {torch.__version__})")
