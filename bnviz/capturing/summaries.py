"""What one BN forward pass did, reduced on the device to a small record (no st.*, no storage).

Per channel, every value of the batch is used (batch_mean, batch_var, ...). Histograms and
percentiles use every value too when a pass has at most `sample` values; above that, the unbiased
sample of the layer's Plan (sampling.py; the record says how many of how many). Here as tensor
operations (the path of CUDA and of other dtypes); a float32 pass on a CPU gets the same numbers
from compiled kernels (compiled.py, kernel.py).
"""
import math

import torch
from torch import nn

from . import compiled
from .counting import activation_and_ranges, cell_constants, histograms, quantiles
from .layers import layer_params, normalises_with_own_batch, uses_batch_stats, updates_moving_stats
from .sampling import Plan

SATURATED_SLOPE = 0.25 / math.cosh(2.0) ** 2  # sigmoid'(4) = 0.0177: below it, "saturated"
SATURATION = {  # activation -> |input| beyond which its derivative is below SATURATED_SLOPE
    "sigmoid": 4.0,  # sigmoid'(x) = 1 / (4 cosh^2(x / 2))
    "tanh": math.acosh(1 / math.sqrt(SATURATED_SLOPE)),  # tanh'(x) = 1 / cosh^2(x): 2.71
}
ACTIVATIONS = {nn.Sigmoid: ("sigmoid", torch.sigmoid), nn.Tanh: ("tanh", torch.tanh),
               nn.ReLU: ("relu", torch.relu), nn.GELU: ("gelu", nn.functional.gelu),
               nn.SiLU: ("silu", nn.functional.silu), nn.ELU: ("elu", nn.functional.elu)}


def channel_stats(X):
    """Per-channel (mean, biased var, unbiased var, n) over every value of the batch.

    Two passes, as a careful hand would: the mean, then the mean squared deviation from it (no
    cancellation when the mean is large beside the spread; checked against float64 in the tests).
    On a CPU this is 3-4x faster than PyTorch's batch-norm statistics kernel or var_mean.
    """
    n = X.numel() // X.shape[1]
    if X.is_cuda:  # one fused kernel there (the two passes cost two launches)
        var, mean = torch.var_mean(X, dim=[0] + list(range(2, X.dim())), correction=0)
    elif X.dim() == 2:
        mean = X.sum(0) / n  # (N, C) -> (C,)
        var = (X - mean).square_().sum(0) / n
    else:  # the image dimensions first, where they are contiguous: 2-4x faster than all at once
        X = X.reshape(X.shape[0], X.shape[1], -1)  # (N, C, H, W) -> (N, C, H*W)
        mean = X.sum(2).sum(0) / n  # -> (C,)
        var = (X - mean[:, None]).square_().sum(2).sum(0) / n
    return mean, var, var * (n / max(n - 1, 1)), n


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
    batch_stats = uses_batch_stats(module)
    return {"batch_stats": batch_stats, "updated": updates_moving_stats(module), "moving_before": moving,
            "x_hat_from_output": batch_stats and not normalises_with_own_batch(module)}


CHANNEL_ROWS = ("batch_mean", "batch_var", "batch_var_unbiased", "moving_mean_before",
                "moving_var_before", "moving_mean", "moving_var", "gamma", "beta")




@torch.no_grad()
def summarise(module, X, Y, before, ranges, options, activation=None, stream=None, plans=None,
              use_compiled=True):
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
        plans: {shape: Plan} kept by the caller from one pass to the next (None: made anew).
        use_compiled: a float32 pass on a CPU takes the compiled path (compiled.py) when it can;
            False keeps tensors everywhere (records collected for a CUDA graph's replays).
    Returns:
        record: tensors on the device (numpy arrays on the compiled path): "channels" (9, C)
            stacked in CHANNEL_ROWS order, "hist" (quantities, bins + 2), "pct" (2, 3) percentiles
            of input and output, "saturated";
        info: plain Python facts (mode, sizes); raw: a few real values or None.
    """
    X, Y = X.detach(), Y.detach()
    plans = {} if plans is None else plans
    plan = plans.get(X.shape)
    if plan is None:
        plan = plans[X.shape] = Plan.make(X.shape, X.device, options.sample, options.raw_values)
    if stream is None and use_compiled and compiled.takes(X, Y, plan):
        mean, var, _, n = channel_stats(X)
        saturation = SATURATION.get(activation[0]) if activation is not None else None
        done = compiled.summarise_pass(module, X, Y, mean, var, n, before, ranges, options, activation, saturation,
                                       plan)
        if done is not None:
            channels, counts, pct, share, raw, quantities = done
            return _record(X, plan, before, channels, counts, pct, share, quantities, n, raw)
    gamma, beta, moving_mean, moving_var, eps = layer_params(module)
    C = X.shape[1]
    flat = (lambda t: torch.full((1, C), float("nan"), device=X.device) if t is None else t.detach().reshape(1, -1))
    moving_before = before["moving_before"]
    if moving_before is None:
        moving_before = torch.full((2, C), float("nan"), device=X.device)
    kept = torch.cat([moving_before] + [flat(t) for t in (moving_mean, moving_var, gamma, beta)])
    # kept: (6, C) copies, in CHANNEL_ROWS order
    raw_y = plan.per_channel(Y) if plan.raw_picks else None
    if stream is None:  # x and y straight into their rows of the stacked values, while X and Y are fresh
        values = torch.empty((4 if activation is not None else 3, plan.used), dtype=X.dtype, device=X.device)
        x, y = values[0], values[2]
        if plan.positions is None:
            x.copy_(X.reshape(-1))
            y.copy_(Y.reshape(-1))
        else:
            torch.index_select(X.reshape(-1), 0, plan.positions, out=x)
            torch.index_select(Y.reshape(-1), 0, plan.positions, out=y)
        return _from_input(X, y, raw_y, kept, before, ranges, options, activation, eps, plan, values)
    if plan.positions is None:
        y = Y.reshape(-1).clone()
    else:
        y = Y.reshape(-1).index_select(0, plan.positions)
    stream.wait_stream(torch.cuda.current_stream(X.device))
    for t in (X, y, raw_y, kept):
        if t is not None:
            t.record_stream(stream)  # kept from reuse until the stream's work on it is done
    with torch.cuda.stream(stream):
        return _from_input(X, y, raw_y, kept, before, ranges, options, activation, eps, plan)


def _statistics(X, kept, before, eps):
    """(channels (9, C) in CHANNEL_ROWS order, shift, scale, x_hat read from the output, n):
    x_hat = (x - shift) * scale with the statistics the layer normalised with."""
    mean, var, var_unbiased, n = channel_stats(X)
    if before["batch_stats"]:
        norm_mean, norm_var = mean, var
    else:  # prediction: normalised with the moving (running) statistics read before the pass
        norm_mean, norm_var = kept[0], kept[1]
    channels = torch.cat([mean[None], var[None], var_unbiased[None], kept])
    # x_hat = (x - mean) / sqrt(var + eps), with the statistics the layer normalised with. Where
    # those are not this input's (nn.SyncBatchNorm: the global batch's), what the layer did is read
    # back from its output instead: x_hat = (y - beta) / gamma (NaN, so in no cell, where gamma = 0).
    if before.get("x_hat_from_output"):
        return channels, kept[5], 1 / kept[4], True, n
    return channels, norm_mean, torch.rsqrt(norm_var + eps), False, n


def _record(X, plan, before, channels, counts, pct, saturated, quantities, n, raw):
    """(record, info, raw) from the reductions of either path; counts: (per channel or None, all)."""
    channel_hist, hist = counts
    rec = {"channels": channels, "hist": hist, "pct": pct}
    # A NaN or Inf anywhere in the batch shows in its channel's batch_mean/batch_var (all values).
    if saturated is not None:
        rec["saturated"] = saturated  # share of |y| beyond the activation's saturation threshold
    info = {"n": n, "values_total": X.numel(), "values_used": plan.used, "pct_values": plan.used,
            "batch_stats": before["batch_stats"], "updated": before["updated"], "quantities": quantities}
    if raw is not None:
        raw["channel_hist"] = channel_hist
    return rec, info, raw


def _from_input(X, y, raw_y, kept, before, ranges, options, activation, eps, plan, values=None):
    """The rest of summarise on the tensor path (CUDA, other dtypes): what needs only X and the
    copies made before. `values`: the (quantities, used) stack with x and y already in rows 0 and 2
    (None: made here, x and y copied in)."""
    C = X.shape[1]
    channels, shift, scale, from_output, n = _statistics(X, kept, before, eps)
    source, raw_source = (y, raw_y) if from_output else (None, None)
    # Histograms and percentiles over every value, or the unbiased sample of them, stacked (Q, used)
    Q = 4 if activation is not None else 3
    gathered = values is not None
    if not gathered:
        values = torch.empty((Q, plan.used), dtype=X.dtype, device=X.device)
        values[2].copy_(y)
    x, x_hat = values[0], values[1]
    if plan.positions is None:
        bshape = (1, C) + (1,) * (X.dim() - 2)
        if not gathered:
            x.copy_(X.reshape(-1))
        source = X if source is None else source.view(X.shape)
        torch.mul(source - shift.reshape(bshape), scale.reshape(bshape), out=x_hat.view(X.shape))
    else:
        if not gathered:
            torch.index_select(X.reshape(-1), 0, plan.positions, out=x)
        shift_scale = torch.stack([shift, scale]).index_select(1, plan.channel)  # (2, C) -> (2, used)
        torch.sub(x if source is None else source, shift_scale[0], out=x_hat).mul_(shift_scale[1])
    quantities = activation_and_ranges(values, y, ranges, options, activation)
    pct = quantiles(values[0::2][:2], plan.quantile)  # input and output
    groups = C if options.raw_values else 1  # per channel too, for the newest passes: one counting pass
    counts = histograms(values, cell_constants(plan, [ranges[q] for q in quantities], options.bins, groups, values),
                        options.bins, groups)
    counts = (counts, counts.sum(0)) if groups > 1 else (None, counts)
    saturated = None
    if activation is not None and activation[0] in SATURATION:
        saturated = y.abs().gt_(SATURATION[activation[0]]).mean()  # 1.0 / 0.0 in place
    raw = None
    if raw_y is not None:
        raw_x = plan.per_channel(X)
        raw_x_hat = ((raw_x if raw_source is None else raw_source) - shift[:, None]) * scale[:, None]
        raw = {"x": raw_x, "x_hat": raw_x_hat, "y": raw_y, "position": plan.raw_picks[0]}
    return _record(X, plan, before, channels, counts, pct, saturated, quantities, n, raw)
