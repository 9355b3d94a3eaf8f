"""Draw the class-balanced real subset shipped in bnviz/data/fashion_mnist_subset/ (run once, by hand).

600 training and 100 test images per class, chosen with a fixed seed from the real Fashion-MNIST,
kept in their original order, written as gzipped IDX files like the originals.
"""
import gzip
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bnviz.data.fashion_mnist import FILES, SUBSET_DIR, load_fashion_mnist  # noqa: E402

PER_CLASS = {"train": 600, "test": 100}


def idx_bytes(array):
    """An unsigned-byte IDX file's bytes for `array`."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def main():
    data = load_fashion_mnist(allow_subset=False)
    assert not data.is_subset
    rng = np.random.default_rng(0)
    SUBSET_DIR.mkdir(exist_ok=True)
    for split, (img_name, lbl_name) in FILES.items():
        images = getattr(data, f"{split}_images").numpy()
        labels = getattr(data, f"{split}_labels").numpy()
        keep = np.sort(np.concatenate([
            rng.choice(np.flatnonzero(labels == c), PER_CLASS[split], replace=False) for c in range(10)]))
        for name, array in ((img_name, images[keep]), (lbl_name, labels[keep])):
            # mtime=0: the same input gives byte-identical files.
            with gzip.GzipFile(SUBSET_DIR / f"{name}.gz", "wb", mtime=0) as f:
                f.write(idx_bytes(array))
        print(split, len(keep), "images from", data.source)


if __name__ == "__main__":
    main()
