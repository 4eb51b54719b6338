#!/usr/bin/python3
"""PyTorch's side of bench/run.sh: the same four workloads as tinynn_bench.

    torch_bench.py <w1|w2|w3|w4|sum1e3|sum1e5|sum1e7> [--threads N] [--repeats R] [--quick]

prints one JSON object in tinynn_bench's format. Written the way a PyTorch
user gets the most out of eager mode: batches gathered with a tensor index
(torch.utils.data.DataLoader would be several times slower at these sizes),
optimizer.zero_grad(set_to_none=True), no autograd anomaly checks. The thread
environment (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, OMP_WAIT_POLICY and the
unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE) is run.sh's business; this sets
torch.set_num_threads only.
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def train_step(model, opt, x, y, loss_fn):
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss


def run_w1(args):
    steps = 1000 if args.quick else 10000
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    rates, loss = [], None
    for rep in range(args.repeats):
        torch.manual_seed(rep)
        model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid())
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
        start = time.perf_counter()
        for _ in range(steps):
            loss = train_step(model, opt, x, y, F.mse_loss)
        # .item() once, at the end: a per-step sync is not needed on a CPU and
        # would only add Python overhead PyTorch users can avoid.
        last = loss.item()
        rates.append(steps / (time.perf_counter() - start))
    return {"unit": "steps/s", "values": rates, "gflops": [], "last_loss": last}


def spiral(n, classes, noise, gen):
    """CS231n's spiral, as tinynn's make_synthetic("spiral"), shuffled."""
    per = [n // classes + (1 if c < n % classes else 0) for c in range(classes)]
    xs, ys = [], []
    for c, m in enumerate(per):
        r = torch.linspace(0.0, 1.0, m)
        t = torch.linspace(c * 4.0, (c + 1) * 4.0, m) + noise * torch.randn(m, generator=gen)
        xs.append(torch.stack([r * torch.sin(t), r * torch.cos(t)], dim=1))
        ys.append(torch.full((m,), c, dtype=torch.long))
    x, y = torch.cat(xs), torch.cat(ys)
    order = torch.randperm(n, generator=gen)
    return x[order].contiguous(), y[order].contiguous()


def train_epochs(model, opt, x, y, batch, epochs):
    """Shuffled minibatches gathered by index; returns (samples/s, last loss)."""
    n = x.shape[0]
    start = time.perf_counter()
    loss = None
    for _ in range(epochs):
        perm = torch.randperm(n)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            loss = train_step(model, opt, x[idx], y[idx], F.cross_entropy)
    last = loss.item()
    return n * epochs / (time.perf_counter() - start), last


def run_w2(args):
    epochs = 2 if args.quick else 20
    gen = torch.Generator().manual_seed(1)
    x, y = spiral(3000, 3, 0.2, gen)
    rates, last = [], None
    for rep in range(args.repeats):
        torch.manual_seed(rep)
        model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                              nn.Linear(64, 3))
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        rate, last = train_epochs(model, opt, x, y, 32, epochs)
        rates.append(rate)
    return {"unit": "samples/s", "values": rates, "gflops": [], "last_loss": last}


def run_w3(args):
    n = 12800 if args.quick else 60000
    torch.manual_seed(123)
    x = torch.randn(n, 784)
    y = torch.randint(0, 10, (n,))
    rates, gflops, last = [], [], None
    for rep in range(args.repeats):
        torch.manual_seed(rep)
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                              nn.Linear(256, 10))
        params = sum(p.numel() for p in model.parameters())
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        rate, last = train_epochs(model, opt, x, y, 128, 1)
        rates.append(rate)
        gflops.append(rate * 6 * params / 1e9)
    return {"unit": "samples/s", "values": rates, "gflops": gflops, "last_loss": last}


def run_w4(args):
    steps = 5 if args.quick else 50
    batch = 512
    torch.manual_seed(99)
    x = torch.randn(batch, 1024)
    y = torch.randn(batch, 1024)
    rates, last = [], None
    for rep in range(args.repeats):
        torch.manual_seed(rep)
        model = nn.Sequential(nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                              nn.Linear(1024, 1024))
        params = sum(p.numel() for p in model.parameters())
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        train_step(model, opt, x, y, F.mse_loss)  # untimed, as in tinynn_bench
        start = time.perf_counter()
        for _ in range(steps):
            loss = train_step(model, opt, x, y, F.mse_loss)
        last = loss.item()
        per_s = steps / (time.perf_counter() - start)
        rates.append(per_s * 6 * params * batch / 1e9)
    return {"unit": "GFLOP/s", "values": rates, "gflops": rates, "last_loss": last}


def run_sum(args, n):
    """mean() of n float32 values, 0.1 each, and item(), as tinynn_bench's sum workloads."""
    x = torch.full((n,), 0.1)
    calls = max(3, (20_000_000 if args.quick else 200_000_000) // n)
    mean = x.mean().item()
    rates = []
    for rep in range(args.repeats):
        start = time.perf_counter()
        for _ in range(calls):
            mean = x.mean().item()
        rates.append(n * calls / (time.perf_counter() - start) / 1e9)
    return {"unit": "Gvalues/s", "values": rates, "gflops": [], "last_loss": mean}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("workload", choices=["w1", "w2", "w3", "w4", "sum1e3", "sum1e5", "sum1e7"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    runs = {"w1": run_w1, "w2": run_w2, "w3": run_w3, "w4": run_w4,
            "sum1e3": lambda a: run_sum(a, 1_000), "sum1e5": lambda a: run_sum(a, 100_000),
            "sum1e7": lambda a: run_sum(a, 10_000_000)}
    result = runs[args.workload](args)
    out = {"framework": "pytorch", "workload": args.workload, "threads": args.threads,
           "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
           "quick": args.quick}
    out.update(result)
    if not math.isfinite(out["last_loss"]):
        raise SystemExit("torch_bench: the loss diverged")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
