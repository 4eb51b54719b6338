"""The case list the oracle generators (gen_modules.py, gen_modules2.py,
gen_losses.py) write: each case's tensors as {shape, dtype, data}, row-major,
with every float32 written as its exact decimal value (README.md)."""
import math

import torch

CASES = []


def number(v):
    """A float as JSON holds it: infinities and NaN as strings."""
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if math.isnan(v):
        return "nan"
    return float(v)


def enc(x):
    """Tensor -> {shape, dtype, data}."""
    x = x.detach()
    d = {"shape": list(x.shape)}
    if x.dtype in (torch.int64, torch.int32):
        d["dtype"] = "int64"
        d["data"] = [int(v) for v in x.reshape(-1).tolist()]
    else:
        d["dtype"] = "float32"
        d["data"] = [number(v) for v in x.reshape(-1).tolist()]
    return d


def add(name, op, params, inputs, outputs, grads):
    CASES.append({
        "name": name,
        "op": op,
        "params": params,
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "outputs": {k: enc(v) for k, v in outputs.items()},
        "grads": {k: enc(v) for k, v in grads.items()},
    })
