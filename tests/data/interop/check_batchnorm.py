#!/usr/bin/python3
"""A run of tests/cli/lab_modules.test.cpp whose layers are Linear(2, 8),
BatchNorm1d(8), PReLU(8), Dropout(0.2), Linear(8, 2): torch.nn.Sequential of
the same layers loads its model.safetensors strictly (running statistics and
the I64 num_batches_tracked included), and in eval mode gives the outputs
tinynn gave for the same inputs. Exit status 0 when they agree to 1e-5.

    check_batchnorm.py MODEL.safetensors INPUTS.csv OUTPUTS.csv
"""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools"))
import tinynn_safetensors  # noqa: E402

model_path, inputs_path, outputs_path = sys.argv[1:4]
state, _ = tinynn_safetensors.load(model_path)
assert state["1.num_batches_tracked"].dtype == torch.int64, state["1.num_batches_tracked"]
assert int(state["1.num_batches_tracked"]) > 0
model = nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8, eps=1e-3, momentum=0.2), nn.PReLU(8), nn.Dropout(0.2),
                      nn.Linear(8, 2))
model.load_state_dict(state)  # strict
model.eval()


def read(path):
    with open(path) as f:
        return torch.tensor([[float(v) for v in line.split(",")] for line in f if line.strip()],
                            dtype=torch.float32)


x, want = read(inputs_path), read(outputs_path)
with torch.no_grad():
    got = model(x)
worst = float((got - want).abs().max())
print("max |torch - tinynn| = %g" % worst)
sys.exit(0 if worst <= 1e-5 else 1)
