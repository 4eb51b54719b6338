#!/usr/bin/python3
"""Reference losses for tests/cli's golden test, computed with PyTorch.

Run with Debian's Python, which has python3-torch:

    /usr/bin/python3 tests/data/golden/make_golden.py

It writes, beside itself: golden.csv (the data), init.safetensors (the
initial weights, loaded by the config's model.init_from) and
expected_metrics.csv (what `tinynn train golden.yaml` must write, to float32
round-off). golden.yaml describes the same run for tinynn: no shuffling, the
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
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.001)
rows = []
for epoch in range(1, 21):
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
    rows.append((epoch, total / 30, test_loss, accuracy))

with open(os.path.join(HERE, "expected_metrics.csv"), "w") as f:
    f.write("epoch,train_loss,test_loss,test_accuracy\n")
    for r in rows:
        f.write("%d,%.9g,%.9g,%.9g\n" % r)
print("wrote golden.csv, init.safetensors, expected_metrics.csv (torch %s)" % torch.__version__)
