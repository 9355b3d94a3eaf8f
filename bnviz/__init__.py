"""bnviz: see Batch Normalization work, step by step (the chapter of Dive into Deep Learning)."""
from .batchnorm import BatchNorm, batch_norm
from .config import RunConfig
from .data import load_fashion_mnist
from .history import History
from .hooks import CaptureOptions, capture
from .models import lenet
from .recording import load as load_recording
from .recording import save as save_recording
from .stepper import Stepper

__all__ = ["batch_norm", "BatchNorm", "lenet", "load_fashion_mnist", "RunConfig", "Stepper",
           "capture", "CaptureOptions", "History", "save_recording", "load_recording"]
__version__ = "0.1.0"
