"""Find the real Fashion-MNIST without a network and read it as uint8 tensors.

Places tried, in order (the first that holds all four files wins, and says so):
  1. an explicit path (argument, or the BNVIZ_DATA environment variable);
  2. ./data in torchvision's layout (./data/FashionMNIST/raw/);
  3. Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, .gz recompressed by Debian);
  4. torchvision's download into ./data, when the machine is online (only if download=True);
  5. the small real subset shipped inside this package (6,000 train / 1,000 test images,
     600 / 100 per class, drawn once from the real set by scripts/make_subset.py).
Files are read as IDX (plain bytes, gzipped or not): nothing in them is ever executed.
"""
import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..i18n import from_english, text

FILES = {  # split -> (images, labels), file names without .gz
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
SUBSET_DIR = Path(__file__).parent / "fashion_mnist_subset"
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
HOW_TO_GET = ("To get the data: `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or put "
              "the four files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte "
              "and t10k-labels-idx1-ubyte (.gz or not) in a folder and pass it as --data or BNVIZ_DATA.")


class DataNotFoundError(FileNotFoundError):
    """No place held Fashion-MNIST; the message lists each place tried and how to get the data."""


class BadDataError(ValueError):
    """A file was found but is not a Fashion-MNIST IDX file."""


@dataclass
class FashionMNIST:
    """Both splits as uint8 images (N, 28, 28) and int64 labels (N,), and where they came from."""
    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    source: str  # which place was used, in words
    path: str  # the folder the files were read from
    is_subset: bool  # True for the shipped 6,000/1,000 subset, never to be passed off as the full set

    def to(self, device):
        """The same data with every tensor on `device`."""
        move = {k: getattr(self, k).to(device) for k in
                ("train_images", "train_labels", "test_images", "test_labels")}
        return FashionMNIST(**move, source=self.source, path=self.path, is_subset=self.is_subset)

    def describe(self, lang="en"):
        """One line for a student, in `lang`: which data, how much, from where."""
        full = (len(self.train_labels), len(self.test_labels)) == (60000, 10000)
        kind = ("data.subset" if self.is_subset else "data.full" if full else "data.part")
        return text("data.describe", lang, kind=text(kind, lang), train=len(self.train_labels),
                    test=len(self.test_labels), source=from_english(self.source, SOURCES, lang), path=self.path)


# How a data set was found, in words (its .source; English, shown translated by describe(lang)).
SOURCES = ("data.source.explicit", "data.source.explicit_torchvision", "data.source.local", "data.source.debian",
           "data.source.download", "data.source.subset")


def read_idx(path):
    """Read one IDX file (gzipped or not) into a uint8 numpy array; BadDataError if it is not IDX."""
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError) as err:
        raise BadDataError(f"{path} could not be read as a (gzipped) IDX file: {err}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or raw[3] not in (1, 3):
        raise BadDataError(f"{path} is not a Fashion-MNIST IDX file of unsigned bytes (bad header)")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    body = raw[4 + 4 * ndim:]
    if len(body) != int(np.prod(dims)):
        raise BadDataError(f"{path} is truncated or corrupt: header says {dims}, "
                           f"found {len(body):,} bytes of data")
    return np.frombuffer(body, dtype=np.uint8).reshape(dims)


def _find_file(folder, name):
    for candidate in (folder / name, folder / (name + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def _missing(folder):
    """Names of the four files not in `folder` (either plain or .gz)."""
    return [n for pair in FILES.values() for n in pair if _find_file(folder, n) is None]


def read_folder(folder, source, is_subset=False):
    """Read all four files from `folder` into a FashionMNIST, checking shapes and labels."""
    folder = Path(folder)
    splits = {}
    for split, (img_name, lbl_name) in FILES.items():
        images = read_idx(_find_file(folder, img_name))
        labels = read_idx(_find_file(folder, lbl_name))
        if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.ndim != 1:
            raise BadDataError(f"{folder}: {img_name} holds shape {images.shape}, expected (N, 28, 28)")
        if len(images) != len(labels) or labels.max(initial=0) > 9:
            raise BadDataError(f"{folder}: {lbl_name} does not match {img_name} "
                               f"({len(labels)} labels for {len(images)} images)")
        splits[split] = (torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64)))
    is_subset = is_subset or folder.resolve() == SUBSET_DIR.resolve()
    return FashionMNIST(*splits["train"], *splits["test"], source=source, path=str(folder),
                        is_subset=is_subset)


def _candidates(path, root):
    """(source description, folder) in the order they are tried, before download and the subset."""
    explicit = path or os.environ.get("BNVIZ_DATA")
    if explicit:
        explicit = Path(explicit).expanduser()
        yield text("data.source.explicit"), explicit
        yield text("data.source.explicit_torchvision"), explicit / "FashionMNIST" / "raw"
        return  # an explicit path that lacks the data is an error, not a reason to look elsewhere
    yield text("data.source.local"), Path(root) / "FashionMNIST" / "raw"
    yield text("data.source.debian"), DEBIAN_DIR


def _download(root):
    """torchvision's download into root; returns the raw folder. Fails quickly when offline."""
    import torchvision
    for train in (True, False):
        torchvision.datasets.FashionMNIST(root=str(root), train=train, download=True)
    return Path(root) / "FashionMNIST" / "raw"


def load_fashion_mnist(path=None, root="./data", download=False, allow_subset=True):
    """Load Fashion-MNIST from the first place that has it.

    Args:
        path: an explicit folder (the four IDX files, or torchvision's root); else BNVIZ_DATA.
        root: torchvision's root, tried as ./data/FashionMNIST/raw and used for the download.
        download: try torchvision's download (needs a network) before the shipped subset.
        allow_subset: fall back to the shipped 6,000/1,000 subset (BNVIZ_NO_SUBSET=1 disables it).
    Returns:
        A FashionMNIST on the CPU; `.source` and `.is_subset` say what was used.
    Raises:
        DataNotFoundError listing every place tried; BadDataError for a folder of wrong files.
    """
    tried = []
    explicit = path or os.environ.get("BNVIZ_DATA")
    for source, folder in _candidates(path, root):
        missing = _missing(folder) if folder.is_dir() else None
        if missing == []:
            return read_folder(folder, source)
        tried.append(f"{source}: {folder} " + ("does not exist" if missing is None
                                               else f"lacks {', '.join(missing)}"))
    if explicit:
        raise DataNotFoundError("Fashion-MNIST not found at the path given:\n  " +
                                "\n  ".join(tried) + "\n" + HOW_TO_GET)
    if download:
        try:
            return read_folder(_download(root), text("data.source.download"))
        except Exception as err:  # offline: torchvision raises RuntimeError after trying its mirrors
            tried.append(f"torchvision download into {root}: failed ({type(err).__name__}: {err})")
    else:
        tried.append("torchvision download: not tried (download=False)")
    if allow_subset and not os.environ.get("BNVIZ_NO_SUBSET"):
        return read_folder(SUBSET_DIR, text("data.source.subset"), is_subset=True)
    tried.append(f"the subset shipped with bnviz: {SUBSET_DIR} (disabled)")
    raise DataNotFoundError("Fashion-MNIST was not found. Places tried:\n  " + "\n  ".join(tried)
                            + "\n" + HOW_TO_GET)
