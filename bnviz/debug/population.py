"""Population statistics: each BN layer's input mean and variance over the whole training set,
with the current weights frozen, and what its moving statistics estimate.

A moving statistic is an average of *batch* statistics, so its like-for-like target is the average
over the training set's batches of the batch mean and of the batch variance in the layer's own
convention: biased for the chapter's BatchNorm (it stores the biased one), unbiased for
nn.BatchNorm (its running_var; this is what torch.optim.swa_utils.update_bn computes). Every
panel, the precise statistics and recordings use this one definition (`target_mean`,
`target_var`). The variance over every value of the training set (`var`) is larger than the
average biased batch variance by the variance between batch means.

The network runs forward in training mode on the training set in order (each BN layer normalises
with its batch statistics, as in training), and per-channel sums and sums of squares of every BN
layer's input are accumulated in float64. Nothing in the model changes: the BN buffers are saved
and restored, and no gradient is computed.
"""
from dataclasses import dataclass

import torch

from ..capturing.layers import find_bn_layers
from ..chapter.batchnorm import BatchNorm
from ..data.batches import eval_batches


@dataclass
class Population:
    """Per-layer population statistics of BN inputs (numpy, one value per channel)."""
    mean: dict  # layer -> (C,) mean over every input value of the training set
    var: dict  # layer -> (C,) biased variance over every input value of the training set
    mean_of_batch_var: dict  # layer -> (C,) average of the (biased) batch variances
    mean_of_batch_mean: dict  # layer -> (C,) average over batches of the batch means
    mean_of_batch_var_unbiased: dict  # layer -> (C,) average of the unbiased batch variances
    target_mean: dict  # layer -> (C,) what its moving mean estimates: the average batch mean
    target_var: dict  # layer -> (C,) what its moving variance estimates, in the layer's convention
    step: int  # the training step whose weights were used
    images: int  # training images used


class _Sums:
    """Per-channel float64 sums of one layer's inputs over many batches."""

    def __init__(self):
        self.sum = self.sumsq = self.batch_var = self.batch_mean = self.batch_var_unbiased = None
        self.count, self.batches = 0, 0

    def __call__(self, module, args):
        X = args[0].detach().double()
        dims = [0] + list(range(2, X.dim()))
        n = X.numel() // X.shape[1]  # values per channel in this batch
        s, sq = X.sum(dim=dims), (X * X).sum(dim=dims)
        bv = X.var(dim=dims, unbiased=False)
        parts = (s, sq, bv, s / n, bv * n / max(n - 1, 1))
        if self.sum is None:
            self.sum, self.sumsq, self.batch_var, self.batch_mean, self.batch_var_unbiased = parts
        else:
            self.sum, self.sumsq, self.batch_var, self.batch_mean, self.batch_var_unbiased = (
                a + b for a, b in zip((self.sum, self.sumsq, self.batch_var, self.batch_mean,
                                       self.batch_var_unbiased), parts))
        self.count += n
        self.batches += 1


def population_stats(model, images, step=0, batch_size=256):
    """Population statistics of every BN layer's input over `images` (uint8, on the model's device).

    Returns a Population; the model (weights, moving statistics, mode) is left as it was.
    """
    passes = population_passes(model, images, step, batch_size)
    while True:
        try:
            next(passes)
        except StopIteration as done:
            return done.value


@torch.no_grad()
def population_passes(model, images, step=0, batch_size=256):
    """The same, as a generator that yields after each batch (the app spreads it over its ticks,
    so the page keeps refreshing); its return value is the Population. Nothing may train the
    model until it is finished or closed (closing restores the model)."""
    layers = find_bn_layers(model)
    sums = {n: _Sums() for n in layers}
    state = {n: {k: v.clone() for k, v in m.state_dict().items()} for n, m in layers.items()}
    rules = {n: m.mode_rule for n, m in layers.items() if isinstance(m, BatchNorm)}
    was_training = model.training
    handles = [m.register_forward_pre_hook(sums[n]) for n, m in layers.items()]
    try:
        for n in rules:
            layers[n].mode_rule = "training"  # batch statistics even under no_grad, as in training
        model.train()
        for X, _ in eval_batches(images, torch.zeros(len(images)), batch_size):
            model(X)
            yield
    finally:
        for h in handles:
            h.remove()
        for n, m in layers.items():
            m.load_state_dict(state[n])
        for n, rule in rules.items():
            layers[n].mode_rule = rule
        model.train(was_training)
    mean, var, mbv, mbm, mbvu = {}, {}, {}, {}, {}
    for n, acc in sums.items():
        m = acc.sum / acc.count
        mean[n] = m.cpu().numpy()
        var[n] = (acc.sumsq / acc.count - m * m).clamp_min(0).cpu().numpy()
        mbv[n] = (acc.batch_var / acc.batches).cpu().numpy()
        mbm[n] = (acc.batch_mean / acc.batches).cpu().numpy()
        mbvu[n] = (acc.batch_var_unbiased / acc.batches).cpu().numpy()
    target_var = {n: mbv[n] if isinstance(layers[n], BatchNorm) else mbvu[n] for n in layers}
    return Population(mean, var, mbv, mbm, mbvu, dict(mbm), target_var, step, len(images))
