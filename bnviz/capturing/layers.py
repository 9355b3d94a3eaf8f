"""Find the BatchNorm layers of any model, and read their statistics in the chapter's words."""
from torch import nn

from ..chapter.batchnorm import BatchNorm

TORCH_BN = nn.modules.batchnorm._BatchNorm  # BatchNorm1d/2d/3d, SyncBatchNorm and subclasses


def is_bn(module):
    """True for the chapter's BatchNorm and for every nn.BatchNorm* (SyncBatchNorm included)."""
    return isinstance(module, (BatchNorm, TORCH_BN))


def find_bn_layers(model, names=None):
    """{name: module} of the BN layers of `model`, keyed by named_modules() names, in order.

    Raises a ValueError for a model with no BN layer, or for a name that is not a BN layer.
    """
    found = {name: m for name, m in model.named_modules() if is_bn(m)}
    if names is None:
        if not found:
            raise ValueError(f"{type(model).__name__} has no BatchNorm layer to capture "
                             "(looked for bnviz.BatchNorm and nn.BatchNorm1d/2d/3d)")
        return found
    names = [names] if isinstance(names, str) else list(names)
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ValueError(f"not BatchNorm layers of this model: {', '.join(map(repr, unknown))}; "
                         f"its BN layers are: {', '.join(map(repr, found)) or 'none'}")
    return {n: found[n] for n in names}


def layer_params(module):
    """(gamma, beta, moving_mean, moving_var, eps) of a BN layer; None where a layer lacks one.

    For nn.BatchNorm*, gamma/beta are `weight`/`bias` and the moving statistics are PyTorch's
    `running_mean`/`running_var` (the stored variance is the unbiased one, see conventions.py).
    """
    if isinstance(module, BatchNorm):
        return module.gamma, module.beta, module.moving_mean, module.moving_var, module.eps
    return module.weight, module.bias, module.running_mean, module.running_var, module.eps


def uses_batch_stats(module):
    """Whether the layer's next forward pass normalises with batch statistics."""
    if isinstance(module, BatchNorm):
        return module.uses_batch_stats()
    return module.training or module.running_mean is None


def updates_moving_stats(module):
    """Whether the layer's next forward pass changes its moving (running) statistics."""
    if isinstance(module, BatchNorm):
        return module.uses_batch_stats()
    return module.training and module.track_running_stats and module.running_mean is not None


def normalises_with_own_batch(module):
    """False for nn.SyncBatchNorm: in training it normalises with the statistics of the whole global
    batch, over every replica, not with those of the input this process sees."""
    return not isinstance(module, nn.SyncBatchNorm)


def layer_facts(module):
    """What a reader of a recording needs to know about a BN layer, as plain JSON values."""
    torch_layer = not isinstance(module, BatchNorm)
    m = module.momentum
    return {"kind": type(module).__name__, "channels": int(module.num_features), "eps": float(module.eps),
            # the chapter's convention (weight of the old value); None: PyTorch's cumulative average
            "momentum": None if m is None else float(1 - m if torch_layer else m),
            "torch_layer": torch_layer}
