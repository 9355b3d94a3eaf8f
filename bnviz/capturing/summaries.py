"""What one BN forward pass did, reduced on the device to a small record (no st.*, no storage).

Per channel, every value of the batch is used (batch_mean, batch_var, ...). Histograms use every
value too when a pass has at most `sample` values; above that, an unbiased random sample of `sample`
values, stratified over the tensor (sample_positions; the record says how many of how many),
because exact histograms of a (256, 6, 24, 24) activation cost more than the training step itself
on a CPU. Percentiles use a simple random PERCENTILE_VALUES of those (recorded as pct_values): a
sort is the costliest step. tests/test_claims.py checks both against every value of real images.
"""
import math
import zlib

import numpy as np
import torch
from torch import nn

from .layers import layer_params, uses_batch_stats, updates_moving_stats

SATURATED_SLOPE = 0.25 / math.cosh(2.0) ** 2  # sigmoid'(4) = 0.0177: below it, "saturated"
SATURATION = {  # activation -> |input| beyond which its derivative is below SATURATED_SLOPE
    "sigmoid": 4.0,  # sigmoid'(x) = 1 / (4 cosh^2(x / 2))
    "tanh": math.acosh(1 / math.sqrt(SATURATED_SLOPE)),  # tanh'(x) = 1 / cosh^2(x): 2.71
}
ACTIVATIONS = {nn.Sigmoid: ("sigmoid", torch.sigmoid), nn.Tanh: ("tanh", torch.tanh),
               nn.ReLU: ("relu", torch.relu), nn.GELU: ("gelu", nn.functional.gelu),
               nn.SiLU: ("silu", nn.functional.silu), nn.ELU: ("elu", nn.functional.elu)}
PERCENTILES = (0.15, 0.50, 0.85)  # the BN paper's Figure 1
PERCENTILE_NAMES = tuple(round(100 * q) for q in PERCENTILES)  # 15, 50, 85: p15, p50, p85 columns
PERCENTILE_VALUES = 8192  # percentiles use at most this many of the histogram's values (a random subset)


def channel_stats(X):
    """Per-channel (mean, biased var, unbiased var, n) over every value of the batch.

    Two passes, as a careful hand would: the mean, then the mean squared deviation from it (no
    cancellation when the mean is large beside the spread; checked against float64 in the tests).
    On a CPU this is 3-4x faster than PyTorch's batch-norm statistics kernel or var_mean.
    """
    n = X.numel() // X.shape[1]
    dims = [0] + list(range(2, X.dim()))
    if X.is_cuda:  # one fused kernel there (the two passes cost two launches)
        var, mean = torch.var_mean(X, dim=dims, correction=0)
    else:
        mean = X.sum(dim=dims) / n  # (N, C, H, W) -> (C,)
        centred = X - mean.reshape((1, -1) + (1,) * (X.dim() - 2))
        var = centred.mul_(centred).sum(dim=dims) / n
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
    """(flat positions, their channels) of an unbiased sample of `sample` values, or (None, None)
    for all values.

    Jittered stratified sampling: the flat tensor is cut into `sample` equal strata and one position
    is drawn uniformly at random inside each, `floor((i + u_i) * total / sample)` with u_i ~ U[0, 1).
    Every value has the same chance, sample / total, to be drawn, whatever the layout (an evenly
    strided sample aliases with H*W and W: it saw only a few image columns), and the strata cover
    every image and channel in proportion. The draw is seeded by the shape, made once and reused
    (no random numbers per step, so CUDA-graph replays and eager steps see the same positions);
    the batches change every step, so the sampled images do too.
    """
    total = math.prod(shape)
    if sample is None or total <= sample:
        return None, None

    def make():
        u = torch.rand(sample, generator=_generator(("positions", tuple(shape), sample)), dtype=torch.float64)
        positions = ((torch.arange(sample, dtype=torch.float64) + u) * (total / sample)).long()
        positions = positions.clamp_(max=total - 1).to(device)
        return positions, channel_of(positions, shape)
    return constant(("positions", tuple(shape), sample, str(device)), make)


def percentile_picks(used, device):
    """Indices of PERCENTILE_VALUES of the `used` histogram values, or None when there are no more
    than that: the same jittered stratified draw over the histogram's values (in tensor order), so
    the percentiles too come from an unbiased sample spread over every image and channel (a sort of
    all 16k values would cost more than the rest of the capture)."""
    if used <= PERCENTILE_VALUES:
        return None

    def make():
        u = torch.rand(PERCENTILE_VALUES, generator=_generator(("percentiles", used)), dtype=torch.float64)
        picks = ((torch.arange(PERCENTILE_VALUES, dtype=torch.float64) + u) * (used / PERCENTILE_VALUES)).long()
        return picks.clamp_(max=used - 1).to(device)
    return constant(("pct-picks", used, str(device)), make)


def _generator(key):
    """A CPU generator seeded by `key` (the same draw in every process and on every device)."""
    g = torch.Generator()
    g.manual_seed(zlib.crc32(repr(key).encode()))
    return g


def channel_of(positions, shape):
    """The channel (dim 1) of each flat position of an (N, C, ...) tensor."""
    inner = math.prod(shape[2:])
    return (positions // inner) % shape[1]


def histograms(values, ranges, bins, groups=None, n_groups=1):
    """(Q, n) values, Q (lo, hi) ranges -> (Q, bins + 2) counts: `bins` equal bins of [lo, hi) per
    row, plus an underflow (first) and an overflow (last) cell; NaN is in no cell (the record
    counts it through the channel statistics). With `groups` (n,) of group numbers below n_groups
    (each value's channel): (n_groups, Q, bins + 2) counts, one histogram per channel.

    Each value's cell is floor((v - lo) / width) + 1, clipped to the two outer cells; then one
    counting pass for everything (bincount on a CPU, histc over the whole-number cells on CUDA,
    which a CUDA graph can hold): the same cells on every device.
    """
    Q, cells = values.shape[0], bins + 2

    def make():
        lo = torch.tensor([[r[0]] for r in ranges], dtype=values.dtype, device=values.device)
        per_width = torch.tensor([[bins / (r[1] - r[0])] for r in ranges], dtype=values.dtype,
                                 device=values.device)
        offset = torch.arange(Q, device=values.device).unsqueeze(1) * cells + 1  # (Q, 1)
        return lo, per_width, offset
    lo, per_width, offset = constant(("hist", tuple(ranges), bins, str(values.device), values.dtype), make)
    cell = ((values - lo) * per_width).floor_().clamp_(-1, bins) + offset  # (Q, n) cell numbers
    if groups is not None:
        cell += groups * (Q * cells)  # (n,) channel of each value: its own block of cells
    total = n_groups * Q * cells
    cell = cell.nan_to_num_(nan=total + 1)  # NaN: past every cell
    if values.is_cuda:
        counts = torch.histc(cell, total + 2, 0, total + 2)[:total]
    else:
        counts = torch.bincount(cell.reshape(-1).long(), minlength=total + 2)[:total].float()
    return counts.reshape(Q, cells) if groups is None else counts.reshape(n_groups, Q, cells)


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

    The same linear interpolation as torch.quantile, from the order statistics just below and above
    each percentile's position. On CUDA a sort and one gather (no host-device synchronisation:
    torch.quantile checks its q tensor on the host); on a CPU numpy's partial sort (np.partition),
    10x faster there than torch's sort for 8k values. The same order statistics either way.
    """
    n = rows.shape[1]

    def make():  # for each percentile: the sorted positions below and above, and the weight between
        pos = [q * (n - 1) for q in PERCENTILES]
        lo = [math.floor(p) for p in pos]
        ranks = lo + [min(i + 1, n - 1) for i in lo]
        return (ranks, torch.tensor(ranks, device=rows.device),
                torch.tensor([p - i for p, i in zip(pos, lo)], device=rows.device, dtype=rows.dtype))
    ranks, at, frac = constant(("quantiles", n, str(rows.device), rows.dtype), make)
    if rows.is_cuda:
        picked = rows.sort(dim=1).values.index_select(1, at)
    else:
        picked = torch.from_numpy(np.partition(rows.numpy(), sorted(set(ranks)), axis=1)[:, ranks])
    below, above = picked.chunk(2, dim=1)
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
        y = Y.reshape(-1).index_select(0, positions)
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
    # Histograms and percentiles over every value, or the unbiased sample of them.
    if positions is None:
        bshape = (1, C) + (1,) * (X.dim() - 2)
        x = X.reshape(-1)
        x_hat = ((X - norm_mean.reshape(bshape)) * inv_std.reshape(bshape)).reshape(-1)
    else:
        x = X.reshape(-1).index_select(0, positions)
        shift_scale = torch.stack([norm_mean, inv_std]).index_select(1, ch)  # (2, C) -> (2, sample)
        x_hat = (x - shift_scale[0]) * shift_scale[1]
    values = {"input": x, "x_hat": x_hat, "output": y}
    if activation is not None:
        values["activation"] = activation[1](y)
    for q, v in values.items():
        if q not in ranges:  # chosen once, from the first pass, then kept so steps compare
            ranges[q] = choose_range(v, q, activation, options.range_margin)
    picks = percentile_picks(x.numel(), x.device)  # a sort of 16k values costs ~1 ms on a CPU
    both = torch.stack([x, y])
    stacked, limits = torch.stack(list(values.values())), [ranges[q] for q in values]
    if options.raw_values:  # per channel too, for the newest passes: one counting pass for both
        if ch is None:
            ch = constant(("channel of each", tuple(X.shape), str(X.device)),
                          lambda: channel_of(torch.arange(X.numel(), device=X.device), X.shape))
        channel_hist = histograms(stacked, limits, options.bins, ch, C)  # (C, Q, bins + 2)
        hist = channel_hist.sum(0)
    else:
        channel_hist, hist = None, histograms(stacked, limits, options.bins)
    rec = {"channels": channels, "hist": hist,
           "pct": quantiles(both if picks is None else both.index_select(1, picks))}
    # A NaN or Inf anywhere in the batch shows in its channel's batch_mean/batch_var (all values).
    if activation is not None and activation[0] in SATURATION:
        rec["saturated"] = (y.abs() > SATURATION[activation[0]]).float().mean()
    info = {"n": n, "values_total": X.numel(), "values_used": x.numel(),
            "pct_values": x.numel() if picks is None else len(picks),
            "batch_stats": before["batch_stats"], "updated": before["updated"],
            "quantities": tuple(values)}
    raw = None
    if raw_y is not None:
        raw_x = per_channel(X, options.raw_values)
        raw = {"x": raw_x, "x_hat": (raw_x - norm_mean[:, None]) * inv_std[:, None], "y": raw_y,
               "channel_hist": channel_hist,
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
