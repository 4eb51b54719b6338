#!/usr/bin/python3
"""What `tinynn train configs/xor.yaml --quiet --out DIR` does, in PyTorch.

bench/run.sh times both as whole processes (/usr/bin/time -v: wall time and
peak RSS), so this does what the command does and nothing more: make the XOR
set (200 points, noise 0.05), split off 20 % as a test set, train a 2-8-8-2
tanh MLP with cross-entropy and SGD (lr 0.05, momentum 0.9), 200 epochs of
shuffled batches of 32, evaluate the test set every epoch, and write the
metrics and the final weights into DIR.

    torch_xor_train.py DIR
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(42)
    n, noise = 200, 0.05
    x = torch.rand(n, 2) * 2 - 1
    y = ((x[:, 0] * x[:, 1]) > 0).long()
    x = x + noise * torch.randn(n, 2)
    order = torch.randperm(n)
    n_test = round(0.2 * n)
    train_idx, test_idx = order[:n - n_test], order[n - n_test:]
    train_x, train_y = x[train_idx], y[train_idx]
    test_x, test_y = x[test_idx], y[test_idx]

    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    rows = []
    for epoch in range(1, 201):
        model.train()
        perm = torch.randperm(len(train_x))
        total = 0.0
        for i in range(0, len(train_x), 32):
            idx = perm[i:i + 32]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(train_x[idx]), train_y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            logits = model(test_x)
            test_loss = F.cross_entropy(logits, test_y).item()
            accuracy = (logits.argmax(1) == test_y).float().mean().item()
        rows.append((epoch, total / len(train_x), test_loss, accuracy))
    with open(os.path.join(out, "metrics.csv"), "w") as f:
        f.write("epoch,train_loss,test_loss,test_accuracy\n")
        for r in rows:
            f.write("%d,%.9g,%.9g,%.9g\n" % r)
    torch.save(model.state_dict(), os.path.join(out, "model.pt"))


if __name__ == "__main__":
    main()
