"""summarise() for a float32 pass on a CPU: the wrapper around the compiled kernels (kernel.py).

The same numbers as the tensor operations the other paths take (summaries.py), bit for bit but for
a NaN's sign (tests/test_capture_fast.py runs both on real images), in three compiled calls instead of some
sixty small tensor operations per layer and step. Without numba (it is in requirements.txt), where
numba finds no writable place for its cache (RuntimeError "no locator available"; NUMBA_CACHE_DIR
names one), or with ENABLED = False, every pass takes the tensor operations.
"""
import math

import numpy as np
import torch

from .counting import activation_and_ranges, quantile_ranks
from .layers import layer_params

try:
    from . import kernel
    ENABLED = True
except (ImportError, RuntimeError):  # pragma: no cover - no numba, or nowhere to keep its cache
    kernel, ENABLED = None, False
MAX_VALUES = 1 << 24  # values per pass the kernels count exactly (float32 counts); more take the tensor path


def takes(X, Y, plan):
    """Whether this pass takes the compiled path: float32 on a CPU, at most MAX_VALUES sampled."""
    return ENABLED and X.device.type == "cpu" and X.dtype == Y.dtype == torch.float32 and plan.used <= MAX_VALUES


def summarise_pass(module, X, Y, mean, var, n, before, ranges, options, activation, saturation, plan):
    """What summaries.summarise() computes after the per-channel statistics (mean, var over all n
    values of each channel), in three compiled calls: the channel rows and x_hat's constants
    (kernel.prepare), the sampled and raw values with their x_hat (kernel.gather), the counts,
    percentiles and saturation share (kernel.summarise_values). Between them torch's own activation
    function and, on the first pass, the histogram ranges (counting.activation_and_ranges).

    Returns numpy arrays (transfer.py stacks them): channels (9, C), (per-channel counts or None,
    counts), percentiles (2, 3), the share beyond `saturation` (None without one), raw values (a
    dict, or None), and the quantities. None where a histogram range is too wide or narrow for
    float32 constants (then summaries takes the tensor path).
    """
    gamma, beta, moving_mean, moving_var, eps = layer_params(module)
    Q, used, C = 4 if activation is not None else 3, plan.used, X.shape[1]
    cache = plan.cells
    if "numpy" not in cache:  # the plan's index tensors as numpy arrays, for the kernels
        none = np.empty(0, dtype=np.int64)  # no positions: every value, in order
        cache["numpy"] = tuple(none if t is None else t.numpy() for t in (plan.positions, plan.channel, plan.raw_flat))
        cache["nan"] = np.full((2, C), np.nan, dtype=np.float32)  # a layer without one of its rows
    positions, channel, raw_flat = cache["numpy"]
    moving_before, from_output = before["moving_before"], before.get("x_hat_from_output", False)
    channels, shift_scale = np.empty((9, C), dtype=np.float32), np.empty((2, C), dtype=np.float32)
    kernel.prepare(mean.numpy(), var.numpy(), n, cache["nan"] if moving_before is None else moving_before.numpy(),
                   _numpy_of(moving_mean, cache, "mm"), _numpy_of(moving_var, cache, "mv"),
                   _numpy_of(gamma, cache, "gamma"), _numpy_of(beta, cache, "beta"), eps, before["batch_stats"],
                   from_output, channels, shift_scale[0], shift_scale[1])
    k = len(raw_flat) // C
    values, raw = np.empty((Q, used), dtype=np.float32), np.empty((3, C, k), dtype=np.float32)
    kernel.gather(X.numpy().reshape(-1), Y.numpy().reshape(-1), positions, channel, math.prod(X.shape[2:]), shift_scale[0],
                  shift_scale[1], from_output, values, raw_flat, max(k, 1),
                  raw.reshape(3, -1))
    tensors = torch.from_numpy(values)
    quantities = activation_and_ranges(tensors, tensors[2], ranges, options, activation)
    groups = C if options.raw_values else 1  # per channel too, for the newest passes: one counting pass
    key = ("compiled", tuple(ranges[q] for q in quantities), options.bins)
    if key not in cache:  # the histograms' constants, per_width SUB times the bin's
        with np.errstate(over="ignore"):
            start = np.array([lo for lo, _ in key[1]], dtype=np.float32)
            per_width = np.array([kernel.SUB * options.bins / (hi - lo) for lo, hi in key[1]], dtype=np.float32)
        finite = np.isfinite(start).all() and np.isfinite(per_width).all() and (per_width > 0).all()
        cache[key] = (start, per_width) if finite else None
    if cache[key] is None:
        return None  # ranges near float32's limits: the tensor path counts them as it always did
    if ("compiled", used) not in plan.quantile:
        ranks, _, _, weights = quantile_ranks(used, plan.quantile)
        plan.quantile[("compiled", used)] = (np.array(ranks, dtype=np.int64), weights, np.array([0, 2]))
    (start, per_width), (ranks, weights, rows) = cache[key], plan.quantile[("compiled", used)]
    counts = np.empty((groups, Q, options.bins + 2), dtype=np.float32)
    hist, pct = np.empty((Q, options.bins + 2), dtype=np.float32), np.empty((2, 3), dtype=np.float32)
    share = kernel.summarise_values(values, channel, groups > 1, start, per_width, options.bins, rows, ranks, weights,
                                    np.float32(saturation or 0.0), 2 if saturation is not None else -1,
                                    counts, hist, np.empty((2, used), dtype=np.int32), pct)
    kept_raw = {"x": raw[0], "x_hat": raw[1], "y": raw[2], "position": plan.raw_picks[0]} if k else None
    return (channels, (counts if groups > 1 else None, hist), pct, None if saturation is None else np.float32(share),
            kept_raw, quantities)


def _numpy_of(t, cache, key):
    """A numpy view of a parameter or buffer (NaN row for None), kept while the tensor and its
    storage stay the same (SGD and the moving averages update them in place)."""
    if t is None:
        return cache["nan"][0]
    if not t.is_contiguous():  # a copy: made anew every pass
        return t.detach().reshape(-1).numpy()
    hit = cache.get(key)
    if hit is None or hit[0] is not t or hit[1] != t.data_ptr():
        hit = cache[key] = (t, t.data_ptr(), t.detach().reshape(-1).numpy())
    return hit[2]
