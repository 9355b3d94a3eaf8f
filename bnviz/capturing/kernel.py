"""The capture's per-pass summary on a CPU, compiled with numba (compiled.py calls it): the
channel rows, the sampled and raw values with their x_hat, every histogram, the percentiles and
the saturation share of one pass, in three calls.

The same work as tensor operations (summaries.py, the path of CUDA and other dtypes) is some sixty
small operations and a partial sort per layer and step: 34-48% of a LeNet step with torch's two
threads on a 2-core CPU, 21-24% this way (bench/results/capture_cost.txt). Every number is the
same as the tensor path's on a CPU (tests/test_capture_fast.py runs both on real images; a NaN may
differ in its sign bit; on CUDA the percentiles are interpolated in float32):
- channel rows and x_hat = (source - shift[c]) * scale[c] in float32, as torch computes them;
- a value v of row q falls in cell floor((v - lo_q) * per_width_q) + 1, clipped to the underflow
  (0) and overflow (bins + 1) cells, as counting.histograms(); NaN in none;
- the order statistics are those of a full sort with NaN last (np.partition, torch.sort): each is
  found among the few values of the sub-bin (a bin split in SUB) that holds its rank. A value's
  sub-bin is floor((v - lo) * per_width * SUB): multiplying by SUB (a power of 2) is exact in
  floating point, so its bin is exactly sub-bin // SUB, and a sub-bin's values are all below the
  next one's; the percentiles are interpolated between them in float64 (counting.interpolate).
Compiled once per machine (cache=True keeps it beside this file, or in numba's user cache).
error_model="numpy": a division by zero gives inf or NaN, as in torch (gamma = 0, eps = 0).
"""
import numpy as np
from numba import njit

SUB = 16  # sub-bins per bin, for the order statistics (a power of 2: see above)
SHIFT = 4  # log2(SUB)


@njit(cache=True, nogil=True, error_model="numpy")
def prepare(mean, var, n, moving_before, moving_mean, moving_var, gamma, beta, eps, batch_stats, from_output,
            channels, shift, scale):
    """The record's (9, C) channel rows (summaries.CHANNEL_ROWS) and x_hat's shift and scale.

    mean, var: the batch's (biased) statistics over every value; the rest (C,) copies, NaN for a
    layer without them; moving_before (2, C). As the tensor path computes them, in float32:
    var * (n / (n - 1)); x_hat = (x - mean) * rsqrt(var + eps) with the statistics the layer
    normalised with, or (y - beta) * (1 / gamma) when read back from the output.
    """
    unbiased = np.float32(n / max(n - 1, 1))
    e = np.float32(eps)
    one = np.float32(1)
    for c in range(mean.shape[0]):
        channels[0, c] = mean[c]
        channels[1, c] = var[c]
        channels[2, c] = var[c] * unbiased
        channels[3, c] = moving_before[0, c]
        channels[4, c] = moving_before[1, c]
        channels[5, c] = moving_mean[c]
        channels[6, c] = moving_var[c]
        channels[7, c] = gamma[c]
        channels[8, c] = beta[c]
        if from_output:
            shift[c] = beta[c]
            scale[c] = one / gamma[c]
        elif batch_stats:
            shift[c] = mean[c]
            scale[c] = one / np.sqrt(var[c] + e)
        else:  # prediction: the moving statistics read before the pass
            shift[c] = moving_before[0, c]
            scale[c] = one / np.sqrt(moving_before[1, c] + e)


@njit(cache=True, nogil=True, error_model="numpy")
def gather(X, Y, positions, channel, inner, shift, scale, from_output, values, raw_flat, raw_k, raw):
    """The sampled values and the raw values of one pass, with their x_hat.

    X, Y: the layer's input and output, flat float32 (N, C, inner) in memory order; positions (n,):
    the sample's flat positions and channel (n,) their channels (both empty: every value, in order,
    the channel then (i // inner) % C). values (Q, n) out: rows 0, 1, 2 := x, x_hat, y, x_hat =
    (source - shift[c]) * scale[c], source y when from_output, else x.
    raw (3, C * raw_k) out: x, x_hat, y at raw_flat (raw_k positions per channel, channel by channel).
    """
    every, C = positions.shape[0] == 0, shift.shape[0]
    for i in range(values.shape[1]):
        p = i if every else positions[i]
        x, y, c = X[p], Y[p], (i // inner) % C if every else channel[i]
        values[0, i] = x
        values[1, i] = ((y if from_output else x) - shift[c]) * scale[c]
        values[2, i] = y
    for j in range(raw.shape[1]):
        p, c = raw_flat[j], j // raw_k
        x, y = X[p], Y[p]
        raw[0, j] = x
        raw[1, j] = ((y if from_output else x) - shift[c]) * scale[c]
        raw[2, j] = y


@njit(cache=True, nogil=True, error_model="numpy")
def summarise_values(values, channel, grouped, start, per_width, bins, rows, ranks, weights, threshold, sat_row,
                     counts, hist, subs, pct):
    """Histograms of every row, order statistics of `rows`, saturation count of row `sat_row`.

    values (Q, n) float32; channel (n,) int64; start, per_width (Q,) float32 (per_width is the
    bin's, SUB times the histogram's); counts (groups, Q, bins + 2) float32 out, one block per channel
    when `grouped` (whole numbers: exact below 2**24 values); hist (Q, bins + 2) float32 out: counts
    summed over the channels; subs (len(rows), n) int32 scratch; pct (len(rows), P) float32 out:
    the percentiles, from the order statistics at `ranks` (P just below, then P just above, as
    counting.quantile_ranks gives them; NaN beyond the non-NaN values), interpolated in float64 with
    `weights` (P,) as counting.interpolate does.
    Returns the share of |values[sat_row]| above `threshold`, in float32 (0 when sat_row < 0).
    """
    Q, n = values.shape
    top = SUB * bins  # sub-bins -1 (underflow) ... top (overflow)
    R = rows.shape[0]
    inside = np.zeros((R, top + 2), dtype=np.int64)  # values per sub-bin of each asked row
    counts[:] = 0
    for q in range(Q):
        row, lo, pw = values[q], start[q], per_width[q]
        r = -1
        for j in range(R):
            if rows[j] == q:
                r = j
        for i in range(n):
            v = row[i]
            if v != v:  # NaN: in no cell
                if r >= 0:
                    subs[r, i] = -2
                continue
            t = (v - lo) * pw  # float32; floor(t) clipped to -1 ... top, without a call to floor:
            if t != t:  # inf - inf where the range itself is not finite (compiled.py then takes the tensor path)
                if r >= 0:
                    subs[r, i] = -2
                continue
            if t < 0:
                f = -1
            elif t >= top:
                f = top
            else:
                f = np.int32(t)  # truncation is the floor for t >= 0
            counts[channel[i] if grouped else 0, q, (f + SUB) >> SHIFT] += 1
            if r >= 0:
                subs[r, i] = f
                inside[r, f + 1] += 1
    hist[:] = 0
    for g in range(counts.shape[0]):
        hist += counts[g]
    picked = np.empty(ranks.shape[0], dtype=values.dtype)
    P = weights.shape[0]
    for r in range(R):
        _order_statistics(values[rows[r]], subs[r], inside[r], ranks, picked)
        for j in range(P):
            below, above = np.float64(picked[j]), np.float64(picked[P + j])
            pct[r, j] = np.float32(below + weights[j] * (above - below))
    hits = 0
    if sat_row >= 0:
        for v in values[sat_row]:
            if abs(v) > threshold:
                hits += 1
    return np.float32(hits) / np.float32(n)


@njit(cache=True, nogil=True, error_model="numpy")
def _order_statistics(row, subs, inside, ranks, out):
    """out[j] := the ranks[j]-th smallest of row (NaN last): sorted among its sub-bin's values only."""
    width = inside.shape[0]
    before = np.zeros(width + 1, dtype=np.int64)  # values in the sub-bins before each
    for b in range(width):
        before[b + 1] = before[b] + inside[b]
    wanted = np.full(width, -1, dtype=np.int64)  # sub-bin -> where its values start in `held`
    held_n = 0
    at = np.empty(ranks.shape[0], dtype=np.int64)
    for j in range(ranks.shape[0]):
        k = ranks[j]
        if k >= before[width]:  # beyond the non-NaN values
            at[j] = -1
            continue
        b = np.searchsorted(before, k, side="right") - 1  # before[b] <= k < before[b + 1]
        at[j] = b
        if wanted[b] < 0:
            wanted[b] = held_n
            held_n += inside[b]
    held = np.empty(held_n, dtype=row.dtype)
    fill = wanted.copy()
    for i in range(row.shape[0]):
        f = subs[i]
        if f >= -1 and wanted[f + 1] >= 0:
            held[fill[f + 1]] = row[i]
            fill[f + 1] += 1
    for b in range(width):
        if wanted[b] >= 0:
            held[wanted[b]:wanted[b] + inside[b]].sort()
    for j in range(ranks.shape[0]):
        b = at[j]
        out[j] = np.nan if b < 0 else held[wanted[b] + ranks[j] - before[b]]
