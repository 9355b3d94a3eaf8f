"""What the plotting functions accept, and the checks that turn a wrong layer, step or channel into a
message that says which exist."""
import numpy as np

from ..capturing.history import History
from ..capturing.hooks import raw_at


def history_of(source):
    """The History behind a History, a LiveRun (with its step log, epochs and population) or a capture."""
    if isinstance(source, History):
        return source
    if hasattr(source, "to_history"):  # a LiveRun (the debug layer; duck-typed, not imported)
        return source.to_history()
    if isinstance(getattr(source, "history", None), History):  # a Capture
        return source.history
    raise TypeError(f"expected a bnviz History (cap.history, run.history, bnviz.load_recording(path)), "
                    f"a LiveRun or a capture, got {type(source).__name__}")


def raw_of(source, layer, step):
    """The raw values of `layer` at `step` kept by a live source (LiveRun or capture), else None."""
    if hasattr(source, "raw") and callable(source.raw):  # a LiveRun
        return source.raw(layer, step)
    if hasattr(source, "recent"):  # a Capture
        return raw_at(source, layer, step)
    return None


def check_layer(history, layer):
    """`layer` as a str, or a ValueError naming the layers this history holds."""
    layer = str(layer)
    if layer not in history.layers:
        have = ", ".join(repr(n) for n in history.layers) or "none (nothing was recorded yet)"
        raise ValueError(f"layer {layer!r} is not in this history; its BN layers are: {have}")
    return layer


def check_step(history, layer, step):
    """The record index of `step` in `layer` (newest for None), or a ValueError saying which were recorded."""
    steps = history.column(layer, "step")
    if step is None:
        return len(steps) - 1
    i = int(np.searchsorted(steps, step))  # a long run keeps every k-th step (CaptureOptions.max_records)
    if i < len(steps) and steps[i] == step:
        return i
    near = ", ".join(str(int(s)) for s in steps[max(0, i - 1):i + 1])
    raise ValueError(f"step {step} is not recorded for layer {layer!r}: its {len(steps):,} recorded steps "
                     f"run from {int(steps[0])} to {int(steps[-1])}; the nearest are {near}")


def check_channel(history, layer, channel):
    """`channel` as an int, or a ValueError giving the layer's channels."""
    C = history.last(layer, "batch_mean").shape[0]
    if not 0 <= int(channel) < C:
        raise ValueError(f"channel {channel} does not exist: layer {layer!r} has {C} channels (0 to {C - 1})")
    return int(channel)
