#!/usr/bin/python3
"""Generate optim.json: PyTorch trajectories for tinynn's Adam, AdamW and
learning-rate schedulers.

Run with the Python that has PyTorch (Debian: /usr/bin/python3):

    /usr/bin/python3 gen_optim.py             # writes optim.json beside this file

Everything is float32 and deterministic: the starting values and every grad
come from fixed formulas (math.sin in double, rounded to float32), nothing is
drawn at random.  The grads are written out too, so a test only reads them.
Adam and AdamW run torch 1.13's single-tensor rule (foreach=False).
"""
import json
import math
import os

import torch

torch.set_num_threads(1)
DT = torch.float32
SHAPES = ([2, 3], [3], [2])  # the last parameter gets no grad on some steps


def f32(v):
    """The float32 nearest v, as a Python float (a double)."""
    return float(torch.tensor(v, dtype=DT).item())


def formula(n, a, b, scale):
    return [scale * math.sin(a * k + b) for k in range(n)]


def start():
    """Fixed starting parameters, one per shape."""
    out = []
    for i, shape in enumerate(SHAPES):
        n = math.prod(shape)
        out.append(torch.tensor(formula(n, 0.9, 0.3 * i, 1.5), dtype=DT).reshape(shape))
    return out


def grads_at(step):
    """The grads of step `step`: None for the last parameter every third step
    (torch skips it: no update, no step count), and values spanning a few
    orders of magnitude so that the second moment's sqrt and eps matter."""
    out = []
    for i, shape in enumerate(SHAPES):
        if i == len(SHAPES) - 1 and step % 3 == 1:
            out.append(None)
            continue
        n = math.prod(shape)
        scale = 10.0 ** ((step + i) % 4 - 2)
        out.append(torch.tensor(formula(n, 1.3, 0.7 * step + i, scale), dtype=DT).reshape(shape))
    return out


def enc(x):
    if x is None:
        return None
    x = x.detach()
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


def make(kind, options):
    params = [p.clone().requires_grad_(True) for p in start()]
    if kind == "SGD":
        opt = torch.optim.SGD(params, **options)
    elif kind == "Adam":
        opt = torch.optim.Adam(params, foreach=False, **options)
    else:
        opt = torch.optim.AdamW(params, foreach=False, **options)
    return params, opt


def apply(params, opt, step):
    opt.zero_grad(set_to_none=True)
    gs = grads_at(step)
    for p, g in zip(params, gs):
        p.grad = None if g is None else g.clone()
    opt.step()
    return gs


OPTIMIZERS = []


def optimizer_case(name, kind, options, steps=12):
    params, opt = make(kind, options)
    case = {"name": name, "optimizer": kind, "options": options,
            "start": [enc(p) for p in params], "grads": [], "params": []}
    for step in range(steps):
        gs = apply(params, opt, step)
        case["grads"].append([enc(g) for g in gs])
        case["params"].append([enc(p) for p in params])
    OPTIMIZERS.append(case)


optimizer_case("adam_default", "Adam", {})
optimizer_case("adam_weight_decay", "Adam", {"lr": 0.01, "weight_decay": 0.1})
optimizer_case("adam_amsgrad", "Adam", {"lr": 0.01, "amsgrad": True})
optimizer_case("adam_betas_eps", "Adam",
               {"lr": 0.003, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.01})
optimizer_case("adamw_default", "AdamW", {})
optimizer_case("adamw_amsgrad", "AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True})

SCHEDULERS = []
EPOCHS = 25
STEPS_PER_EPOCH = 2


def scheduler_case(name, kind, args, optimizer, options):
    params, opt = make(optimizer, options)
    sched = getattr(torch.optim.lr_scheduler, kind)(opt, **args)
    case = {"name": name, "scheduler": kind, "args": args, "optimizer": optimizer,
            "options": options, "start": [enc(p) for p in params],
            "lrs": [], "grads": [], "params": []}
    step = 0
    for _ in range(EPOCHS):
        # The lr this epoch's steps use: the scheduler's last value.
        case["lrs"].append(sched.get_last_lr()[0])
        epoch_grads = []
        for _ in range(STEPS_PER_EPOCH):
            epoch_grads.append([enc(g) for g in apply(params, opt, step)])
            step += 1
        case["grads"].append(epoch_grads)
        case["params"].append([enc(p) for p in params])
        sched.step()
    SCHEDULERS.append(case)


# SGD's lr is a float32 in tinynn: torch is given the same value.
SGD_OPTIONS = {"lr": f32(0.1), "momentum": f32(0.9)}
ADAM_OPTIONS = {"lr": 0.01}
for optimizer, options in (("SGD", SGD_OPTIONS), ("Adam", ADAM_OPTIONS)):
    tag = optimizer.lower()
    scheduler_case(f"step_lr_{tag}", "StepLR", {"step_size": 7, "gamma": 0.1},
                   optimizer, options)
    scheduler_case(f"multi_step_lr_{tag}", "MultiStepLR",
                   {"milestones": [5, 12, 12, 20], "gamma": 0.5}, optimizer, options)
    scheduler_case(f"exponential_lr_{tag}", "ExponentialLR", {"gamma": 0.9}, optimizer, options)
    scheduler_case(f"cosine_annealing_lr_{tag}", "CosineAnnealingLR",
                   {"T_max": 10, "eta_min": 0.001}, optimizer, options)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim.json")
with open(out, "w") as f:
    # One case a line: the file stays small enough to read in a diff.
    for i, (key, cases) in enumerate((("optimizers", OPTIMIZERS), ("schedulers", SCHEDULERS))):
        f.write(("{" if i == 0 else ",\n") + json.dumps(key) + ": [\n")
        f.write(",\n".join(json.dumps(case) for case in cases))
        f.write("\n]")
    f.write("}\n")
print(f"wrote {len(OPTIMIZERS)} optimizer and {len(SCHEDULERS)} scheduler cases to {out} "
      f"(torch {torch.__version__})")
