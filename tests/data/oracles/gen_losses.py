#!/usr/bin/python3
"""Generate losses.json: PyTorch reference values for tinynn's losses.

Run with the Python that has PyTorch (Debian: /usr/bin/python3):

    /usr/bin/python3 gen_losses.py             # writes losses.json beside this file

The layout is modules.json's (see README.md).  Every case is float32 and
deterministic: the inputs are written out below, nothing is drawn at random.
Numbers are written as the exact decimal value of the float32 (via a double);
the infinities that BCE's target gradient reaches at probabilities 0 and 1
are written as the strings "inf" and "-inf", as JSON has no infinity.
"""
import json
import os
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_cases import CASES, add  # noqa: E402

torch.set_num_threads(1)
# The broadcasting mse_loss cases are meant: torch's warning about them is not news.
warnings.filterwarnings("ignore", "Using a target size")
DT = torch.float32
REDUCTIONS = ("mean", "sum", "none")


def t(data, dtype=DT):
    return torch.tensor(data, dtype=dtype)


def upstream(loss, reduction):
    """The gradient fed back: 1.0 for a reduced loss (what loss.backward()
    uses), fixed values of the loss's shape for reduction none."""
    if reduction != "none":
        return t(1.0)
    n = loss.numel()
    values = [(-1.0) ** i * (0.5 + 0.25 * (i % 5)) for i in range(n)]
    return t(values).reshape(loss.shape)


def loss_case(name, op, module, x, y, reduction, target_grad=True, extra=None):
    """loss = module(input, target); grads of sum(loss * grad_output) w.r.t.
    the input, and the target when it is differentiable."""
    x = x.clone().requires_grad_(True)
    if target_grad:
        y = y.clone().requires_grad_(True)
    loss = module(x, y)
    go = upstream(loss, reduction)
    wrt = [x, y] if target_grad else [x]
    gs = torch.autograd.grad(loss, wrt, go)
    grads = {"input": gs[0]}
    if target_grad:
        grads["target"] = gs[1]
    params = {"reduction": reduction}
    params.update(extra or {})
    add(name, op, params, {"input": x, "target": y, "grad_output": go}, {"loss": loss}, grads)


# ---------------------------------------------------------------- BCELoss
# Probabilities at both ends (0 and 1, where the logs are clamped to -100),
# near them (1e-30, 1 - 2^-24), and in between; soft and hard targets.
P_BCE = t([[0.0, 0.0, 1.0, 1.0],
           [1e-30, 0.99999994, 0.5, 0.3],
           [0.9, 0.01, 0.75, 0.2]])
Y_BCE = t([[0.0, 1.0, 0.0, 1.0],
           [1.0, 0.0, 0.25, 0.7],
           [1.0, 0.0, 0.5, 0.2]])
for red in REDUCTIONS:
    loss_case(f"bce_{red}", "binary_cross_entropy", nn.BCELoss(reduction=red),
              P_BCE, Y_BCE, red)
# Inside (0, 1) only, so that every gradient is finite: for gradcheck too.
loss_case("bce_vector_mean", "binary_cross_entropy", nn.BCELoss(),
          t([0.2, 0.6, 0.95, 0.5, 0.05]), t([0.0, 1.0, 1.0, 0.3, 0.1]), "mean")
loss_case("bce_scalar_sum", "binary_cross_entropy", nn.BCELoss(reduction="sum"),
          t(0.25), t(1.0), "sum")

# ---------------------------------------------------------------- BCEWithLogitsLoss
# Logits of +-100 with either target: the naive log(sigmoid(x)) gives -inf
# (and NaN gradients) where the log-sum-exp form stays exact.
X_BCEL = t([[-100.0, 100.0, -100.0, 100.0],
            [-20.0, 20.0, 0.0, 1e-3],
            [3.0, -3.0, 0.5, -0.75]])
Y_BCEL = t([[1.0, 0.0, 0.0, 1.0],
            [0.5, 0.25, 1.0, 0.0],
            [1.0, 0.0, 0.3, 0.9]])
for red in REDUCTIONS:
    loss_case(f"bce_with_logits_{red}", "binary_cross_entropy_with_logits",
              nn.BCEWithLogitsLoss(reduction=red), X_BCEL, Y_BCEL, red)
loss_case("bce_with_logits_vector_mean", "binary_cross_entropy_with_logits",
          nn.BCEWithLogitsLoss(), t([2.0, -1.0, 0.0, 4.5, -0.25]),
          t([1.0, 0.0, 0.5, 0.0, 1.0]), "mean")

# ---------------------------------------------------------------- NLLLoss
# The input is log-probabilities as log_softmax gives them, one row with
# +-100 logits; targets are int64 class indices.
X_NLL = F.log_softmax(t([[2.0, 1.0, 0.1],
                         [0.0, 0.0, 0.0],
                         [100.0, -100.0, 50.0],
                         [-3.0, 5.0, 0.5]]), dim=1)
Y_NLL = torch.tensor([0, 2, 1, 1], dtype=torch.int64)
for red in REDUCTIONS:
    loss_case(f"nll_{red}", "nll_loss", nn.NLLLoss(reduction=red), X_NLL, Y_NLL, red,
              target_grad=False)
# Any values, not only log-probabilities: NLL just picks and negates.
loss_case("nll_vector_mean", "nll_loss", nn.NLLLoss(), t([0.5, -1.25, 3.0]),
          torch.tensor(2, dtype=torch.int64), "mean", target_grad=False)

# ---------------------------------------------------------------- mse_loss broadcasting
# torch warns that the shapes differ, then computes on the broadcast shapes;
# each gradient is summed back to its own shape.
for red in REDUCTIONS:
    loss_case(f"mse_broadcast_{red}", "mse_loss", nn.MSELoss(reduction=red),
              t([1.0, 2.0, 3.0]), t([[1.0], [2.5], [-3.0]]), red,
              extra={"note": "input [3] against target [3, 1]"})
loss_case("mse_broadcast_row_mean", "mse_loss", nn.MSELoss(),
          t([[0.5, -1.0, 2.0], [3.0, 0.0, -2.5]]), t([1.0, -0.5, 0.25]), "mean",
          extra={"note": "input [2, 3] against target [3]"})
loss_case("mse_broadcast_scalar_sum", "mse_loss", nn.MSELoss(reduction="sum"),
          t(0.75), t([[1.0, -2.0], [0.5, 4.0]]), "sum",
          extra={"note": "scalar input against target [2, 2]"})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "losses.json")
with open(out, "w") as f:
    json.dump(CASES, f, indent=1)
    f.write("\n")
print(f"wrote {len(CASES)} cases to {out} (torch {torch.__version__})")
