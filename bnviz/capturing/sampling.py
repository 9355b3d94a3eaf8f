"""Which values of a BN pass the histograms, percentiles and raw values look at: drawn once per shape.

A pass with more than `sample` values is summarised from an unbiased sample of them (exact
histograms of a (256, 6, 24, 24) activation cost more than the training step itself on a CPU),
the percentiles from the same values. The draw is a jittered stratified sample (stratified()),
seeded by the shape: made once, then reused every step (no random numbers per
step, so CUDA-graph replays and eager steps see the same positions; the batches change every
step, so the sampled images do too). tests/test_claims.py checks them against every value of real
images.
"""
import math
import zlib
from dataclasses import dataclass, field
from typing import Optional

import torch

def stratified(total, k, key):
    """k of `total` positions, one drawn uniformly inside each of k equal strata (CPU, int64).

    Position i is floor((i + u_i) * total / k), u_i ~ U[0, 1): every position has the same chance,
    k / total, whatever the layout (an evenly strided sample aliases with H*W and W: it saw only a
    few image columns), and the strata cover every image and channel in proportion. Seeded by `key`:
    the same draw in every process and on every device.
    """
    g = torch.Generator()
    g.manual_seed(zlib.crc32(repr(key).encode()))
    u = torch.rand(k, generator=g, dtype=torch.float64)
    return ((torch.arange(k, dtype=torch.float64) + u) * (total / k)).long().clamp_(max=total - 1)


def channel_of(positions, shape):
    """The channel (dim 1) of each flat position of an (N, C, ...) tensor."""
    return (positions // math.prod(shape[2:])) % shape[1]


def sample_positions(shape, sample, device):
    """(flat positions, their channels) of an unbiased sample of `sample` values of a tensor of
    `shape`, or (None, None) when it has no more values than that (then all are used)."""
    total = math.prod(shape)
    if sample is None or total <= sample:
        return None, None
    positions = stratified(total, sample, ("positions", tuple(shape), sample))
    return positions.to(device), channel_of(positions, shape).to(device)


@dataclass
class Plan:
    """What one layer's summaries need that depends only on its input's shape and the capture's
    options: made on the first pass of each shape (Plan.make), then reused every step, so a step
    makes no new constant tensor (and a recorded CUDA graph reads tensors that stay alive).
    """
    shape: tuple
    positions: Optional[torch.Tensor]  # (used,) flat positions of the sample; None: every value
    channel: Optional[torch.Tensor]  # (used,) their channels; None when not needed
    used: int  # values per quantity in the histograms and percentiles
    raw_picks: Optional[tuple] = None  # raw values: (index along a channel, image, position in it)
    raw_flat: Optional[torch.Tensor] = None  # (C * k,) their flat positions, channel by channel
    cells: dict = field(default_factory=dict)  # (ranges, bins) -> histogram constants (counting.py)
    quantile: dict = field(default_factory=dict)  # values -> order-statistic constants (counting.py)

    @classmethod
    def make(cls, shape, device, sample, raw_values):
        """The plan for an (N, C, ...) input of `shape` under CaptureOptions' sample/raw_values."""
        shape = tuple(shape)
        total, C = math.prod(shape), shape[1]
        positions, channel = sample_positions(shape, sample, device)
        if positions is None and raw_values:  # per-channel histograms need every value's channel
            channel = channel_of(torch.arange(total, device=device), shape)
        used = total if positions is None else len(positions)
        raw_picks = raw_flat = None
        if raw_values:  # k positions spread evenly along each channel's N * inner values
            N, inner = shape[0], total // (C * shape[0])
            pick = torch.linspace(0, N * inner - 1, min(raw_values, N * inner), device=device).long()
            raw_picks = (pick, pick // inner, pick % inner)
            channels = torch.arange(C, device=device)[:, None]  # (C, 1) x (k,) -> (C, k) flat positions
            raw_flat = ((raw_picks[1] * C + channels) * inner + raw_picks[2]).reshape(-1)
        return cls(shape, positions, channel, used, raw_picks, raw_flat)

    def per_channel(self, T):
        """(C, k): the plan's raw values of T, k real values per channel spread over the batch,
        gathered by index without copying the activation into per-channel order."""
        return T.reshape(-1).index_select(0, self.raw_flat).view(T.shape[1], -1)
