"""Histograms and percentiles of the values a plan picked (sampling.py), computed on the device.

Each reduction takes its constants from the layer's Plan, made on the first pass: a step builds no
new constant tensor, and the whole of it is a few fused-size tensor operations.
"""
import math

import numpy as np
import torch

PERCENTILES = (0.15, 0.50, 0.85)  # the BN paper's Figure 1
PERCENTILE_NAMES = tuple(round(100 * q) for q in PERCENTILES)  # 15, 50, 85: p15, p50, p85 columns
OUT_ACTIVATIONS = (torch.sigmoid, torch.tanh)  # activations that write into a given tensor (out=)


def cell_constants(plan, ranges, bins, n_groups, like):
    """(lo, per_width, base) for histograms(): made once per plan, ranges and bins.

    A value v of row q lands in cell floor((v - lo_q) * per_width_q) + 1, clipped to 0 (the
    underflow) and bins + 1 (the overflow). `base` holds that + 1 and moves row q (and, with
    per-channel counts, each value's channel) into its own block of cells.
    """
    key = (tuple(ranges), bins, n_groups)
    if key not in plan.cells:
        Q, cells = len(ranges), bins + 2
        per_width = torch.tensor([[bins / (hi - lo)] for lo, hi in ranges], dtype=like.dtype, device=like.device)
        start = torch.tensor([[lo] for lo, _ in ranges], dtype=like.dtype, device=like.device)
        base = torch.arange(Q, device=like.device, dtype=like.dtype).unsqueeze(1) * cells + 1  # (Q, 1)
        if n_groups > 1:
            base = base + plan.channel.to(like.dtype) * (Q * cells)  # (Q, used)
        plan.cells[key] = (start, per_width, base)
    return plan.cells[key]


def histograms(values, constants, bins, n_groups=1):
    """(Q, n) values -> (Q, bins + 2) counts: `bins` equal bins of [lo, hi) per row, plus an
    underflow (first) and an overflow (last) cell; NaN is in no cell (the record counts it through
    the channel statistics). With n_groups > 1 (cell_constants made with each value's channel):
    (n_groups, Q, bins + 2), one histogram per channel.

    One counting pass for everything (bincount on a CPU, histc over the whole-number cells on CUDA,
    which a CUDA graph can hold): the same cells on every device.
    """
    start, per_width, base = constants
    Q, cells = values.shape[0], bins + 2
    total = n_groups * Q * cells
    # (v - lo) * per_width with lo exact, as the bin edges lo + k * width are meant (a spike of equal
    # values, e.g. a convolution's bias over blank background, then falls on the side np.histogram puts it)
    cell = torch.sub(values, start).mul_(per_width).floor_().clamp_(-1, bins).add_(base)
    cell = cell.nan_to_num_(nan=total + 1)  # NaN: past every cell
    if values.is_cuda:
        counts = torch.histc(cell, total + 2, 0, total + 2)[:total]
    else:
        # int32 cells: the float -> int32 conversion is 4x cheaper than to int64, the count 2x
        counts = torch.bincount(cell.reshape(-1).int(), minlength=total + 2)[:total].float()
    return counts.reshape(Q, cells) if n_groups == 1 else counts.reshape(n_groups, Q, cells)


def activation_and_ranges(values, y, ranges, options, activation):
    """Row 3 of values := the following activation of y (torch's own function); the histogram
    ranges from the first pass. Returns the quantities."""
    Q = values.shape[0]
    quantities = ("input", "x_hat", "output", "activation")[:Q]
    if activation is not None:
        if activation[1] in OUT_ACTIVATIONS:
            activation[1](y, out=values[3])
        else:
            values[3].copy_(activation[1](y))
    if len(ranges) < Q:  # chosen once, from the first pass, then kept so steps compare
        for q, v in zip(quantities, values):  # (iterating `values` slices it: only on that pass)
            if q not in ranges:
                ranges[q] = choose_range(v, q, activation, options.range_margin)
    return quantities


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


def quantiles(rows, cache=None):
    """(R, n) -> (R, 3): the 15th, 50th and 85th percentiles of each row.

    The same linear interpolation as torch.quantile, from the order statistics just below and above
    each percentile's position. On CUDA a sort and one gather (no host-device synchronisation:
    torch.quantile checks its q tensor on the host); on a CPU numpy's partial sort (np.partition),
    10x faster there than torch's sort for 8k values. The same order statistics either way.
    `cache` (a Plan's dict) keeps the positions and weights from one step to the next.
    """
    ranks, at, frac, weights = quantile_ranks(rows.shape[1], cache, rows.device, rows.dtype)
    if rows.is_cuda:
        below, above = rows.sort(dim=1).values.index_select(1, at).chunk(2, dim=1)
        return torch.lerp(below, above, frac)
    return torch.from_numpy(interpolate(order_statistics(rows.numpy(), ranks), weights))


def interpolate(picked, weights):
    """(R, 2P) order statistics (P just below each percentile, then P just above) -> (R, P)
    percentiles: below + w * (above - below), in float64, rounded once to the values' dtype (the
    compiled path, kernel.py, does the same)."""
    P = len(weights)
    below, above = picked[:, :P].astype(np.float64), picked[:, P:].astype(np.float64)
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, as torch.lerp gives
        return (below + weights * (above - below)).astype(picked.dtype)


def quantile_ranks(n, cache=None, device="cpu", dtype=torch.float32):
    """For the percentiles of n values: (ranks: the sorted positions just below each percentile,
    then just above; the same as a tensor; the weights between, as a tensor and in float64), kept
    in `cache` (a Plan's dict) from one step to the next."""
    cache = {} if cache is None else cache
    if n not in cache:
        pos = [q * (n - 1) for q in PERCENTILES]
        lo = [math.floor(p) for p in pos]
        ranks = lo + [min(i + 1, n - 1) for i in lo]
        weights = [p - i for p, i in zip(pos, lo)]
        cache[n] = (ranks, torch.tensor(ranks, device=device), torch.tensor(weights, device=device, dtype=dtype),
                    np.array(weights))
    return cache[n]


def order_statistics(a, ranks):
    """(R, n) numpy -> (R, 6): the order statistics of each row at `ranks` (quantiles()' three
    positions below, then the three above: lo0 <= lo1 <= lo2, each above = min(lo + 1, n - 1)).

    The values np.partition(a, ranks) puts there (NaN sorts last), found with three one-position
    partitions on halving parts (the median's, then the 15th's left of it and the 85th's right of
    it) and a minimum for each position just above: np.partition with several positions at once
    runs a scalar selection per position, 2-3x slower on real activations.
    """
    lo0, lo1, lo2 = ranks[:3]
    n = a.shape[1]
    if not lo0 < lo1 < lo2:  # a handful of values: the plain way
        return np.partition(a, sorted(set(ranks)), axis=1)[:, ranks]
    out = np.empty((a.shape[0], 6), dtype=a.dtype)
    x = np.partition(a, lo1, axis=1)  # x[:, :lo1] <= x[:, lo1] <= x[:, lo1 + 1:]
    left = np.partition(x[:, :lo1], lo0, axis=1)
    right = np.partition(x[:, lo1 + 1:], lo2 - lo1 - 1, axis=1)
    out[:, 0], out[:, 1], out[:, 2] = left[:, lo0], x[:, lo1], right[:, lo2 - lo1 - 1]
    # just above each: the smallest of the part after it (np.fmin ignores NaN unless all are NaN)
    out[:, 3] = np.fmin.reduce(left[:, lo0 + 1:], axis=1) if lo0 + 1 < lo1 else x[:, lo1]
    out[:, 4] = np.fmin.reduce(x[:, lo1 + 1:], axis=1) if lo1 + 1 < n else x[:, lo1]
    out[:, 5] = np.fmin.reduce(right[:, lo2 - lo1:], axis=1) if lo2 + 1 < n else out[:, 2]
    return out
