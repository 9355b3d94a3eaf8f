"""Shared fixtures: real data (the shipped subset, and the full set where installed), small seeds."""
import pytest
import torch

from bnviz.data.fashion_mnist import DEBIAN_DIR, load_fashion_mnist


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: needs a CUDA device (skipped, with the reason, without one)")
    config.addinivalue_line("markers", "slow: over about 20 s on a CPU (the full data set); run by default and by .ci/run")


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="no CUDA device on this machine; bench/gpu_check.py runs these on a GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def subset():
    """The real 6,000/1,000 subset shipped inside the package."""
    from bnviz.data.fashion_mnist import SUBSET_DIR, read_folder
    return read_folder(SUBSET_DIR, "subset shipped with bnviz", is_subset=True)


@pytest.fixture(scope="session")
def full_data():
    """The full real Fashion-MNIST from Debian's package (.ci/run installs it)."""
    if not DEBIAN_DIR.is_dir():
        pytest.skip(f"Debian's dataset-fashion-mnist is not installed ({DEBIAN_DIR}); "
                    "`apt-get install dataset-fashion-mnist` (.ci/run does)")
    return load_fashion_mnist(DEBIAN_DIR)


@pytest.fixture
def small_data(subset):
    """A 1,024/512 slice of the real subset, for fast stepper tests."""
    from bnviz.data.fashion_mnist import FashionMNIST
    return FashionMNIST(subset.train_images[:1024], subset.train_labels[:1024],
                        subset.test_images[:512], subset.test_labels[:512],
                        source="subset slice", path=subset.path, is_subset=True)
