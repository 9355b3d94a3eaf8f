"""What one BN forward pass did, reduced on the device to a small record (no st.*, no storage).

Per channel, every value of the batch is used (batch_mean, batch_var, ...). Histograms use every
value too when a pass has at most `sample` values; above that, an evenly strided sample of `sample`
values (the record says how many of how many), because exact histograms of a (256, 6, 24, 24)
activation cost more than the training step itself on a CPU. Percentiles use at most
PERCENTILE_VALUES of those (evenly strided, recorded as pct_values): a sort is the costliest step.
"""
import math

import torch
from torch import nn

from .layers import layer_params, uses_batch_stats, updates_moving_stats

SATURATION = {  # activation -> |input| beyond which its derivative is below ~0.02 (saturated)
    "sigmoid": 4.0,  # sigmoid'(4) = 0.018
    "tanh": 2.0,  # tanh'(2) = 0.071
}
ACTIVATIONS = {nn.Sigmoid: ("sigmoid", torch.sigmoid), nn.Tanh: ("tanh", torch.tanh),
               nn.ReLU: ("relu", torch.relu), nn.GELU: ("gelu", nn.functional.gelu),
               nn.SiLU: ("silu", nn.functional.silu), nn.ELU: ("elu", nn.functional.elu)}
PERCENTILES = (0.15, 0.50, 0.85)  # the BN paper's Figure 1
PERCENTILE_VALUES = 4096  # percentiles use at most this many of the histogram's values (evenly strided)


def channel_stats(X):
    """Per-channel (mean, biased var, unbiased var, n) over every value of the batch.

    Uses PyTorch's own batch-norm statistics kernel (Welford, eps=0): 4x faster than var_mean on
    a CPU for (N, C, H, W); var = invstd ** -2 keeps float32 precision (checked against float64).
    """
    n = X.numel() // X.shape[1]
    if X.is_cuda:  # there the kernel is slow for few channels (60 us for LeNet's first layer)
        var, mean = torch.var_mean(X, dim=[0] + list(range(2, X.dim())), correction=0)
        return mean, var, var * (n / max(n - 1, 1)), n
    try:
        _, mean, invstd = torch.ops.aten.native_batch_norm(X, None, None, None, None, True, 0.0, 0.0)
        var = invstd.pow(-2)
    except (RuntimeError, NotImplementedError):  # a backend without the kernel
        var, mean = torch.var_mean(X, dim=[0] + list(range(2, X.dim())), correction=0)
    return mean, var, var * (n / max(n - 1, 1)), n


CONSTANTS = {}  # key -> small device tensors that never change (sample positions, picks, ...)


def constant(key, make):
    """`make()` once per key, then the cached tensors: no new device tensor each step. A recorded
    CUDA graph keeps the ones it reads alive (graphed.py)."""
    if key not in CONSTANTS:
        CONSTANTS[key] = make()
        if len(CONSTANTS) > 256:
            CONSTANTS.pop(next(iter(CONSTANTS)))
    return CONSTANTS[key]


def sample_positions(shape, sample, device):
    """(flat positions, their channels) of an evenly strided sample, or (None, None) for all values."""
    total = math.prod(shape)
    if sample is None or total <= sample:
        return None, None

    def make():
        stride = total // sample
        positions = torch.arange(0, stride * sample, stride, device=device)
        return positions, channel_of(positions, shape)
    return constant(("positions", tuple(shape), sample, str(device)), make)


def channel_of(positions, shape):
    """The channel (dim 1) of each flat position of an (N, C, ...) tensor."""
    inner = math.prod(shape[2:])
    return (positions // inner) % shape[1]


def histogram(values, lo, hi, bins):
    """Counts over `bins` equal bins of [lo, hi), plus underflow (first) and overflow (last) cells.

    Returns bins + 2 counts; values >= hi are overflow; NaN is in no cell (the record counts it).
    """
    width = (hi - lo) / bins
    clamped = values.clamp(lo - width, hi)  # below lo -> underflow cell; >= hi -> overflow cell
    return torch.histc(clamped, bins + 2, lo - width, hi + width)


def choose_range(values, quantity, activation, margin):
    """A histogram range from the data: [min, max] widened by `margin` of its width on each side.

    The activation's output has a known range where it is bounded (sigmoid (0, 1), tanh (-1, 1)).
    """
    if quantity == "activation" and activation[0] in ("sigmoid", "tanh"):
        return (0.0, 1.0) if activation[0] == "sigmoid" else (-1.0, 1.0)
    finite = values[torch.isfinite(values)]
    if finite.numel() == 0:
        return (-1.0, 1.0)
    lo, hi = float(finite.min()), float(finite.max())  # one sync, on the first pass only
    width = hi - lo if hi > lo else max(abs(hi), 1.0)
    lo, hi = lo - margin * width, hi + margin * width
    unit = 10.0 ** (math.floor(math.log10(hi - lo)) - 1)  # round outwards to 2 significant digits
    return (math.floor(lo / unit) * unit, math.ceil(hi / unit) * unit)


def quantiles(rows):
    """(R, n) -> (R, 3): the 15th, 50th and 85th percentiles of each row.

    The same linear interpolation as torch.quantile, written with a sort and one gather so that it
    makes no host-device synchronisation (torch.quantile checks its q tensor on the host).
    """
    ordered = rows.sort(dim=1).values
    n = rows.shape[1]

    def make():  # for each percentile: the sorted positions below and above, and the weight between
        pos = [q * (n - 1) for q in PERCENTILES]
        lo = [math.floor(p) for p in pos]
        return (torch.tensor(lo + [min(i + 1, n - 1) for i in lo], device=rows.device),
                torch.tensor([p - i for p, i in zip(pos, lo)], device=rows.device, dtype=rows.dtype))
    at, frac = constant(("quantiles", n, str(rows.device), rows.dtype), make)
    below, above = ordered[:, at].chunk(2, dim=1)
    return below + (above - below) * frac


def following_activation(model, name):
    """(kind, fn) of the elementwise activation right after layer `name` in its nn.Sequential."""
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    if not isinstance(parent, nn.Sequential):
        return None
    keys = list(parent._modules)
    if child not in keys or keys.index(child) + 1 >= len(keys):
        return None
    nxt = parent._modules[keys[keys.index(child) + 1]]
    return ACTIVATIONS.get(type(nxt))


def before_pass(module):
    """What must be read before the forward pass: mode and a copy of the moving statistics,
    (2, C) in one stack (None for a layer without them)."""
    _, _, moving_mean, moving_var, _ = layer_params(module)
    moving = None
    if moving_mean is not None and moving_var is not None:
        moving = torch.stack([moving_mean.detach().reshape(-1), moving_var.detach().reshape(-1)])
    return {"batch_stats": uses_batch_stats(module), "updated": updates_moving_stats(module),
            "moving_before": moving}


CHANNEL_ROWS = ("batch_mean", "batch_var", "batch_var_unbiased", "moving_mean_before",
                "moving_var_before", "moving_mean", "moving_var", "gamma", "beta")


@torch.no_grad()
def summarise(module, X, Y, before, ranges, options, activation=None, stream=None):
    """(record, info, raw values) of one pass.

    Args:
        module: the BN layer; X its input, Y its output; before: before_pass(module).
        ranges: {quantity: (lo, hi)}: filled from the first pass, then fixed.
        options: a CaptureOptions; activation: (kind, fn) of the following activation, or None.
        stream: None computes everything in order. A CUDA stream (while the Stepper records a
            CUDA graph) gets all the work that reads only X and copies, so that it runs beside the
            rest of the training step; first, on the layer's own stream, the values of Y, the
            parameters and the buffers are copied (an in-place activation may change Y, the SGD
            step the parameters, the next pass the buffers).
    Returns:
        record: tensors on the device: "channels" (9, C) stacked in CHANNEL_ROWS order, "hist"
            (quantities, bins + 2), "pct" (2, 3) percentiles of input and output, "saturated";
        info: plain Python facts (mode, sizes); raw: a few real values or None.
    """
    X, Y = X.detach(), Y.detach()
    gamma, beta, moving_mean, moving_var, eps = layer_params(module)
    C = X.shape[1]
    flat = (lambda t: torch.full((C,), float("nan"), device=X.device) if t is None else t.detach().reshape(-1))
    moving_before = before["moving_before"]
    if moving_before is None:
        moving_before = torch.full((2, C), float("nan"), device=X.device)
    kept = torch.cat([moving_before] + [flat(t)[None] for t in (moving_mean, moving_var, gamma, beta)])
    # kept: (6, C) copies, in CHANNEL_ROWS order
    positions, ch = sample_positions(X.shape, options.sample, X.device)
    if positions is None:
        y = Y.reshape(-1) if stream is None else Y.reshape(-1).clone()
    else:
        y = Y.reshape(-1)[positions]
    raw_y = per_channel(Y, options.raw_values) if options.raw_values else None
    if stream is None:
        return _from_input(X, y, raw_y, kept, before, ranges, options, activation, eps, positions, ch)
    stream.wait_stream(torch.cuda.current_stream(X.device))
    for t in (X, y, raw_y, kept):
        if t is not None:
            t.record_stream(stream)  # kept from reuse until the stream's work on it is done
    with torch.cuda.stream(stream):
        return _from_input(X, y, raw_y, kept, before, ranges, options, activation, eps, positions, ch)


def _from_input(X, y, raw_y, kept, before, ranges, options, activation, eps, positions, ch):
    """The rest of summarise: what needs only X and the copies made before."""
    C = X.shape[1]
    mean, var, var_unbiased, n = channel_stats(X)
    if before["batch_stats"]:
        norm_mean, norm_var = mean, var
    else:  # prediction: normalised with the moving (running) statistics read before the pass
        norm_mean, norm_var = kept[0], kept[1]
    inv_std = torch.rsqrt(norm_var + eps)
    channels = torch.cat([torch.stack([mean, var, var_unbiased]), kept])  # (9, C), CHANNEL_ROWS order
    # Histograms and percentiles over every value, or an evenly strided sample of them.
    if positions is None:
        bshape = (1, C) + (1,) * (X.dim() - 2)
        x = X.reshape(-1)
        x_hat = ((X - norm_mean.reshape(bshape)) * inv_std.reshape(bshape)).reshape(-1)
    else:
        x = X.reshape(-1)[positions]
        x_hat = (x - norm_mean[ch]) * inv_std[ch]
    values = {"input": x, "x_hat": x_hat, "output": y}
    if activation is not None:
        values["activation"] = activation[1](y)
    for q, v in values.items():
        if q not in ranges:  # chosen once, from the first pass, then kept so steps compare
            ranges[q] = choose_range(v, q, activation, options.range_margin)
    pct_stride = max(1, x.numel() // PERCENTILE_VALUES)  # a sort of 16k values costs ~1 ms on a CPU
    rec = {"channels": channels,
           "hist": torch.stack([histogram(v, *ranges[q], options.bins) for q, v in values.items()]),
           "pct": quantiles(torch.stack([x, y])[:, ::pct_stride])}
    # A NaN or Inf anywhere in the batch shows in its channel's batch_mean/batch_var (all values).
    if activation is not None and activation[0] in SATURATION:
        rec["saturated"] = (y.abs() > SATURATION[activation[0]]).float().mean()
    info = {"n": n, "values_total": X.numel(), "values_used": x.numel(),
            "pct_values": len(range(0, x.numel(), pct_stride)),
            "batch_stats": before["batch_stats"], "updated": before["updated"],
            "quantities": tuple(values)}
    raw = None
    if raw_y is not None:
        raw_x = per_channel(X, options.raw_values)
        raw = {"x": raw_x, "x_hat": (raw_x - norm_mean[:, None]) * inv_std[:, None], "y": raw_y,
               "position": _picks(X.shape[0], X.numel() // (C * X.shape[0]), options.raw_values, X.device)[0]}
    return rec, info, raw


def _picks(N, inner, k, device):
    """k positions spread evenly along a channel's N * inner values: (positions, their n, their s)."""
    def make():
        pick = torch.linspace(0, N * inner - 1, min(k, N * inner), device=device).long()
        return pick, pick // inner, pick % inner
    return constant(("picks", N, inner, k, str(device)), make)


def per_channel(T, k):
    """(C, k): k real values per channel of T, evenly spread over the batch (positions: _picks).

    Gathered by index, without copying the activation into per-channel order.
    """
    N, C = T.shape[:2]
    inner = math.prod(T.shape[2:])  # H * W, or 1 after a Linear
    _, n, s = _picks(N, inner, k, T.device)
    return T.reshape(N, C, inner)[n, :, s].t()
