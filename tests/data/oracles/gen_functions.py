#!/usr/bin/python3
"""Generate functions.json: PyTorch reference values for SPEC §7's tensor
functions (max, min, argmax, argmin, the comparisons, where, cat, unsqueeze,
squeeze, sin, cos).

Run with the Python that has PyTorch (Debian: /usr/bin/python3):

    /usr/bin/python3 gen_functions.py          # writes functions.json beside this file

The layout is modules.json's (see README.md), with two additions: a
non-finite float is written as the string "nan", "inf" or "-inf" (JSON has no
such numbers), and a case where torch raises has no outputs and the first
line of torch's message in params["torch_error"].  Every case is float32 and
deterministic (fixed inputs, torch.manual_seed(0) for the random ones).
"""
import json
import math
import os

import torch

torch.manual_seed(0)
torch.set_num_threads(1)
DT = torch.float32
NAN = float("nan")
INF = float("inf")


def t(data, dtype=DT):
    return torch.tensor(data, dtype=dtype)


def number(v):
    """An exact float32 value as JSON: a number, or a string if not finite."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def enc(x):
    """Tensor -> {shape, dtype, data} (row-major, exact float32 values)."""
    x = x.detach()
    d = {"shape": list(x.shape)}
    if x.dtype in (torch.int64, torch.int32):
        d["dtype"] = "int64"
        d["data"] = [int(v) for v in x.reshape(-1).tolist()]
    elif x.dtype == torch.bool:
        d["dtype"] = "bool"
        d["data"] = [int(v) for v in x.reshape(-1).tolist()]
    else:
        d["dtype"] = "float32"
        d["data"] = [number(float(v)) for v in x.reshape(-1).tolist()]
    return d


CASES = []
NAMES = set()


def add(name, op, params, inputs, outputs, grads):
    assert name not in NAMES, name
    NAMES.add(name)
    CASES.append({
        "name": name,
        "op": op,
        "params": params,
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "outputs": {k: enc(v) for k, v in outputs.items()},
        "grads": {k: enc(v) for k, v in grads.items()},
    })


def upstream(shape, offset=0):
    """A fixed upstream gradient: distinct values, none zero, both signs."""
    n = math.prod(shape)
    values = [(1 + (i + offset) % 7) * (-1 if (i + offset) % 2 else 1) * 0.5 for i in range(n)]
    return t(values).reshape(shape)


def case(name, op, params, f, inputs, differentiable=()):
    """y = f(*inputs.values()), called right away; grads of sum(y * grad_output) for
    the inputs named in `differentiable`; a torch error becomes a case with
    params.torch_error."""
    leaves = {k: (v.clone().requires_grad_(True) if k in differentiable else v)
              for k, v in inputs.items()}
    try:
        y = f(*leaves.values())
    except (RuntimeError, IndexError, ValueError) as e:
        add(name, op, dict(params, torch_error=str(e).splitlines()[0]), inputs, {}, {})
        return
    if not differentiable:
        add(name, op, params, inputs, {"y": y}, {})
        return
    go = upstream(list(y.shape))
    keys = list(differentiable)
    gs = torch.autograd.grad(y, [leaves[k] for k in keys], go, allow_unused=True)
    add(name, op, params, dict(inputs, grad_output=go), {"y": y},
        {k: (g if g is not None else torch.zeros_like(inputs[k])) for k, g in zip(keys, gs)})


# ---------------------------------------------------------------- max, min, argmax, argmin
# Ties (the first is picked along a dim), NaN (picked and propagated), ±inf,
# and ±0 (equal: the first of them is picked along a dim).
X_SEL = t([[1.0, 5.0, -2.0, 5.0],
           [3.0, 3.0, 3.0, -1.0],
           [NAN, 0.0, 7.0, NAN],
           [-INF, -0.0, INF, 0.0],
           [4.0, -3.0, -3.0, 2.0]])
V_SEL = t([2.0, -1.0, 6.0, 6.0, -1.0, 0.5])
V_NAN = t([2.0, NAN, 6.0, NAN, -1.0])
S_SEL = t(2.5)
R_SEL = torch.randn(4, 6)
# -0 and 0 tied for the largest and the smallest, each first in some line.
Z_SEL = t([[0.0, -0.0, -1.0],
           [-0.0, 0.0, -1.0],
           [0.0, -0.0, 1.0],
           [-0.0, 0.0, 1.0]])

for fn in ("max", "min"):
    f = getattr(torch, fn)
    arg = getattr(torch, "arg" + fn)
    for label, x in (("ties", X_SEL), ("zeros", Z_SEL), ("randn", R_SEL)):
        for dim in (0, 1, -1, -2):
            for keepdim in (False, True):
                k = "_keepdim" if keepdim else ""
                case(f"{fn}_dim{dim}{k}_{label}", f"{fn}_dim", {"dim": dim, "keepdim": keepdim},
                     lambda x: f(x, dim, keepdim).values, {"x": x}, ["x"])
                case(f"arg{fn}_dim{dim}{k}_{label}", f"arg{fn}_dim",
                     {"dim": dim, "keepdim": keepdim},
                     lambda x: arg(x, dim, keepdim), {"x": x})
    for label, x in (("vector", V_SEL), ("vector_nan", V_NAN), ("scalar", S_SEL)):
        for dim in (0, -1):
            for keepdim in (False, True):
                k = "_keepdim" if keepdim else ""
                case(f"{fn}_dim{dim}{k}_{label}", f"{fn}_dim", {"dim": dim, "keepdim": keepdim},
                     lambda x: f(x, dim, keepdim).values, {"x": x}, ["x"])
                case(f"arg{fn}_dim{dim}{k}_{label}", f"arg{fn}_dim",
                     {"dim": dim, "keepdim": keepdim},
                     lambda x: arg(x, dim, keepdim), {"x": x})
    # Of everything: the gradient is shared among equal elements (or NaNs).
    # torch's choice between -0 and 0 as the value depends on its vector
    # lanes, so no input here has a tie between them.
    ALL = (("ties", t([[1.0, 5.0, -2.0], [5.0, 0.0, 5.0]])),
           ("min_ties", t([[-2.0, 5.0, -2.0], [3.0, 0.0, 1.0]])),
           ("nan", t([[1.0, NAN, -2.0], [NAN, 0.0, 5.0]])),
           ("inf", t([[1.0, INF, -INF], [2.0, 0.0, 5.0]])),
           ("randn", R_SEL), ("vector", V_SEL), ("scalar", S_SEL))
    for label, x in ALL:
        case(f"{fn}_all_{label}", f"{fn}_all", {}, f, {"x": x}, ["x"])
        case(f"arg{fn}_all_{label}", f"arg{fn}_all", {}, arg, {"x": x})
    # Empty tensors: an empty reduced dim raises; an empty other dim does not.
    case(f"{fn}_dim1_empty_rows", f"{fn}_dim", {"dim": 1, "keepdim": False},
         lambda x: f(x, 1).values, {"x": torch.zeros(0, 3)}, ["x"])
    case(f"{fn}_dim0_empty_rows", f"{fn}_dim", {"dim": 0, "keepdim": False},
         lambda x: f(x, 0).values, {"x": torch.zeros(0, 3)}, ["x"])
    case(f"{fn}_all_empty", f"{fn}_all", {}, f, {"x": torch.zeros(0)}, ["x"])
    case(f"arg{fn}_dim0_empty", f"arg{fn}_dim", {"dim": 0, "keepdim": False},
         lambda x: arg(x, 0), {"x": torch.zeros(0)})
    case(f"arg{fn}_all_empty", f"arg{fn}_all", {}, arg, {"x": torch.zeros(0, 2)})
    for label, x, dim in (("vector", V_SEL, 1), ("matrix", X_SEL, -3), ("scalar", S_SEL, 1)):
        case(f"{fn}_dim{dim}_{label}_out_of_range", f"{fn}_dim", {"dim": dim, "keepdim": False},
             lambda x: f(x, dim).values, {"x": x}, ["x"])
        case(f"arg{fn}_dim{dim}_{label}_out_of_range", f"arg{fn}_dim",
             {"dim": dim, "keepdim": False}, lambda x: arg(x, dim), {"x": x})

# ---------------------------------------------------------------- comparisons
# NaN compares false except under ne; -0 equals 0; inf equals itself.
A_CMP = t([[1.0, 2.0, 3.0, NAN],
           [0.0, -0.0, INF, -INF],
           [2.0, 2.5, -1.0, 4.0]])
B_ROW = t([2.0, -0.0, INF, NAN])
B_COL = t([[2.0], [0.0], [NAN]])
for fn in ("eq", "ne", "lt", "le", "gt", "ge"):
    f = getattr(torch, fn)
    case(f"{fn}_same_shape", fn, {}, f, {"a": A_CMP, "b": A_CMP.flip(1)})
    case(f"{fn}_row", fn, {}, f, {"a": A_CMP, "b": B_ROW})
    case(f"{fn}_column", fn, {}, f, {"a": A_CMP, "b": B_COL})
    case(f"{fn}_outer", fn, {}, lambda a, b: f(a, b),
         {"a": t([[1.0], [2.0], [NAN]]), "b": t([0.0, 2.0, 3.0])})
    case(f"{fn}_scalars", fn, {}, f, {"a": t(1.0), "b": t(1.0)})
    case(f"{fn}_vector_scalar", fn, {}, lambda a, b: f(a, b),
         {"a": t([0.5, 2.0, NAN]), "b": t(2.0)})
    # The (tensor, number) form: b is the number, given as a scalar tensor.
    for label, v in (("2", 2.0), ("nan", NAN), ("inf", INF)):
        case(f"{fn}_number_{label}", fn, {"b_is_number": True},
             lambda a, b: f(a, b.item()), {"a": A_CMP, "b": t(v)})
    case(f"{fn}_no_broadcast", fn, {}, lambda a, b: f(a, b),
         {"a": torch.ones(2, 3), "b": torch.ones(4)})

# ---------------------------------------------------------------- where
# cond is a float tensor, read as torch's cond.bool(): nonzero (NaN too) is true.
COND = t([[1.0], [0.0], [NAN]])
WA = t([[1.0, -2.0, 3.0, 4.0],
        [NAN, INF, -1.0, 0.5],
        [2.0, 0.0, -3.0, 1.5]])
WB = t([10.0, -20.0, NAN, 40.0])
where = lambda cond, a, b: torch.where(cond.bool(), a, b)
case("where_broadcast", "where", {}, where, {"cond": COND, "a": WA, "b": WB}, ["a", "b"])
case("where_same_shape", "where", {}, where,
     {"cond": t([[0.0, 2.0, -0.0, 1.0], [1.0, 1.0, 0.0, 0.0], [-1.0, 0.0, INF, 0.0]]),
      "a": WA, "b": WA.flip(0)}, ["a", "b"])
case("where_scalar_branches", "where", {}, where,
     {"cond": t([1.0, 0.0, 1.0]), "a": t(3.0), "b": t(-4.0)}, ["a", "b"])
case("where_scalar_cond", "where", {}, where,
     {"cond": t(0.0), "a": t([1.0, 2.0]), "b": t([[3.0], [4.0]])}, ["a", "b"])
case("where_cond_broadcasts_up", "where", {}, where,
     {"cond": t([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]), "a": t([1.0, 2.0, 3.0]), "b": t(0.5)},
     ["a", "b"])
case("where_no_broadcast", "where", {}, where,
     {"cond": torch.ones(2, 1), "a": torch.ones(3), "b": torch.ones(3, 3)}, ["a", "b"])

# ---------------------------------------------------------------- cat
def cat_case(name, tensors, dim, differentiable=True):
    inputs = {f"t{i}": x for i, x in enumerate(tensors)}
    case(name, "cat", {"dim": dim, "count": len(tensors)},
         lambda *ts: torch.cat(list(ts), dim),
         inputs, list(inputs) if differentiable else [])


M23 = torch.randn(2, 3)
cat_case("cat_matrices_dim1", [M23, torch.randn(2, 1), torch.randn(2, 2)], 1)
cat_case("cat_matrices_dim_minus1", [M23, torch.randn(2, 2)], -1)
cat_case("cat_matrices_dim0", [torch.randn(1, 3), M23, torch.randn(3, 3)], 0)
cat_case("cat_matrices_dim_minus2", [M23, M23], -2)
cat_case("cat_vectors", [t([1.0, 2.0]), t([3.0]), t([4.0, 5.0, 6.0])], 0)
cat_case("cat_vectors_dim_minus1", [t([1.0, NAN]), t([INF])], -1)
cat_case("cat_one", [M23], 1)
cat_case("cat_empty_vector_skipped", [torch.zeros(0), M23, torch.zeros(0)], 1)
cat_case("cat_empty_vectors", [torch.zeros(0), torch.zeros(0)], 0)
cat_case("cat_empty_vectors_any_dim", [torch.zeros(0), torch.zeros(0)], 5)
cat_case("cat_empty_rows", [torch.zeros(0, 3), M23], 0)
cat_case("cat_empty_columns", [torch.zeros(2, 0), M23, torch.zeros(2, 0)], 1)
cat_case("cat_twenty_vectors", [torch.randn(1 + i % 3) for i in range(20)], 0)
cat_case("cat_twenty_rows", [torch.randn(1 + i % 2, 2) for i in range(20)], 0)
cat_case("cat_none", [], 0)
cat_case("cat_scalar", [t([1.0]), t(2.0)], 0)
cat_case("cat_rank_mismatch", [t([1.0, 2.0, 3.0]), M23], 0)
cat_case("cat_size_mismatch", [M23, torch.randn(2, 4)], 0)
cat_case("cat_dim_out_of_range", [M23, M23], 2)
cat_case("cat_vector_dim_out_of_range", [t([1.0]), torch.zeros(0)], 1)

# ---------------------------------------------------------------- unsqueeze, squeeze
V3 = t([1.0, -2.0, 3.0])
for label, x, dims in (("vector", V3, (0, 1, -1, -2, 2, -3)), ("scalar", t(4.0), (0, -1, 1, -2))):
    for dim in dims:
        case(f"unsqueeze_{label}_dim{dim}", "unsqueeze", {"dim": dim},
             lambda x: torch.unsqueeze(x, dim), {"x": x}, ["x"])
SQUEEZE = (("1x3", torch.randn(1, 3), (0, 1, -1, -2, 2, -3)),
           ("3x1", torch.randn(3, 1), (0, 1, -1)),
           ("1x1", t([[5.0]]), (0, 1)),
           ("vector1", t([6.0]), (0, -1, 1)),
           ("vector3", V3, (0,)),
           ("scalar", t(4.0), (0, -1, 1, -2)),
           ("0x1", torch.zeros(0, 1), (0, 1)))
for label, x, dims in SQUEEZE:
    for dim in dims:
        case(f"squeeze_{label}_dim{dim}", "squeeze", {"dim": dim},
             lambda x: torch.squeeze(x, dim), {"x": x}, ["x"])
    case(f"squeeze_{label}_all", "squeeze_all", {}, torch.squeeze, {"x": x}, ["x"])

# ---------------------------------------------------------------- sin, cos
X_TRIG = t([[-100.0, -math.pi, -1.0, -0.0, 0.0, 1e-30],
            [0.5, 1.0, 3.0, 100.0, 1e4, 1e6],
            [INF, -INF, NAN, 1e-3, -7.5, 40.0]])
for fn in ("sin", "cos"):
    f = getattr(torch, fn)
    case(fn, fn, {}, f, {"x": X_TRIG}, ["x"])
    case(f"{fn}_randn", fn, {}, f, {"x": torch.randn(3, 4) * 3}, ["x"])
    case(f"{fn}_vector", fn, {}, f, {"x": torch.linspace(-4, 4, 9)}, ["x"])
    case(f"{fn}_scalar", fn, {}, f, {"x": t(0.75)}, ["x"])

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "functions.json")
with open(out, "w") as f:
    json.dump(CASES, f, indent=1, allow_nan=False)
    f.write("\n")
print(f"wrote {len(CASES)} cases to {out} (torch {torch.__version__})")
