"""What one BN forward pass did, reduced on the device to a small record (no st.*, no storage).

Per channel, every value of the batch is used (batch_mean, batch_var, ...). Histograms and
percentiles use every value too when a pass has at most `sample` values per quantity; above that,
an evenly strided sample of `sample` values (the record says how many of how many), because exact
histograms of a (256, 6, 24, 24) activation cost more than the training step itself on a CPU.
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


def per_channel(X):
    """(N, C[, ...]) -> (C, n): each channel's values in a row (a copy only for 4-D input)."""
    if X.dim() == 2:
        return X.t()
    return X.transpose(0, 1).reshape(X.shape[1], -1)


def channel_stats(X):
    """Per-channel (mean, biased var, unbiased var) over every value; n = values per channel."""
    dims = [0] + list(range(2, X.dim()))
    var, mean = torch.var_mean(X, dim=dims, correction=0)
    n = X.numel() // X.shape[1]
    return mean, var, var * n / max(n - 1, 1), n


def sample_positions(shape, sample, device):
    """Flat positions of an evenly strided sample (all positions when sample is None or larger)."""
    total = 1
    for s in shape:
        total *= s
    if sample is None or total <= sample:
        return None, total
    stride = total // sample
    return torch.arange(0, stride * sample, stride, device=device), total


def channel_of(positions, shape):
    """The channel (dim 1) of each flat position of an (N, C, ...) tensor."""
    inner = 1
    for s in shape[2:]:
        inner *= s
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


def quantiles(values):
    """The 15th, 50th and 85th percentiles (linear interpolation, as torch.quantile)."""
    q = torch.tensor(PERCENTILES, device=values.device, dtype=values.dtype)
    return torch.quantile(values, q)


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
    """What must be read before the forward pass: mode and a copy of the moving statistics."""
    _, _, moving_mean, moving_var, _ = layer_params(module)
    clone = (lambda t: None if t is None else t.detach().reshape(-1).clone())
    return {"batch_stats": uses_batch_stats(module), "updated": updates_moving_stats(module),
            "moving_mean_before": clone(moving_mean), "moving_var_before": clone(moving_var)}


@torch.no_grad()
def summarise(module, X, Y, before, ranges, options, activation=None):
    """(record, raw values) of one pass: per-channel statistics, histograms, percentiles.

    Args:
        module: the BN layer; X its input, Y its output; before: before_pass(module).
        ranges: {quantity: (lo, hi)} fixed histogram ranges (missing ones are not histogrammed).
        options: a CaptureOptions; activation: (kind, fn) of the following activation, or None.
    """
    X, Y = X.detach(), Y.detach()
    gamma, beta, moving_mean, moving_var, eps = layer_params(module)
    C = X.shape[1]
    flat = lambda t: t.detach().reshape(-1) if t is not None else torch.full((C,), float("nan"), device=X.device)
    mean, var, var_unbiased, n = channel_stats(X)
    if before["batch_stats"]:
        norm_mean, norm_var = mean, var
    else:  # prediction: normalised with the moving (running) statistics read before the pass
        norm_mean, norm_var = before["moving_mean_before"], before["moving_var_before"]
    inv_std = torch.rsqrt(norm_var + eps)
    rec = {
        "batch_mean": mean, "batch_var": var, "batch_var_unbiased": var_unbiased,
        "moving_mean_before": flat(before["moving_mean_before"]),
        "moving_var_before": flat(before["moving_var_before"]),
        "moving_mean": flat(moving_mean).clone(), "moving_var": flat(moving_var).clone(),
        "gamma": flat(gamma).clone(), "beta": flat(beta).clone(),
    }
    # Histograms and percentiles over every value, or an evenly strided sample of them.
    positions, total = sample_positions(X.shape, options.sample, X.device)
    if positions is None:
        x = X.reshape(-1)
        ch = None
    else:
        x = X.reshape(-1)[positions]
        ch = channel_of(positions, X.shape)
    bshape = (1, C) + (1,) * (X.dim() - 2)
    if ch is None:
        x_hat = ((X - norm_mean.reshape(bshape)) * inv_std.reshape(bshape)).reshape(-1)
        y = Y.reshape(-1)
    else:
        x_hat = (x - norm_mean[ch]) * inv_std[ch]
        y = Y.reshape(-1)[positions]
    values = {"input": x, "x_hat": x_hat, "output": y}
    if activation is not None:
        values["activation"] = activation[1](y)
    for q, v in values.items():
        if q not in ranges:  # chosen once, from the first pass, then kept so steps compare
            ranges[q] = choose_range(v, q, activation, options.range_margin)
        rec[f"hist_{q}"] = histogram(v, *ranges[q], options.bins)
    rec["nonfinite"] = (~torch.isfinite(x)).sum() + (~torch.isfinite(y)).sum()
    rec["input_pct"] = quantiles(x)
    rec["output_pct"] = quantiles(y)
    if activation is not None and activation[0] in SATURATION:
        rec["saturated"] = (y.abs() > SATURATION[activation[0]]).float().mean()
    rec["values_total"] = torch.tensor(total)
    rec["values_used"] = torch.tensor(x.numel())
    rec["n"] = torch.tensor(n)
    rec["batch_stats"] = torch.tensor(before["batch_stats"])
    rec["updated"] = torch.tensor(before["updated"])
    raw = raw_values(X, Y, norm_mean, inv_std, options.raw_values) if options.raw_values else None
    return rec, raw


def raw_values(X, Y, norm_mean, inv_std, k):
    """A few real values per channel (evenly spread over the batch): x, x_hat and the layer's y."""
    x, y = per_channel(X), per_channel(Y)  # (C, n)
    pick = torch.linspace(0, x.shape[1] - 1, min(k, x.shape[1]), device=X.device).long()
    x = x[:, pick]
    return {"x": x, "x_hat": (x - norm_mean[:, None]) * inv_std[:, None], "y": y[:, pick],
            "position": pick}
