"""Reads and writes tinynn's model.safetensors with the standard library and
torch alone (Debian ships no python3-safetensors). See docs/interop.md.

    state, metadata = load("runs/iris/model.safetensors")
    model.load_state_dict(state)
    x = standardize(torch.tensor(rows), metadata)   # the run's stored statistics
    save(model.state_dict(), "init.safetensors")    # for tinynn's model.init_from
"""
import json
import struct

import torch


# struct's format and torch's dtype of each safetensors dtype used: F32 for
# the weights, I64 for BatchNorm's num_batches_tracked (as torch keeps it).
DTYPES = {"F32": ("f", 4, torch.float32), "I64": ("q", 8, torch.int64)}


def load(path):
    """The tensors (a state_dict of float32 tensors, and int64 for BatchNorm's
    num_batches_tracked) and the "__metadata__" (a dict of strings, empty when
    the file has none)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    metadata = header.pop("__metadata__", None) or {}
    state = {}
    for name, info in header.items():
        if info["dtype"] not in DTYPES:
            raise ValueError("%s: dtype %s, expected F32 or I64" % (name, info["dtype"]))
        code, size, dtype = DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        values = struct.unpack("<%d%s" % ((end - begin) // size, code), data[begin:end])
        state[name] = torch.tensor(values, dtype=dtype).reshape(info["shape"])
    return state, metadata


def standardize(x, metadata):
    """Rows [n, features] (in metadata["features"] order) prepared as tinynn
    prepared the training data: (x - mean) / std, constant features centred."""
    if metadata.get("normalize") != "standard":
        return x
    mean = torch.tensor(json.loads(metadata["mean"]), dtype=torch.float32)
    std = torch.tensor(json.loads(metadata["std"]), dtype=torch.float32)
    return (x - mean) / torch.where(std > 0, std, torch.ones_like(std))


def save(state, path, metadata=None):
    """Writes tensors (rank 0-2) as safetensors, which tinynn's load and
    model.init_from accept: int64 ones (num_batches_tracked) as I64, the
    others as F32."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, tensor in state.items():
        kind = "I64" if tensor.dtype == torch.int64 else "F32"
        code, _, dtype = DTYPES[kind]
        values = tensor.detach().to(dtype).flatten().tolist()
        blob = struct.pack("<%d%s" % (len(values), code), *values)
        header[name] = {"dtype": kind, "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
