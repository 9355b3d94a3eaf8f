"""Normalisation layers the cards swap in for the chapter's BatchNorm: ghost batches, noisy BN,
GroupNorm/LayerNorm, and a wrapper that freezes a BN layer's statistics."""
import math

import torch
import torch.nn.functional as F
from torch import nn

from ..chapter.batchnorm import BatchNorm, batch_norm

CHANNELS_PER_GROUP = 4  # GroupNorm: groups of (about) 4 channels; Wu & He use 32 groups on ResNets


class GhostBatchNorm(BatchNorm):
    """The chapter's BatchNorm, normalising each slice of `ghost` consecutive examples with that
    slice's own statistics (a normalisation batch smaller than the gradient batch, as on a GPU
    holding `ghost` images); the last slice holds what is left when the batch does not divide.

    The moving statistics are updated once per batch, with the average over the slices of their
    (biased) means and variances: the statistics each slice actually normalised with.
    """

    def __init__(self, num_features, num_dims, ghost, eps=1e-5, momentum=0.9):
        super().__init__(num_features, num_dims, eps=eps, momentum=momentum)
        if ghost < 1:
            raise ValueError(f"ghost batch must be at least 1 image, got {ghost}")
        self.ghost = ghost

    def forward(self, X):
        if not self.uses_batch_stats():
            return super().forward(X)
        parts, means, variances = [], [], []
        full = X.shape[0] // self.ghost * self.ghost
        for chunk, size in ((X[:full], self.ghost), (X[full:], X.shape[0] - full)):
            if size == 0 or chunk.shape[0] == 0:
                continue
            G = chunk.reshape(chunk.shape[0] // size, size, *chunk.shape[1:])  # (S, g, C[, H, W])
            dims = (1,) if X.dim() == 2 else (1, 3, 4)
            mean = G.mean(dim=dims, keepdim=True)  # (S, 1, C[, 1, 1])
            var = ((G - mean) ** 2).mean(dim=dims, keepdim=True)  # biased, per slice
            parts.append(((G - mean) / torch.sqrt(var + self.eps)).reshape(chunk.shape))
            means.append(mean.reshape(-1, *self.gamma.shape[1:]))
            variances.append(var.reshape(-1, *self.gamma.shape[1:]))
        X_hat = torch.cat(parts)
        with torch.no_grad():
            m = self.momentum
            self.moving_mean.mul_(m).add_((1 - m) * torch.cat(means).mean(dim=0, keepdim=True))
            self.moving_var.mul_(m).add_((1 - m) * torch.cat(variances).mean(dim=0, keepdim=True))
        return self.gamma * X_hat + self.beta

    def extra_repr(self):
        return super().extra_repr() + f", ghost={self.ghost}"


class NoisyBatchNorm(BatchNorm):
    """The chapter's BatchNorm followed, in training, by noise whose distribution changes every
    step (Santurkar et al. 2018, 'noisy BN'): each example and channel is scaled by a factor drawn
    from U(1, s_t) and shifted by N(m_t, v_t), with s_t, m_t, v_t drawn anew each forward pass
    (s_t in [1, 1 + 2k], m_t in [-k/2, k/2], v_t in [0, k], k = `noise`).

    Our version of their recipe (they give the idea, not one formula): `noise` sets the scale of
    s_t, m_t and v_t. The noise has its own seeded generator, so it never touches the global RNG.
    """

    def __init__(self, num_features, num_dims, noise=1.0, seed=0, eps=1e-5, momentum=0.9):
        super().__init__(num_features, num_dims, eps=eps, momentum=momentum)
        self.noise = noise
        self.generator = torch.Generator().manual_seed(seed)

    def forward(self, X):
        Y = super().forward(X)
        if not self.uses_batch_stats() or self.noise == 0:
            return Y
        g, k = self.generator, self.noise
        u = torch.rand(3, generator=g)  # this step's noise distribution:
        s_t = 1 + 2 * k * u[0]  # scales up to s_t
        m_t = k * (u[1] - 0.5)  # shifts with mean m_t
        v_t = k * u[2]  # and variance v_t
        shape = (X.shape[0], X.shape[1]) + (1,) * (X.dim() - 2)  # one draw per example and channel
        scale = 1 + (s_t - 1) * torch.rand(shape, generator=g)
        shift = m_t + v_t.sqrt() * torch.randn(shape, generator=g)
        return Y * scale.to(Y.device) + shift.to(Y.device)


def group_norm(num_features, groups=None):
    """nn.GroupNorm with groups of about CHANNELS_PER_GROUP channels (1 group: LayerNorm over C, H, W)."""
    if groups is None:
        groups = max(1, math.ceil(num_features / CHANNELS_PER_GROUP))  # 6 channels: 2 groups of 3
        while num_features % groups:
            groups -= 1
    return nn.GroupNorm(groups, num_features)


def layer_norm(num_features):
    """LayerNorm in Wu & He's sense: every channel (and position) of one example, per-channel γ, β."""
    return nn.GroupNorm(1, num_features)


class FrozenStats(nn.Module):
    """Wraps a BN layer so that it always normalises with its moving statistics, which stay fixed
    (as detection models fine-tune with 'frozen BN'); γ and β still learn."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, X):
        layer = self.layer
        if isinstance(layer, BatchNorm):
            Y, _, _ = batch_norm(X, layer.gamma, layer.beta, layer.moving_mean, layer.moving_var,
                                 eps=layer.eps, momentum=layer.momentum, training=False)
            return Y
        return F.batch_norm(X, layer.running_mean, layer.running_var, layer.weight, layer.bias,
                            training=False, eps=layer.eps)
