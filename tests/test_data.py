"""Finding and reading the real Fashion-MNIST; batches as the chapter's loader gives them."""
import gzip
import shutil

import pytest
import torch

from bnviz.data.batches import BatchOrder, batches_per_epoch, epoch_order, to_float
from bnviz.data.fashion_mnist import (SUBSET_DIR, BadDataError, DataNotFoundError,
                                      load_fashion_mnist, read_idx)


def test_subset_is_real_balanced_and_labelled(subset, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no ./data here
    monkeypatch.delenv("BNVIZ_DATA", raising=False)
    monkeypatch.setattr("bnviz.data.fashion_mnist.DEBIAN_DIR", tmp_path / "no-debian")
    data = load_fashion_mnist()
    assert data.is_subset and "SUBSET" in data.describe()
    assert len(data.train_labels) == 6000 and len(data.test_labels) == 1000
    assert torch.bincount(data.train_labels).tolist() == [600] * 10
    assert torch.bincount(data.test_labels).tolist() == [100] * 10
    assert data.train_images.dtype == torch.uint8 and data.train_images.shape[1:] == (28, 28)


def test_subset_images_come_from_the_real_set(subset, full_data):
    # Every shipped image is one of the real training images with the same label.
    full = {bytes(img.numpy().tobytes()): int(lbl) for img, lbl in
            zip(full_data.train_images, full_data.train_labels)}
    for img, lbl in zip(subset.train_images[:200], subset.train_labels[:200]):
        assert full[bytes(img.numpy().tobytes())] == int(lbl)


def test_debian_data_is_found_and_full(full_data):
    assert not full_data.is_subset and full_data.source == "explicit path"
    assert len(full_data.train_labels) == 60000 and len(full_data.test_labels) == 10000


def test_order_of_places(monkeypatch, tmp_path):
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for f in SUBSET_DIR.iterdir():  # decompressed, as torchvision keeps them
        (raw / f.name[:-3]).write_bytes(gzip.decompress(f.read_bytes()))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BNVIZ_DATA", raising=False)
    assert load_fashion_mnist().source == "./data (torchvision layout)"
    monkeypatch.setenv("BNVIZ_DATA", str(tmp_path / "data"))
    assert load_fashion_mnist().source == "explicit path (torchvision layout)"


def test_nothing_found_lists_every_place(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BNVIZ_DATA", raising=False)
    monkeypatch.setattr("bnviz.data.fashion_mnist.DEBIAN_DIR", tmp_path / "no-debian")
    with pytest.raises(DataNotFoundError) as err:
        load_fashion_mnist(allow_subset=False)
    text = str(err.value)
    for place in ("./data", "Debian", "download", "subset", "apt-get install dataset-fashion-mnist"):
        assert place in text


def test_explicit_path_missing_is_an_error_not_a_guess(tmp_path):
    with pytest.raises(DataNotFoundError, match="not found at the path given"):
        load_fashion_mnist(tmp_path / "nowhere")


def test_wrong_files_give_clear_error(tmp_path):
    for f in SUBSET_DIR.iterdir():
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"not an idx file"))
    with pytest.raises(BadDataError, match="not a Fashion-MNIST IDX file"):
        load_fashion_mnist(tmp_path)
    good = gzip.decompress((SUBSET_DIR / "t10k-images-idx3-ubyte.gz").read_bytes())
    (tmp_path / "x.idx").write_bytes(good[:-100])
    with pytest.raises(BadDataError, match="truncated"):
        read_idx(tmp_path / "x.idx")


def test_batches_as_the_chapters_loader(full_data):
    n, b = len(full_data.train_labels), 256
    assert batches_per_epoch(n, b) == 235
    order = BatchOrder(n, b, seed=0, device="cpu")
    sizes = [len(order.indices(0, i)) for i in range(235)]
    assert sizes[:-1] == [256] * 234 and sizes[-1] == 96
    seen = torch.cat([order.indices(0, i) for i in range(235)])
    assert torch.equal(seen.sort().values, torch.arange(n))  # every image once per epoch
    assert not torch.equal(order.indices(1, 0), order.indices(0, 0))  # reshuffled each epoch
    assert torch.equal(epoch_order(n, 0, 3), epoch_order(n, 0, 3))  # and replayable


def test_pixels_scaled_as_to_tensor(subset):
    from torchvision.transforms import ToTensor
    from PIL import Image
    img = subset.train_images[7]
    expect = ToTensor()(Image.fromarray(img.numpy(), mode="L"))
    assert torch.equal(to_float(subset.train_images[7:8])[0], expect)
