"""The chapter's LeNet with Batch Normalization, in three variants."""
from torch import nn

from .batchnorm import BatchNorm
from .conventions import chapter_to_torch_momentum

NORMS = ("custom", "torch", "none")  # the chapter's BatchNorm | nn.BatchNorm2d/1d | no BN


def _bn(norm, num_features, num_dims, eps, momentum):
    """One BN layer of the requested kind, or None for norm="none"."""
    if norm == "custom":
        return BatchNorm(num_features, num_dims=num_dims, eps=eps, momentum=momentum)
    if norm == "torch":
        cls = nn.BatchNorm2d if num_dims == 4 else nn.BatchNorm1d
        return cls(num_features, eps=eps, momentum=chapter_to_torch_momentum(momentum))
    return None


def lenet(norm="custom", eps=1e-5, momentum=0.9):
    """The chapter's LeNet: Conv-BN-Sigmoid-AvgPool twice, Flatten, Linear-BN-Sigmoid twice, Linear.

    Args:
        norm: "custom" (the chapter's BatchNorm), "torch" (nn.BatchNorm2d/1d) or "none".
        eps: BN's eps.
        momentum: in the chapter's convention (0.9); converted for nn.BatchNorm.
    Returns:
        An nn.Sequential with the chapter's indices (net[1] is the first BN layer), initialised
        as the chapter's training function does.
    """
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")

    def block(*layers):
        return [layer for layer in layers if layer is not None]

    net = nn.Sequential(*block(
        nn.Conv2d(1, 6, kernel_size=5), _bn(norm, 6, 4, eps, momentum), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), _bn(norm, 16, 4, eps, momentum), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120), _bn(norm, 120, 2, eps, momentum), nn.Sigmoid(),
        nn.Linear(120, 84), _bn(norm, 84, 2, eps, momentum), nn.Sigmoid(),
        nn.Linear(84, 10)))
    init_weights(net)
    return net


def init_weights(net):
    """The chapter's training function's init: Xavier-uniform on every Conv2d and Linear weight."""
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(module.weight)
    # BN layers start at gamma = 1, beta = 0 (their own defaults).
    return net
