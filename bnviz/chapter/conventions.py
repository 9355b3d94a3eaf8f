"""The one place where the chapter's conventions are converted to PyTorch's and back.

Momentum: the chapter writes `moving = momentum * moving + (1 - momentum) * batch` (0.9 weights the
old value); PyTorch writes `running = (1 - momentum) * running + momentum * batch` (0.1 weights the
new value). Same numbers, opposite convention.

Variance: both normalise with the biased variance (divide by n, the values per channel: N*H*W
after a convolution, N after a linear layer). The chapter *stores* that biased variance in
`moving_var`; PyTorch stores the unbiased one (divide by n - 1) in `running_var`. Each update adds
(1 - chapter momentum) times the batch variance, so after k steps from the shared start of 1:
running_var = m**k + n / (n - 1) * (moving_var - m**k), with m the chapter's momentum — exact only
while every batch had the same n (an epoch's smaller last batch breaks it: then use
running_var_from_batches, exact for any sequence of n). The normalised outputs in training are
the same.
"""


def chapter_to_torch_momentum(momentum):
    """Chapter momentum (weight of the old value, 0.9) -> PyTorch's (weight of the new value, 0.1)."""
    return 1.0 - momentum


def torch_to_chapter_momentum(momentum):
    """PyTorch momentum (0.1) -> the chapter's (0.9)."""
    return 1.0 - momentum


def elements_per_channel(shape):
    """n: how many values one channel's statistics are taken over, for an (N, C[, H, W]) shape."""
    n = shape[0]
    for size in shape[2:]:
        n *= size
    return n


def unbiased_from_biased(var, n):
    """Biased variance (divide by n) -> unbiased (divide by n - 1)."""
    if n < 2:
        raise ValueError(f"the unbiased variance needs at least 2 values per channel, got n={n}")
    return var * n / (n - 1)


def biased_from_unbiased(var, n):
    """Unbiased variance (divide by n - 1) -> biased (divide by n)."""
    return var * (n - 1) / n


def running_var_from_moving_var(moving_var, n, m, k):
    """PyTorch's running_var from the chapter's moving_var after k updates, every batch of n values."""
    start = m ** k
    return start + n / (n - 1) * (moving_var - start)


def running_var_from_batches(batch_vars, ns, m, start=1.0):
    """PyTorch's running_var after updates with these biased batch variances and their n, exact for
    any n per batch (m: the chapter's momentum)."""
    running = start
    for var, n in zip(batch_vars, ns):
        running = m * running + (1 - m) * unbiased_from_biased(var, n)
    return running
