#!/usr/bin/python3
"""Reference losses for tests/cli's golden test, computed with PyTorch.

Run with Debian's Python, which has python3-torch:

    /usr/bin/python3 tests/data/golden/make_golden.py

It writes, beside itself: golden.csv (the data), init.safetensors (the
initial weights, loaded by the config's model.init_from) and
expected_metrics*.csv (what `tinynn train golden.yaml` must write, to float32
round-off, with SGD and, under the --set overrides the test gives, with Adam,
AdamW and each learning-rate schedule). golden.yaml describes the same run for tinynn: no shuffling, the
last quarter of the rows as the test split, a partial last batch.
"""
import json
import os
import struct

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(7)
torch.set_num_threads(1)

# 40 samples, 2 features, 3 classes: three noisy clusters.
centres = torch.tensor([[1.0, 1.0], [-1.0, 0.5], [0.0, -1.0]])
labels = torch.arange(40) % 3
features = centres[labels] + 0.6 * torch.randn(40, 2)
with open(os.path.join(HERE, "golden.csv"), "w") as f:
    f.write("x1,x2,label\n")
    for row, label in zip(features.tolist(), labels.tolist()):
        # %.9g round-trips a float32 exactly.
        f.write("%.9g,%.9g,%d\n" % (row[0], row[1], label))
features = torch.tensor([[float("%.9g" % v) for v in row] for row in features.tolist()])

model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3))


def save_safetensors(state, path):
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        data = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


save_safetensors(model.state_dict(), os.path.join(HERE, "init.safetensors"))

train_x, train_y = features[:30], labels[:30]
test_x, test_y = features[30:], labels[30:]
criterion = nn.CrossEntropyLoss()
initial = {k: v.clone() for k, v in model.state_dict().items()}

# Each variant: the file it writes, the optimiser and schedule (stepped once
# after each epoch), and the --set overrides that make golden.yaml the same
# run for tinynn (the test, tests/cli/train.test.cpp, lists them too).
Sched = torch.optim.lr_scheduler
VARIANTS = [
    ("expected_metrics.csv",
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.001), None),
    ("expected_metrics_adam_step.csv",
     lambda p: torch.optim.Adam(p, lr=0.01),
     lambda o: Sched.StepLR(o, step_size=5, gamma=0.5)),
    ("expected_metrics_adamw_amsgrad_cosine.csv",
     lambda p: torch.optim.AdamW(p, lr=0.02, betas=(0.8, 0.99), amsgrad=True),
     lambda o: Sched.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    ("expected_metrics_sgd_multistep.csv",
     lambda p: torch.optim.SGD(p, lr=0.2, momentum=0.5, nesterov=True),
     lambda o: Sched.MultiStepLR(o, milestones=[4, 9, 9], gamma=0.3)),
    ("expected_metrics_adam_exponential.csv",
     lambda p: torch.optim.Adam(p, lr=0.05, weight_decay=0.01, eps=1e-6),
     lambda o: Sched.ExponentialLR(o, gamma=0.8)),
]

for name, make_optimizer, make_scheduler in VARIANTS:
    model.load_state_dict(initial)
    opt = make_optimizer(model.parameters())
    sched = make_scheduler(opt) if make_scheduler else None
    rows = []
    for epoch in range(1, 21):
        lr = opt.param_groups[0]["lr"]
        total = 0.0
        for start in range(0, 30, 8):
            x, y = train_x[start:start + 8], train_y[start:start + 8]
            opt.zero_grad()
            loss = criterion(model(x), y)
            total += loss.item() * len(x)
            loss.backward()
            opt.step()
        with torch.no_grad():
            out = model(test_x)
            test_loss = criterion(out, test_y).item()
            accuracy = (out.argmax(1) == test_y).float().mean().item()
        rows.append((epoch, total / 30, test_loss, accuracy, lr))
        if sched:
            sched.step()
    with open(os.path.join(HERE, name), "w") as f:
        f.write("epoch,train_loss,test_loss,test_accuracy,lr\n")
        for r in rows:
            f.write("%d,%.9g,%.9g,%.9g,%.17g\n" % r)
print("wrote golden.csv, init.safetensors, expected_metrics*.csv (torch %s)" % torch.__version__)
