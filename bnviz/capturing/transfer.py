"""Capture records from the training device to the CPU: ONE copy for a whole block of them.

On CUDA the copy goes to pinned memory without waiting, with an event that says when it has landed
(History.flush joins the block then); on a CPU it is a plain copy.
"""
import numpy as np
import torch


def to_host(by_layer):
    """(flat host tensor, event or None, layout) of pending records: ONE device->host copy for all
    (records of tensors; those of the compiled CPU path hold numpy arrays, stacked the same way).

    On CUDA the copy goes to pinned memory without waiting; `event` tells when it has landed.
    """
    stacks = [(layer, field, _stack([r[2][field] for r in recs]))
              for layer, recs in by_layer.items() for field in recs[0][2]]
    if not stacks:
        return None, None, []
    flat = torch.cat([t.reshape(-1) for _, _, t in stacks])
    layout = [(layer, field, tuple(t.shape)) for layer, field, t in stacks]
    if not flat.is_cuda:
        return flat.cpu(), None, layout
    host = torch.empty(flat.shape, dtype=flat.dtype, pin_memory=True)
    host.copy_(flat, non_blocking=True)
    event = torch.cuda.Event()
    event.record()
    return host, event, layout


def _stack(values):
    """One field of a block of records as a float tensor: tensors (on any device), or numpy arrays
    and scalars (the compiled CPU path's records, compiled.py), or both."""
    tensors = [v for v in values if isinstance(v, torch.Tensor)]
    if not tensors:
        return torch.from_numpy(np.stack(values).astype(np.float32, copy=False))
    if len(tensors) < len(values):  # both kinds in one block (eager CPU steps beside replayed ones)
        values = [v if isinstance(v, torch.Tensor) else torch.as_tensor(v, device=tensors[0].device) for v in values]
    return torch.stack(values).float()


def split(host, layout):
    """{layer: {field: numpy (rows, ...)}} from a landed copy (to_host)."""
    flat, out, start = host.numpy(), {}, 0
    for layer, field, shape in layout:
        n = int(np.prod(shape))
        out.setdefault(layer, {})[field] = flat[start:start + n].reshape(shape)
        start += n
    return out
