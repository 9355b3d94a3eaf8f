"""bnviz: see Batch Normalization work, step by step (the chapter of Dive into Deep Learning)."""
from .batchnorm import BatchNorm, batch_norm
from .config import RunConfig
from .data import load_fashion_mnist
from .models import lenet
from .stepper import Stepper

__all__ = ["batch_norm", "BatchNorm", "lenet", "load_fashion_mnist", "RunConfig", "Stepper"]
__version__ = "0.1.0"
