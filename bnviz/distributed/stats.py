"""The statistics of BN across replicas, as formulas: pooling the replicas' batch statistics
exactly, and reading back from a layer's input and output what it normalised with.

Pooling (N = sum of the replicas' n_r values per channel):
    mean = sum_r n_r * mean_r / N
    var  = sum_r n_r * (var_r + (mean_r - mean)**2) / N        (biased, as BN normalises)
This is what one BatchNorm over the whole global batch computes, and what nn.SyncBatchNorm
normalises with; it is exact (no approximation), computed here in float64.
"""
import numpy as np
import torch


def pool(means, variances, counts):
    """(mean, biased var, unbiased var, N) of the union of R batches from their own statistics.

    Args:
        means, variances: (R, ..., C) per-replica batch means and BIASED variances.
        counts: (R,) or (R, ...): values per channel each replica averaged over (its n).
    Returns:
        float64 arrays (..., C) and N (..., 1) broadcastable against them.
    """
    means = np.asarray(means, np.float64)
    variances = np.asarray(variances, np.float64)
    n = np.asarray(counts, np.float64).reshape(np.shape(counts) + (1,) * (means.ndim - np.ndim(counts)))
    N = n.sum(axis=0)  # (..., 1)
    mean = (n * means).sum(axis=0) / N
    var = (n * (variances + (means - mean) ** 2)).sum(axis=0) / N
    return mean, var, var * N / np.maximum(N - 1, 1), N


@torch.no_grad()
def normalised_with(X, Y, gamma, beta, eps):
    """(mean, biased var) per channel that a BN layer normalised X with, read back from its output Y.

    In training BN computes y = gamma * (x - mean) / sqrt(var + eps) + beta, so x_hat = (y - beta) /
    gamma is an affine function of x in each channel, with slope 1 / sqrt(var + eps); its least-squares
    fit over the pass gives the slope and the offset, hence mean and var. For a replica of
    nn.SyncBatchNorm these are the global statistics, not its own shard's. A channel with gamma == 0
    carries no trace of them (NaN). Float32 outputs limit this to about 1e-5 relative.
    """
    C = X.shape[1]
    x = X.detach().transpose(0, 1).reshape(C, -1).double()  # (N, C, ...) -> (C, values)
    y = Y.detach().transpose(0, 1).reshape(C, -1).double()
    g = gamma.detach().double().reshape(C, 1) if gamma is not None else torch.ones(C, 1, dtype=torch.float64, device=X.device)
    b = beta.detach().double().reshape(C, 1) if beta is not None else torch.zeros(C, 1, dtype=torch.float64, device=X.device)
    x_hat = (y - b) / g
    x_mean, x_hat_mean = x.mean(dim=1), x_hat.mean(dim=1)
    xc = x - x_mean[:, None]
    slope = (xc * (x_hat - x_hat_mean[:, None])).sum(dim=1) / (xc * xc).sum(dim=1)  # 1 / sqrt(var + eps)
    mean = x_mean - x_hat_mean / slope
    var = slope.pow(-2) - eps
    return mean, var
