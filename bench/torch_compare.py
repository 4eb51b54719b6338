#!/usr/bin/python3
"""The README's first command, `tinynn compare deep.yaml dead_relu.yaml`, as a
plain PyTorch script: bench/run.sh times both as whole processes.

    torch_compare.py OUT_DIR CONFIG.yaml...

For each config: every activation of compare.activations with every seed of
compare.seeds, trained as tinynn trains it (below), with per epoch the train
loss, the test loss and accuracy, each Linear weight's gradient norm and the
dead and saturated units of docs/diagnostics.md. Writes OUT_DIR/<name>.csv
(one row per activation, seed and epoch, tinynn's column names) and prints
each activation's final losses, mean over seeds, to set beside tinynn's.

As in tinynn: the data (two moons) and its split come from the config's
seed; each run's seed draws its initial weights and its shuffling. Every
Linear is Xavier-uniform with the gain of its activation and zero biases
(then compare's bias_init, if set). Train loss is the epoch's batch losses,
each taken before its step, weighted by batch size. The generators differ
from tinynn's, so the figures agree in range, not in bits.

What tinynn's compare does on top and this script does not (it makes the
ratio conservative): the probe's forward and backward pass per epoch, the
update ratios, the summary, the report and its pictures.
"""
import csv
import math
import pathlib
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml

# docs/diagnostics.md: an output within 2 % of its range from an asymptote
# is saturated.
SATURATION_SHARE = 0.02
RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def moons(samples, noise, gen):
    """sklearn.datasets.make_moons as tinynn draws it, then shuffled."""
    outer = samples // 2
    inner = samples - outer
    t_out = torch.linspace(0.0, math.pi, outer, dtype=torch.float64)
    t_in = torch.linspace(0.0, math.pi, inner, dtype=torch.float64)
    x = torch.cat([torch.stack([t_out.cos(), t_out.sin()], 1),
                   torch.stack([1.0 - t_in.cos(), 1.0 - t_in.sin() - 0.5], 1)]).float()
    x += noise * torch.randn(x.shape, generator=gen)
    y = torch.cat([torch.zeros(outer, dtype=torch.long), torch.ones(inner, dtype=torch.long)])
    order = torch.randperm(samples, generator=gen)
    return x[order], y[order]


def make_activation(name, slope):
    return {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
            "leaky_relu": lambda: nn.LeakyReLU(slope)}[name]()


def make_model(cfg, activation, seed):
    m = cfg["model"]
    slope = float(m.get("negative_slope", 0.01))
    sizes = [2] + list(m["hidden"])
    torch.manual_seed(seed)
    layers = []
    for a, b in zip(sizes, sizes[1:]):
        layers += [nn.Linear(a, b), make_activation(activation, slope)]
    layers.append(nn.Linear(sizes[-1], 2))
    model = nn.Sequential(*layers)
    gain = nn.init.calculate_gain(activation, slope if activation == "leaky_relu" else None)
    bias = float(m.get("bias_init") or 0.0)
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight, gain)
            nn.init.constant_(layer.bias, bias)
    return model


class EpochStats:
    """The epoch's diagnostics, summed as tensors and read once at its end."""

    def __init__(self, model, activation):
        self.activation = activation
        self.linears = [str(i) for i, l in enumerate(model) if isinstance(l, nn.Linear)]
        self.hidden = [str(i) for i, l in enumerate(model) if not isinstance(l, nn.Linear)]
        self.grad_sum = {name: 0.0 for name in self.linears}
        self.fired = {}      # per hidden layer: did each unit fire on some sample?
        self.saturated = {}  # per hidden layer: saturated outputs so far
        self.outputs = {}    # per hidden layer: outputs counted
        self.batches = 0

    def record_forward(self, name, pre, out):
        if self.activation in RANGES:
            low, high = RANGES[self.activation]
            margin = SATURATION_SHARE * (high - low)
            sat = ((out <= low + margin) | (out >= high - margin)).sum()
            self.saturated[name] = self.saturated.get(name, 0) + sat
            self.outputs[name] = self.outputs.get(name, 0) + out.numel()
        else:
            # ReLU: dead when its output was 0 for every sample; LeakyReLU:
            # when its input was negative for every sample.
            alive = (out > 0) if self.activation == "relu" else (pre >= 0)
            fired = alive.any(0)
            self.fired[name] = fired | self.fired[name] if name in self.fired else fired

    def record_backward(self, model):
        for name in self.linears:
            self.grad_sum[name] = self.grad_sum[name] + model[int(name)].weight.grad.norm()
        self.batches += 1

    def row(self):
        r = {"grad_norm.%s.weight" % n: float(self.grad_sum[n]) / self.batches
             for n in self.linears}
        if self.activation in RANGES:
            for n in self.hidden:
                r["saturated_fraction.%s" % n] = int(self.saturated[n]) / self.outputs[n]
            r["saturated_fraction"] = (sum(int(v) for v in self.saturated.values())
                                       / sum(self.outputs.values()))
        else:
            dead = {n: int((~self.fired[n]).sum()) for n in self.hidden}
            for n in self.hidden:
                r["dead_fraction.%s" % n] = dead[n] / self.fired[n].numel()
            r["dead_fraction"] = sum(dead.values()) / sum(f.numel() for f in self.fired.values())
        return r


def forward(model, x, stats):
    """The Sequential's forward, layer by layer, handing each hidden
    activation's input and output to stats."""
    for i, layer in enumerate(model):
        out = layer(x)
        if stats is not None and not isinstance(layer, nn.Linear):
            stats.record_forward(str(i), x.detach(), out.detach())
        x = out
    return x


def train_run(cfg, data, activation, seed):
    x_train, y_train, x_test, y_test = data
    model = make_model(cfg, activation, seed)
    opt_cfg, training = cfg["optimizer"], cfg["training"]
    opt = torch.optim.SGD(model.parameters(), lr=float(opt_cfg["lr"]),
                          momentum=float(opt_cfg.get("momentum", 0.0)))
    gen = torch.Generator().manual_seed(seed)
    batch = int(training["batch_size"])
    n = x_train.shape[0]
    rows = []
    for epoch in range(1, int(training["epochs"]) + 1):
        model.train()
        stats = EpochStats(model, activation)
        perm = torch.randperm(n, generator=gen)
        loss_sum = torch.zeros(())
        for first in range(0, n, batch):
            idx = perm[first:first + batch]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(forward(model, x_train[idx], stats), y_train[idx])
            loss.backward()
            stats.record_backward(model)
            opt.step()
            loss_sum += loss.detach() * idx.numel()
        model.eval()
        with torch.no_grad():
            logits = forward(model, x_test, None)
            test_loss = F.cross_entropy(logits, y_test).item()
            accuracy = (logits.argmax(1) == y_test).float().mean().item()
        row = {"activation": activation, "seed": seed, "epoch": epoch,
               "train_loss": loss_sum.item() / n, "test_loss": test_loss,
               "test_accuracy": accuracy}
        row.update(stats.row())
        rows.append(row)
    return rows


def run_config(path, out_dir):
    cfg = yaml.safe_load(open(path))
    d, m = cfg["data"], cfg["model"]
    # What this script reproduces of a config; anything else is refused
    # rather than silently trained differently.
    if (d["kind"] != "moons" or m.get("kind", "mlp") != "mlp"
            or m.get("init") != "xavier_uniform" or cfg.get("loss") != "cross_entropy"
            or cfg["optimizer"]["kind"] != "sgd"):
        raise SystemExit("torch_compare: %s is not a moons / mlp / xavier_uniform / "
                         "cross_entropy / sgd config" % path)
    gen = torch.Generator().manual_seed(int(cfg["seed"]))
    x, y = moons(int(d["samples"]), float(d["noise"]), gen)
    n_test = round(float(d.get("test_split", 0.2)) * x.shape[0])
    n_train = x.shape[0] - n_test
    data = (x[:n_train], y[:n_train], x[n_train:], y[n_train:])
    rows = []
    for activation in cfg["compare"]["activations"]:
        for seed in cfg["compare"]["seeds"]:
            rows += train_run(cfg, data, activation, int(seed))
    columns = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    with open(out_dir / ("%s.csv" % cfg["name"]), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    epochs = int(cfg["training"]["epochs"])
    for activation in cfg["compare"]["activations"]:
        last = [r for r in rows if r["activation"] == activation and r["epoch"] == epochs]
        print("%s %s: final train loss %.4f, test loss %.4f (mean of %d seeds)"
              % (cfg["name"], activation, sum(r["train_loss"] for r in last) / len(last),
                 sum(r["test_loss"] for r in last) / len(last), len(last)))


def main():
    if len(sys.argv) < 3:
        raise SystemExit("usage: torch_compare.py OUT_DIR CONFIG.yaml...")
    out_dir = pathlib.Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    # One thread, as tinynn's compare runs each run's products on one
    # (bench/run.sh sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS to match).
    torch.set_num_threads(1)
    for path in sys.argv[2:]:
        run_config(path, out_dir)


if __name__ == "__main__":
    main()
