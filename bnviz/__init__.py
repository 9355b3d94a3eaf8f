"""bnviz: see Batch Normalization work, step by step (the chapter of Dive into Deep Learning)."""
from .capturing.history import History
from .capturing.hooks import CaptureOptions, capture
from .capturing.recording import load as load_recording
from .capturing.recording import save as save_recording
from .chapter.batchnorm import BatchNorm, batch_norm
from .chapter.models import lenet
from .data.fashion_mnist import load_fashion_mnist
from .train.config import RunConfig
from .train.stepper import Stepper

__all__ = ["batch_norm", "BatchNorm", "lenet", "load_fashion_mnist", "RunConfig", "Stepper",
           "capture", "CaptureOptions", "History", "save_recording", "load_recording"]
__version__ = "0.1.0"
