#!/usr/bin/python3
"""Generate numerics.json: PyTorch's values for tinynn's numerics (issue 15).

Run with the Python that has PyTorch (Debian: /usr/bin/python3):

    /usr/bin/python3 gen_numerics.py            # writes numerics.json beside this file

Three groups of cases, all float32:

* "sums": sums, means, and the gradients that sum over a batch, over 1e3 to
  1e7 values. The inputs are too large to store, so each is described by a
  rule tinynn's test follows bit for bit: {"kind": "constant", "value": v},
  or {"kind": "pattern"}, element i (row-major) being
  float32((i * 7919) % 10007 + 1) / 10007 in float32 arithmetic. Each case
  has torch's result and the exact one (in float64, from the same float32
  values) per element.
* "division": the gradient of a / b and of s / b where b * b under- or
  overflows, and on ordinary values.
* "nan": outputs and gradients of the activations and element-wise ops at
  NaN, +-0 and +-inf.

Floats are stored as their uint32 bit patterns ("bits"), which keeps NaN,
-0 and infinities exact; the exact sums are float64 decimals.
"""
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
DT = torch.float32


def bits(t):
    return [struct.unpack("<I", struct.pack("<f", v))[0] for v in t.detach().reshape(-1).tolist()]


def pattern(numel):
    i = torch.arange(numel, dtype=torch.int64)
    return ((i * 7919) % 10007 + 1).to(DT) / 10007.0


def make(rule, shape):
    numel = math.prod(shape)
    if rule["kind"] == "constant":
        return torch.full(shape, rule["value"], dtype=DT)
    return pattern(numel).reshape(shape)


def exact_of(t):
    return [float(v) for v in t.reshape(-1).tolist()]


SUMS = []


def sum_case(name, op, shape, x_rule, torch_out, exact_out, **extra):
    SUMS.append({"name": name, "op": op, "shape": list(shape), "x": x_rule,
                 "torch": bits(torch_out), "exact": exact_of(exact_out), **extra})


CONST = {"kind": "constant", "value": 0.1}
PATTERN = {"kind": "pattern"}

for n in (1000, 10000, 100000, 1000000, 10000000):
    for rule, label in ((CONST, "constant"), (PATTERN, "pattern")):
        x = make(rule, [n])
        xd = x.double()
        sum_case(f"sum_{label}_{n}", "sum", [n], rule, x.sum(), xd.sum())
        sum_case(f"mean_{label}_{n}", "mean", [n], rule, x.mean(), xd.mean())

# Along a dim: column sums over a million rows, row sums over a million columns.
for rule, label in ((CONST, "constant"), (PATTERN, "pattern")):
    x = make(rule, [1000000, 3])
    sum_case(f"sum_dim0_{label}", "sum_dim0", [1000000, 3], rule, x.sum(0), x.double().sum(0))
    sum_case(f"mean_dim0_{label}", "mean_dim0", [1000000, 3], rule, x.mean(0), x.double().mean(0))
    x = make(rule, [3, 1000000])
    sum_case(f"sum_dim1_{label}", "sum_dim1", [3, 1000000], rule, x.sum(1), x.double().sum(1))
    sum_case(f"mean_dim1_{label}", "mean_dim1", [3, 1000000], rule, x.mean(1),
             x.double().mean(1))

# Broadcasting's gradients: y = x + b, b broadcast over x; upstream gradient g
# follows the rule; b.grad sums g down to b's shape.
for b_shape, g_shape in (([3], [1000000, 3]), ([3, 1], [3, 1000000]), ([], [1000000, 3])):
    for rule, label in ((CONST, "constant"), (PATTERN, "pattern")):
        g = make(rule, g_shape)
        b = torch.zeros(b_shape, dtype=DT, requires_grad=True)
        (torch.zeros(g_shape, dtype=DT) + b).backward(g)
        want = g.double().reshape(g_shape)
        if b_shape == [3]:
            want = want.sum(0)
        elif b_shape == [3, 1]:
            want = want.sum(1, keepdim=True)
        else:
            want = want.sum()
        name = "add_grad_b" + "".join(f"_{d}" for d in b_shape) + "_" + label
        sum_case(name, "add_grad_b", g_shape, rule, b.grad, want, b_shape=b_shape)


# Linear's gradients over a million rows: x follows x_rule, the upstream
# gradient dy follows dy_rule. torch's weight gradient is OpenBLAS's product
# (or the reference BLAS's, whichever libblas.so.3 is): not exact either.
def linear_case(name, in_f, out_f, x_rule, dy_rule, rows=1000000):
    x = make(x_rule, [rows, in_f])
    dy = make(dy_rule, [rows, out_f])
    layer = torch.nn.Linear(in_f, out_f)
    layer(x).backward(dy)
    SUMS.append({"name": name, "op": "linear_grads", "shape": [rows, in_f], "out_features": out_f,
                 "x": x_rule, "dy": dy_rule,
                 "torch_weight": bits(layer.weight.grad), "torch_bias": bits(layer.bias.grad),
                 "exact_weight": exact_of(dy.double().t() @ x.double()),
                 "exact_bias": exact_of(dy.double().sum(0))})


linear_case("linear_constant", 3, 2, CONST, CONST)
linear_case("linear_one_feature", 1, 1, {"kind": "constant", "value": 1.0}, CONST)
linear_case("linear_pattern", 3, 2, PATTERN, PATTERN)

# matmul's gradient of b sums over a's rows: y = a @ b, a [1e6, 3], b [3, 2].
a = make(PATTERN, [1000000, 3])
dy = make(CONST, [1000000, 2])
b = torch.zeros([3, 2], dtype=DT, requires_grad=True)
(a @ b).backward(dy)
SUMS.append({"name": "matmul_grad_b", "op": "matmul_grad_b", "shape": [1000000, 3], "x": PATTERN,
             "dy": CONST, "torch": bits(b.grad), "exact": exact_of(a.double().t() @ dy.double())})


DIVISION = []


def division_case(name, a, b, scalar=None):
    """a / b (or scalar / b when scalar is given), upstream gradient ones."""
    b = torch.tensor(b, dtype=DT, requires_grad=True)
    case = {"name": name, "b": bits(b), "b_shape": list(b.shape)}
    if scalar is None:
        a = torch.tensor(a, dtype=DT, requires_grad=True)
        y = a / b
        case.update({"a": bits(a), "a_shape": list(a.shape)})
    else:
        y = scalar / b
        case["scalar"] = scalar
    y.backward(torch.ones_like(y))
    case.update({"y": bits(y), "grad_b": bits(b.grad)})
    if scalar is None:
        case["grad_a"] = bits(a.grad)
    DIVISION.append(case)


division_case("tiny_over_tiny", [0.0, 1e-30], [1e-30, 1e-30])
division_case("tiny_over_tiny_broadcast", [0.0, 1e-30], 1e-30)
division_case("huge_over_large", 1e30, 1e20)
division_case("ordinary", [1.5, -2.25, 3.0, 7.0, -0.1], [0.3, 7.0, -1.5, 1e-3, 2.0])
division_case("rdiv_extremes", None, [1e-30, 1e20, 3.0, 0.0, -7.0], scalar=2.0)
division_case("rdiv_ordinary", None, [0.3, 7.0, -1.5, 1e-3, 2.0], scalar=3.0)
x = torch.tensor(1e-25, dtype=DT, requires_grad=True)
(x / x).backward()
DIVISION.append({"name": "x_over_x", "x": bits(x), "grad_x": bits(x.grad)})


NAN = []
SPECIAL = [math.nan, 0.0, -0.0, math.inf, -math.inf, 1.0, -1.0]
OPS = {
    "relu": torch.relu,
    "abs": torch.abs,
    "leaky_relu_0.2": lambda x: F.leaky_relu(x, 0.2),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "clamp_-0.5_0.5": lambda x: torch.clamp(x, -0.5, 0.5),
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "pow_2": lambda x: x.pow(2.0),
    "pow_0.5": lambda x: x.pow(0.5),
    "pow_0": lambda x: x.pow(0.0),
    "pow_-1": lambda x: x.pow(-1.0),
    "neg": lambda x: -x,
}


def nan_case(name, op, x, gy):
    x = torch.tensor(x, dtype=DT, requires_grad=True)
    gy = torch.tensor(gy, dtype=DT)
    y = OPS[op](x)
    y.backward(gy)
    NAN.append({"name": name, "op": op, "x": bits(x), "grad_output": bits(gy), "y": bits(y),
                "grad_x": bits(x.grad)})


for op in OPS:
    nan_case(op, op, SPECIAL, [1.0] * len(SPECIAL))
    # A NaN arriving from upstream: does the op pass it, or mask it to 0?
    nan_case(op + "_nan_upstream", op, [1.0, -1.0, 0.0, 2.0], [math.nan] * 4)


def softmax_case(name, fn, x):
    x = torch.tensor(x, dtype=DT, requires_grad=True)
    y = fn(x, 1)
    y.backward(torch.ones_like(y))
    NAN.append({"name": name, "op": name.split("_nan")[0], "x": bits(x), "shape": list(x.shape),
                "y": bits(y), "grad_x": bits(x.grad)})


softmax_case("softmax_nan_row", torch.softmax, [[1.0, math.nan, 0.0], [1.0, 2.0, 3.0]])
softmax_case("log_softmax_nan_row", torch.log_softmax, [[1.0, math.nan, 0.0], [1.0, 2.0, 3.0]])

out = {"torch": torch.__version__, "sums": SUMS, "division": DIVISION, "nan": NAN}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "numerics.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"wrote {path}: {len(SUMS)} sum cases, {len(DIVISION)} division cases, {len(NAN)} NaN cases")
