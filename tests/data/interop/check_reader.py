#!/usr/bin/python3
"""docs/interop.md's reader (tools/tinynn_safetensors.py) on a run of
tests/cli/interop.test.cpp: torch.nn.Sequential(Linear(2, 16), Tanh(),
Linear(16, 2)) loads its weights, the stored preprocessing prepares NEW.csv
(its columns in any order), and the predictions match tinynn predict's
PREDICTIONS.csv. Then the weights go back through save() to TORCH.safetensors
for the test to load in tinynn. Exit status 0 when all agree.

    check_reader.py MODEL.safetensors NEW.csv PREDICTIONS.csv TORCH.safetensors
"""
import csv
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools"))
import tinynn_safetensors  # noqa: E402

model_path, new_path, predictions_path, torch_path = sys.argv[1:5]
state, metadata = tinynn_safetensors.load(model_path)
model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
model.load_state_dict(state)  # strict: the metadata is not a tensor

features = json.loads(metadata["features"])
assert metadata["task"] == "classification" and metadata["classes"] == "2", metadata
with open(new_path) as f:
    rows = [[float(row[name]) for name in features] for row in csv.DictReader(f)]
x = tinynn_safetensors.standardize(torch.tensor(rows, dtype=torch.float32), metadata)
with torch.no_grad():
    scores = torch.softmax(model(x), dim=1)
with open(predictions_path) as f:
    want = list(csv.DictReader(f))
assert len(want) == len(rows), (len(want), len(rows))
worst = 0.0
for got, row in zip(scores, want):
    assert int(row["prediction"]) == int(got.argmax()), (row, got)
    worst = max(worst, abs(float(row["score_1"]) - float(got[1])))
print("max |torch - tinynn| score = %g" % worst)

tinynn_safetensors.save(model.state_dict(), torch_path, {"written_by": "torch"})
sys.exit(0 if worst <= 1e-5 else 1)
