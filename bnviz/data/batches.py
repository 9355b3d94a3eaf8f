"""Batches sliced from uint8 tensors held on the training device, in a seeded order per epoch."""
import math

import torch


def to_float(images):
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28) in [0, 1], exactly as torchvision's ToTensor."""
    return images.unsqueeze(1).float().div(255)


def epoch_order(n, seed, epoch):
    """The shuffled indices of epoch `epoch`: a pure function of (seed, epoch), so any epoch replays."""
    gen = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n, generator=gen)


def batches_per_epoch(n, batch_size):
    """The chapter's loader keeps the last partial batch: ceil(n / batch_size)."""
    return math.ceil(n / batch_size)


class BatchOrder:
    """Where an epoch's shuffled order stands; gives the indices of batch b of epoch e."""

    def __init__(self, n, batch_size, seed, device):
        self.n, self.batch_size, self.seed, self.device = n, batch_size, seed, device
        self.per_epoch = batches_per_epoch(n, batch_size)
        self._epoch, self._perm = None, None

    def indices(self, epoch, batch):
        """Indices (on the device) of batch `batch` of epoch `epoch`."""
        if epoch != self._epoch:
            self._perm = epoch_order(self.n, self.seed, epoch).to(self.device)
            self._epoch = epoch
        start = batch * self.batch_size
        return self._perm[start:start + self.batch_size]


def eval_batches(images, labels, batch_size=1024):
    """(X, y) over a whole split in order, for evaluation."""
    for start in range(0, len(labels), batch_size):
        yield to_float(images[start:start + batch_size]), labels[start:start + batch_size]
