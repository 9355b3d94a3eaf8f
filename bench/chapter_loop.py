"""The chapter's input pipeline and training loop (d2l's train_ch6), for side-by-side benchmarks."""
import gzip
import tempfile
import time
from pathlib import Path

import torch
import torchvision
from torch import nn
from torch.utils import data as tud
from torchvision import transforms

from bnviz.data.fashion_mnist import DEBIAN_DIR, FILES, SUBSET_DIR


def torchvision_root(source_dir=None):
    """A temporary torchvision root with the decompressed IDX files (Debian's, else the subset)."""
    src = Path(source_dir or (DEBIAN_DIR if DEBIAN_DIR.is_dir() else SUBSET_DIR))
    root = Path(tempfile.mkdtemp(prefix="bnviz-tv-"))
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for names in FILES.values():
        for name in names:
            (raw / name).write_bytes(gzip.decompress((src / f"{name}.gz").read_bytes()))
    return root


def chapter_iter(root, batch_size, workers=4):
    """d2l's load_data_fashion_mnist: ToTensor only, shuffle on, 4 workers."""
    train = torchvision.datasets.FashionMNIST(root=str(root), train=True, transform=transforms.ToTensor(),
                                              download=False)
    return tud.DataLoader(train, batch_size, shuffle=True, num_workers=workers)


def chapter_train_epoch(net, train_iter, lr, device, max_batches=None):
    """One epoch of d2l's train_ch6 loop; returns (examples, seconds of training)."""
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    net.train()
    examples, start = 0, time.perf_counter()
    for i, (X, y) in enumerate(train_iter):
        if max_batches is not None and i >= max_batches:
            break
        optimizer.zero_grad()
        X, y = X.to(device), y.to(device)
        y_hat = net(X)
        l = loss(y_hat, y)
        l.backward()
        optimizer.step()
        with torch.no_grad():  # d2l's Accumulator: loss sum, correct, count (a sync per batch)
            float(l * X.shape[0]), float((y_hat.argmax(axis=1) == y).sum()), X.shape[0]
        examples += X.shape[0]
    return examples, time.perf_counter() - start
