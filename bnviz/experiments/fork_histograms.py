"""What the original and the fork do at each BN layer position after a fork: the distributions of the
input (what the layer normalises) and the output of the module there, on one batch, in shared bins.

Both trained copies (ForkResult.models) see the same batch: the original's batch of the step after
the fork's last one (the stream's next batch). Where the fork replaced BN (GroupNorm, LayerNorm,
nothing, frozen statistics), the module at that position is the replacing one; for "nothing" it is
an nn.Identity, whose input and output are the same values. Every value is counted (no sample).
The forward pass is a training one (train() with gradients on, as in a step: BN normalises with the
batch's statistics), run on throwaway copies, so the copies' moving statistics do not move.
"""
from dataclasses import dataclass

import torch

from ..data.batches import to_float
from .fork import _batches, bare_copy
from .recompute import bn_layers

BINS = 60  # per histogram; the original's and the fork's share them
QUANTITIES = ("input", "output")
WHO = ("original", "fork")


@dataclass
class PositionHistograms:
    """One BN layer position: what the original's and the fork's modules there got and gave."""
    layer: str  # the original's BN layer name in named_modules(), e.g. "1" for net[1]
    modules: dict  # {"original": class name, "fork": class name} of the module at that position
    edges: dict  # {quantity: (BINS + 1,) float64 bin edges shared by the original and the fork}
    shares: dict  # {quantity: {who: (BINS,) share of all of that tensor's values in each bin}}
    nonfinite: dict  # {quantity: {who: share of NaN/inf values, which are in no bin}}
    values: dict  # {quantity: {who: how many values were counted}}


@dataclass
class ForkHistograms:
    """Every BN layer position's histograms after a fork, on one batch."""
    step: int  # the batch is the original's batch of this global step (the one after the fork's last)
    images: int  # images in that batch
    layers: dict  # {layer: PositionHistograms}, in the original's layer order


def next_batch(stepper, result):
    """(global step, index tensor) of the original's batch after the fork's last step."""
    last = result.steps[-1] if result.steps else result.start_step
    return last + 1, next(_batches(stepper, last))


def activations(model, layers, X):
    """{layer: (input, output)} of the modules named `layers` on a training forward pass of `X`,
    made by a copy of `model` (the model itself, its moving statistics included, is untouched)."""
    net = bare_copy(model).train()
    seen = {}
    handles = [net.get_submodule(name).register_forward_hook(
        lambda module, args, output, name=name: seen.__setitem__(name, (args[0].detach(), output.detach())))
        for name in layers]
    try:
        with torch.enable_grad():  # the chapter's BN chooses batch statistics by is_grad_enabled()
            net(X)
    finally:
        for handle in handles:
            handle.remove()
    return seen


def shared_histograms(tensors, bins=BINS):
    """(edges, shares, nonfinite) of every value of each tensor in `tensors` ({who: tensor}), in
    `bins` equal bins from the smallest to the largest finite value of them all."""
    flat = {who: x.detach().flatten().double().cpu() for who, x in tensors.items()}
    finite = {who: x[torch.isfinite(x)] for who, x in flat.items()}
    pooled = torch.cat(list(finite.values()))
    lo, hi = (pooled.min().item(), pooled.max().item()) if len(pooled) else (0.0, 1.0)
    if hi <= lo:  # one value everywhere: a bin around it
        lo, hi = lo - 0.5, hi + 0.5
    edges = torch.linspace(lo, hi, bins + 1, dtype=torch.float64)
    shares, nonfinite = {}, {}
    for who, x in flat.items():
        counts = torch.histogram(finite[who], bins=edges).hist if len(finite[who]) else torch.zeros(bins)
        shares[who] = (counts / max(len(x), 1)).numpy()
        nonfinite[who] = (len(x) - len(finite[who])) / max(len(x), 1)
    return edges.numpy(), shares, nonfinite


def fork_histograms(stepper, result, bins=BINS):
    """The histograms of a fork's trained copies at every BN layer position of the original.

    Args:
        stepper: the Stepper the fork branched off (its data and batch order give the batch).
        result: a ForkResult with its models.
        bins: bins per histogram.
    Returns:
        A ForkHistograms.
    """
    original, forked = result.models["original"], result.models["fork"]
    layers = list(bn_layers(original))
    step, idx = next_batch(stepper, result)
    X = to_float(stepper.data.train_images[idx])  # (B, 1, 28, 28)
    seen = {"original": activations(original, layers, X), "fork": activations(forked, layers, X)}
    out = {}
    for layer in layers:
        edges, shares, nonfinite, values = {}, {}, {}, {}
        for q, quantity in enumerate(QUANTITIES):
            tensors = {who: seen[who][layer][q] for who in WHO}
            edges[quantity], shares[quantity], nonfinite[quantity] = shared_histograms(tensors, bins)
            values[quantity] = {who: tensors[who].numel() for who in WHO}
        modules = {"original": type(original.get_submodule(layer)).__name__,
                   "fork": type(forked.get_submodule(layer)).__name__}
        out[layer] = PositionHistograms(layer, modules, edges, shares, nonfinite, values)
    return ForkHistograms(step, len(idx), out)

