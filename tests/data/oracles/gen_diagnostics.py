#!/usr/bin/python3
"""Generate diagnostics.json: PyTorch reference values for what tinynn's
Diagnostics measure on a probe (issue 14): per hidden layer, in eval mode, the
outputs' mean, population std and 2nd/50th/98th percentiles (torch.quantile,
linear), the first unit's input's 15th/50th/85th percentiles, each unit's
firing frequency (input > 0), and the histogram (torch.histc, 24 bins from
the minimum to the maximum) of the outputs and of the loss's gradient with
respect to the layer's input. Also the update-to-weight ratio of one SGD step.

Run with the Python that has PyTorch (Debian: /usr/bin/python3):

    /usr/bin/python3 gen_diagnostics.py

Layout and number format as modules.json (README.md); running it again
rewrites the same file byte for byte.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_cases import CASES, add  # noqa: E402

torch.manual_seed(0)
torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
BINS = 24

# Linear, Tanh, Linear, BatchNorm1d, ReLU, Linear: the BatchNorm in eval
# mode uses its running statistics, set here to values of its own.
model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 4), nn.BatchNorm1d(4), nn.ReLU(),
                      nn.Linear(4, 2))
with torch.no_grad():
    model[3].running_mean.copy_(torch.randn(4) * 0.3)
    model[3].running_var.copy_(torch.rand(4) + 0.5)
    model[3].weight.copy_(torch.rand(4) + 0.5)
    model[3].bias.copy_(torch.randn(4) * 0.2)
model.eval()
x = torch.randn(40, 3)
y = torch.randn(40, 2)
initial = {k: v.detach().clone() for k, v in model.state_dict().items()}

seen = []
hooks = [model[i].register_forward_hook(lambda m, i, o: seen.append((i[0], o))) for i in (1, 4)]
loss = F.mse_loss(model(x), y)
grads = torch.autograd.grad(loss, [s[0] for s in seen])
for h in hooks:
    h.remove()

inputs = {"x": x, "y": y}
inputs.update({"initial." + k: v for k, v in initial.items()})
outputs = {}
for (pre, out), g, name in zip(seen, grads, ("1", "4")):
    o = out.detach().reshape(-1)
    outputs["mean." + name] = o.mean()
    outputs["std." + name] = o.std(unbiased=False)
    outputs["percentiles." + name] = torch.quantile(o, torch.tensor([0.02, 0.5, 0.98]))
    outputs["unit0_input." + name] = torch.quantile(pre.detach()[:, 0],
                                                    torch.tensor([0.15, 0.5, 0.85]))
    outputs["firing." + name] = (pre.detach() > 0).float().mean(0)
    outputs["outputs_range." + name] = torch.stack([o.min(), o.max()])
    outputs["outputs_histogram." + name] = torch.histc(o, BINS, o.min().item(), o.max().item())
    gv = g.reshape(-1)
    outputs["gradients_range." + name] = torch.stack([gv.min(), gv.max()])
    outputs["gradients_histogram." + name] = torch.histc(gv, BINS, gv.min().item(),
                                                          gv.max().item())

# One SGD step in train mode on the first 8 rows: each Linear weight's
# |W_after - W_before| / |W_before|.
model.train()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
before = {k: v.detach().clone() for k, v in model.state_dict().items()}
opt.zero_grad()
F.mse_loss(model(x[:8]), y[:8]).backward()
opt.step()
for i in (0, 2, 5):
    w = "%d.weight" % i
    outputs["update_ratio." + w] = ((model.state_dict()[w] - before[w]).norm() / before[w].norm())

add("probe", "diagnostics", {"bins": BINS, "lr": 0.1, "step_rows": 8}, inputs, outputs, {})

with open(os.path.join(HERE, "diagnostics.json"), "w") as f:
    json.dump(CASES, f, indent=1)
    f.write("\n")
