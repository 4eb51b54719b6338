#!/usr/bin/python3
"""Loads tinynn's model.safetensors into torch.nn.Sequential(Linear(2, 8),
Tanh(), Linear(8, 3)) with load_state_dict and checks its predictions on the
given inputs against tinynn's, within 1e-5. Exit status 0 when they agree.

    check_interop.py MODEL.safetensors PREDICTIONS.json
"""
import json
import struct
import sys

import torch
import torch.nn as nn


def load_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    state = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        begin, end = info["data_offsets"]
        values = struct.unpack("<%df" % ((end - begin) // 4), data[begin:end])
        state[name] = torch.tensor(values, dtype=torch.float32).reshape(info["shape"])
    return state


model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3))
model.load_state_dict(load_safetensors(sys.argv[1]))  # strict: names and shapes must match
with open(sys.argv[2]) as f:
    expected = json.load(f)
inputs = torch.tensor(expected["inputs"], dtype=torch.float32).reshape(-1, 2)
want = torch.tensor(expected["outputs"], dtype=torch.float32).reshape(-1, 3)
with torch.no_grad():
    got = model(inputs)
worst = (got - want).abs().max().item()
print("max |torch - tinynn| = %g" % worst)
sys.exit(0 if worst <= 1e-5 else 1)
