"""Moving statistics under other update rules, and precise (recomputed) statistics.

`MovingRules` follows the same training run with several moving-average rules at once: each BN
layer's batch statistics, as the chapter's BatchNorm computes them (mean and biased variance),
feed one moving average per rule. Momentum does not change training (training mode normalises
with batch statistics), so one run answers for every rule.

`precise_statistics` recomputes each layer's statistics with the weights frozen, as
torch.optim.swa_utils.update_bn does: the network runs in training mode over training images and
each layer's batch means and variances are averaged over the batches (biased variance for the
chapter's layer, unbiased for nn.BatchNorm: each in the convention it stores).
"""
from contextlib import contextmanager

import torch
from torch import nn

from ..chapter.batchnorm import BatchNorm

TORCH_BN = nn.modules.batchnorm._BatchNorm


def bn_layers(model):
    """{name: layer} of the chapter's BatchNorm and nn.BatchNorm* layers, in order."""
    return {n: m for n, m in model.named_modules() if isinstance(m, (BatchNorm, TORCH_BN))}


def _buffers(layer):
    if isinstance(layer, BatchNorm):
        return layer.moving_mean, layer.moving_var
    return layer.running_mean, layer.running_var


def batch_stats(X, unbiased=False):
    """Per-channel mean and variance of a BN input: (N, C) or (N, C, H, W) -> two (C,) tensors."""
    dims = [0] + list(range(2, X.dim()))
    return X.mean(dim=dims), X.var(dim=dims, unbiased=unbiased)


class MovingRules:
    """Moving averages of every BN layer's batch statistics under each rule in `rules`:
    {label: momentum in the chapter's convention (weight of the old value), or None for the
    cumulative average (PyTorch's momentum=None: every batch weighs the same)}."""

    def __init__(self, model, rules):
        self.layers, self.rules = bn_layers(model), dict(rules)
        self.stats = {r: {n: [torch.zeros_like(_buffers(m)[0]), torch.ones_like(_buffers(m)[1])]
                          for n, m in self.layers.items()} for r in self.rules}
        self.count = {n: 0 for n in self.layers}
        self.handles = [m.register_forward_pre_hook(self._hook(n)) for n, m in self.layers.items()]

    def _hook(self, name):
        def hook(module, args):
            if not (module.uses_batch_stats() if isinstance(module, BatchNorm) else module.training):
                return
            with torch.no_grad():
                mean, var = batch_stats(args[0].detach())
                shape = _buffers(module)[0].shape
                self.count[name] += 1
                for rule, m in self.rules.items():
                    s = self.stats[rule][name]
                    w = 1 - 1 / self.count[name] if m is None else m  # cumulative: the k-th batch weighs 1/k
                    s[0].mul_(w).add_((1 - w) * mean.reshape(shape))
                    s[1].mul_(w).add_((1 - w) * var.reshape(shape))
        return hook

    def remove(self):
        for h in self.handles:
            h.remove()
        self.handles = []

    @contextmanager
    def installed(self, rule):
        """Within the block the model's BN layers hold this rule's statistics."""
        with installed(self.layers, {n: tuple(s) for n, s in self.stats[rule].items()}):
            yield


@contextmanager
def installed(layers, stats):
    """Within the block each layer in {name: layer} holds stats[name] = (mean, var) as its moving
    statistics; the layer's own come back afterwards."""
    saved = {n: tuple(b.clone() for b in _buffers(m)) for n, m in layers.items()}
    try:
        with torch.no_grad():
            for n, m in layers.items():
                for buf, value in zip(_buffers(m), stats[n]):
                    buf.copy_(value.reshape(buf.shape))
        yield
    finally:
        with torch.no_grad():
            for n, m in layers.items():
                for buf, value in zip(_buffers(m), saved[n]):
                    buf.copy_(value)


@torch.no_grad()
def precise_statistics(model, images, batch_size=256):
    """{name: (mean, var)} per BN layer over `images` (uint8, (N, 28, 28)), weights frozen; the
    model's buffers and mode are left as they were."""
    layers = bn_layers(model)
    sums = {n: None for n in layers}
    batches = [0]

    def hook(name, unbiased):
        def fn(module, args):
            mean, var = batch_stats(args[0].detach(), unbiased)
            sums[name] = (mean, var) if sums[name] is None else (sums[name][0] + mean, sums[name][1] + var)
        return fn

    handles = [m.register_forward_pre_hook(hook(n, not isinstance(m, BatchNorm))) for n, m in layers.items()]
    saved = {n: tuple(b.clone() for b in _buffers(m)) for n, m in layers.items()}
    rules = {n: m.mode_rule for n, m in layers.items() if isinstance(m, BatchNorm)}
    was = model.training
    try:
        for n in rules:
            layers[n].mode_rule = "training"  # batch statistics under no_grad too
        model.train()
        for start in range(0, len(images), batch_size):
            model(images[start:start + batch_size].unsqueeze(1).float().div(255))
            batches[0] += 1
    finally:
        for h in handles:
            h.remove()
        for n, m in layers.items():
            for buf, value in zip(_buffers(m), saved[n]):
                buf.copy_(value)
        for n, rule in rules.items():
            layers[n].mode_rule = rule
        model.train(was)
    return {n: (s[0] / batches[0], s[1] / batches[0]) for n, s in sums.items()}
