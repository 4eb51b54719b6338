#!/usr/bin/python3
"""Generate modules2.json: PyTorch reference values for the modules of
SPEC section 7 (issue 14): the activations beyond the first four, PReLU,
BatchNorm1d, Dropout's scaling, and an SGD trajectory through them. Also
writes ../interop/torch_batchnorm.safetensors, a state_dict of the
trajectory's model saved as torch keeps it (num_batches_tracked as I64).

Run with the Python that has PyTorch (Debian: /usr/bin/python3):

    /usr/bin/python3 gen_modules2.py

Layout and number format as modules.json (README.md); running it again
rewrites the same files byte for byte.
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_cases import CASES, add  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools"))
import tinynn_safetensors  # noqa: E402

torch.manual_seed(0)
torch.set_num_threads(1)
DT = torch.float32
HERE = os.path.dirname(os.path.abspath(__file__))


def t(data):
    return torch.tensor(data, dtype=DT)


# ---------------------------------------------------------------- activations
# Large magnitudes (no NaN, exp overflow), both zeros and the branch points;
# at beta 2, threshold 5 Softplus takes its log1p branch at 2.5 (beta x = 5)
# and returns x itself from 3 on.
X = t([[-100.0, -20.0, -5.0, -2.0, -1.0, -0.5],
       [-1e-3, 0.0, -0.0, 1e-3, 0.5, 1.0],
       [2.0, 2.5, 3.0, 5.0, 20.0, 100.0]])
GY = torch.randn(3, 6)

ACTIVATIONS = [
    ("identity", "identity", {}, nn.Identity()),
    ("elu", "elu", {"alpha": 1.0}, nn.ELU()),
    ("elu_0.5", "elu", {"alpha": 0.5}, nn.ELU(alpha=0.5)),
    ("selu", "selu", {}, nn.SELU()),
    ("gelu_none", "gelu", {"approximate": "none"}, nn.GELU()),
    ("gelu_tanh", "gelu", {"approximate": "tanh"}, nn.GELU(approximate="tanh")),
    ("silu", "silu", {}, nn.SiLU()),
    ("softplus", "softplus", {"beta": 1.0, "threshold": 20.0}, nn.Softplus()),
    ("softplus_2_5", "softplus", {"beta": 2.0, "threshold": 5.0},
     nn.Softplus(beta=2.0, threshold=5.0)),
    ("softsign", "softsign", {}, nn.Softsign()),
    ("mish", "mish", {}, nn.Mish()),
]
for name, op, params, module in ACTIVATIONS:
    x = X.clone().requires_grad_(True)
    y = module(x)
    (gx,) = torch.autograd.grad(y, [x], GY)
    add(name, op, params, {"x": x, "grad_output": GY}, {"y": y}, {"x": gx})

# PReLU: one shared slope, and one per column (slopes of both signs).
for name, weight in (("prelu_1", [0.3]), ("prelu_6", [0.25, -0.5, 0.0, 1.5, 0.1, 2.0])):
    m = nn.PReLU(num_parameters=len(weight))
    with torch.no_grad():
        m.weight.copy_(t(weight))
    x = X.clone().requires_grad_(True)
    y = m(x)
    gx, gw = torch.autograd.grad(y, [x, m.weight], GY)
    add(name, "prelu", {"num_parameters": len(weight)},
        {"x": x, "weight": m.weight, "grad_output": GY}, {"y": y}, {"x": gx, "weight": gw})

# ---------------------------------------------------------------- BatchNorm1d
# Three training steps on different batches, then eval: the output and the
# input/weight/bias gradients at the first step and in eval, and the running
# statistics after each step.
bn = nn.BatchNorm1d(4, eps=1e-5, momentum=0.1)
with torch.no_grad():
    bn.weight.copy_(torch.randn(4))
    bn.bias.copy_(torch.randn(4))
inputs = {"weight": bn.weight.detach().clone(), "bias": bn.bias.detach().clone()}
outputs, grads = {}, {}
for step in range(3):
    # Columns of different scales and offsets, as a layer's inputs have.
    x = (torch.randn(5, 4) * t([1.0, 3.0, 0.1, 10.0]) + t([0.0, -2.0, 5.0, 1.0]))
    x.requires_grad_(True)
    gy = torch.randn(5, 4)
    y = bn(x)
    gx, gw, gb = torch.autograd.grad(y, [x, bn.weight, bn.bias], gy)
    inputs["x%d" % step] = x
    inputs["grad_output%d" % step] = gy
    outputs["y%d" % step] = y
    grads["x%d" % step] = gx
    grads["weight%d" % step] = gw
    grads["bias%d" % step] = gb
    outputs["running_mean%d" % step] = bn.running_mean.clone()
    outputs["running_var%d" % step] = bn.running_var.clone()
bn.eval()
x = torch.randn(3, 4).requires_grad_(True)
gy = torch.randn(3, 4)
y = bn(x)
gx, gw, gb = torch.autograd.grad(y, [x, bn.weight, bn.bias], gy)
inputs["x_eval"] = x
inputs["grad_output_eval"] = gy
outputs["y_eval"] = y
grads["x_eval"] = gx
grads["weight_eval"] = gw
grads["bias_eval"] = gb
outputs["num_batches_tracked"] = bn.num_batches_tracked.clone()
add("batchnorm1d_steps", "batch_norm", {"eps": 1e-5, "momentum": 0.1, "steps": 3},
    inputs, outputs, grads)

# momentum 0.5 and eps 0.1: both settings reach the running statistics.
bn = nn.BatchNorm1d(3, eps=0.1, momentum=0.5)
x = torch.randn(4, 3).requires_grad_(True)
gy = torch.randn(4, 3)
y = bn(x)
(gx,) = torch.autograd.grad(y, [x], gy)
add("batchnorm1d_momentum", "batch_norm", {"eps": 0.1, "momentum": 0.5},
    {"x": x, "grad_output": gy},
    {"y": y, "running_mean": bn.running_mean, "running_var": bn.running_var}, {"x": gx})

# ---------------------------------------------------------------- Dropout
# The mask is torch's RNG's and cannot be matched: the kept values' scale
# and eval's identity can.
x = torch.randn(4, 5)
drop = nn.Dropout(p=0.2)
y = drop(x)
add("dropout_0.2", "dropout", {"p": 0.2}, {"x": x},
    {"scaled": x * (1.0 / (1.0 - 0.2)), "eval": drop.eval()(x)}, {})

# ---------------------------------------------------------------- trajectory
# Linear, BatchNorm1d, PReLU per unit, Linear, GELU (tanh), Linear; SGD with
# momentum on two alternating batches, MSE loss. The initial state (weights
# and buffers), the loss of each step, and the final state.
torch.manual_seed(1)
model = nn.Sequential(nn.Linear(3, 6), nn.BatchNorm1d(6), nn.PReLU(6), nn.Linear(6, 4),
                      nn.GELU(approximate="tanh"), nn.Linear(4, 1))
with torch.no_grad():  # slopes that differ, so that each is checked on its own
    model[2].weight.copy_(t([0.25, 0.1, 0.4, -0.2, 0.05, 0.3]))
initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
batches = [(torch.randn(8, 3), torch.randn(8, 1)) for _ in range(2)]
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
STEPS = 6
losses = []
for step in range(STEPS):
    x, target = batches[step % 2]
    opt.zero_grad()
    loss = F.mse_loss(model(x), target)
    loss.backward()
    opt.step()
    losses.append(loss.detach().clone())
model.eval()
eval_out = model(batches[0][0]).detach()
final = {k: v.detach().clone() for k, v in model.state_dict().items()}

traj_inputs = {"initial." + k: v for k, v in initial.items()}
for i, (x, target) in enumerate(batches):
    traj_inputs["x%d" % i] = x
    traj_inputs["target%d" % i] = target
traj_outputs = {"final." + k: v for k, v in final.items()}
traj_outputs["losses"] = torch.stack(losses)
traj_outputs["eval_output"] = eval_out
add("trajectory_bn_prelu_gelu", "trajectory",
    {"lr": 0.05, "momentum": 0.9, "steps": STEPS, "loss": "mse"},
    traj_inputs, traj_outputs, {})

with open(os.path.join(HERE, "modules2.json"), "w") as f:
    json.dump(CASES, f, indent=1)
    f.write("\n")

# The trained model's state_dict as torch keeps it, num_batches_tracked an
# int64 scalar: what tinynn's load must accept.
assert final["1.num_batches_tracked"].dtype == torch.int64
tinynn_safetensors.save(final, os.path.join(HERE, "..", "interop", "torch_batchnorm.safetensors"))
