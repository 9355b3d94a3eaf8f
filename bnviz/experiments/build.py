"""The chapter's LeNet in the variants the cards compare, all starting from the same weights.

Every variant keeps the chapter's layer indices (net[1] is the norm after the first convolution;
a slot without a norm holds nn.Identity), and every conv/linear weight and bias it shares with
the chapter's LeNet starts equal to `bnviz.lenet("custom")` built with the same seed, so variants
differ only in what the card changes.
"""
from dataclasses import dataclass

import torch
from torch import nn

from ..chapter.batchnorm import BatchNorm
from ..chapter.models import lenet

from .norms import GhostBatchNorm, NoisyBatchNorm, group_norm, layer_norm

NORM_KINDS = ("bn", "torch", "ghost", "noisy", "group", "layer", "none")
SLOTS = ("conv 1", "conv 2", "linear 1", "linear 2")  # where a norm can sit, in order
NORM_INDEX = (1, 5, 10, 13)  # their indices in the chapter's nn.Sequential
PRE_INDEX = (0, 4, 9, 12)  # the conv/linear layer before each


@dataclass(frozen=True)
class LeNetSpec:
    """Which LeNet to build; the defaults are the chapter's."""
    norm: str = "bn"  # bn (chapter's BatchNorm) | torch (nn.BatchNorm) | ghost | noisy | group | layer | none
    where: tuple = (True, True, True, True)  # which SLOTS hold the norm (the others: nn.Identity)
    bias: bool = True  # bias on the conv/linear layer before each norm (False: exercise 1)
    dropout: float = 0.0  # dropout after the two hidden linear layers' sigmoids (exercise 4)
    fixed_affine: bool = False  # gamma = 1 and beta = 0, frozen (exercise 5)
    ghost: int = 256  # examples per normalisation batch, norm="ghost"
    noise: float = 1.0  # noise scale, norm="noisy"
    momentum: float = 0.9  # chapter's convention
    eps: float = 1e-5


def _norm(spec, num_features, num_dims, seed):
    if spec.norm == "bn":
        return BatchNorm(num_features, num_dims, eps=spec.eps, momentum=spec.momentum)
    if spec.norm == "torch":
        cls = nn.BatchNorm2d if num_dims == 4 else nn.BatchNorm1d
        return cls(num_features, eps=spec.eps, momentum=1 - spec.momentum)
    if spec.norm == "ghost":
        return GhostBatchNorm(num_features, num_dims, spec.ghost, eps=spec.eps, momentum=spec.momentum)
    if spec.norm == "noisy":
        return NoisyBatchNorm(num_features, num_dims, spec.noise, seed=seed * 131 + num_features,
                              eps=spec.eps, momentum=spec.momentum)
    if spec.norm == "group":  # groups of channels after a convolution; after a linear layer a group
        # of 4 scalar features says little, so there all features form one group (as LayerNorm)
        return group_norm(num_features) if num_dims == 4 else layer_norm(num_features)
    if spec.norm == "layer":
        return layer_norm(num_features)
    raise ValueError(f"norm must be one of {NORM_KINDS}, got {spec.norm!r}")


def build_lenet(spec=LeNetSpec(), seed=0):
    """The LeNet `spec` describes, its shared weights equal to the chapter's LeNet for `seed`."""
    if spec.norm not in NORM_KINDS:
        raise ValueError(f"norm must be one of {NORM_KINDS}, got {spec.norm!r}")
    with torch.random.fork_rng(devices=[]):  # the same draws as bnviz.Stepper's own model
        torch.manual_seed(seed)
        reference = lenet("custom")
    use = [spec.norm != "none" and w for w in spec.where]
    bias = [spec.bias or not u for u in use]  # only the layer *before a norm* loses its bias
    widths = ((6, 4), (16, 4), (120, 2), (84, 2))
    norms = [_norm(spec, c, d, seed) if u else nn.Identity() for (c, d), u in zip(widths, use)]
    hidden = [nn.Sigmoid() if spec.dropout == 0 else nn.Sequential(nn.Sigmoid(), nn.Dropout(spec.dropout))
              for _ in range(2)]
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, bias=bias[0]), norms[0], nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5, bias=bias[1]), norms[1], nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120, bias=bias[2]), norms[2], hidden[0],
        nn.Linear(120, 84, bias=bias[3]), norms[3], hidden[1],
        nn.Linear(84, 10))
    with torch.no_grad():
        for i in PRE_INDEX + (15,):
            net[i].weight.copy_(reference[i].weight)
            if net[i].bias is not None:
                net[i].bias.copy_(reference[i].bias)
    if spec.fixed_affine:
        for gamma, beta in affine_params(net):
            gamma.requires_grad_(False)
            beta.requires_grad_(False)
    return net


def affine_params(net):
    """(gamma, beta) of each norm layer of `net`, in order (nn layers call them weight and bias)."""
    out = []
    for module in net.modules():
        if isinstance(module, BatchNorm):
            out.append((module.gamma, module.beta))
        elif isinstance(module, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm)) and module.affine:
            out.append((module.weight, module.bias))
    return out


def norm_layers(net):
    """{slot name: norm module} for the slots that hold a norm."""
    return {name: net[i] for name, i in zip(SLOTS, NORM_INDEX) if not isinstance(net[i], nn.Identity)}


def count_parameters(net, trainable_only=False):
    """Number of parameters (only those with requires_grad when `trainable_only`)."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad or not trainable_only)
