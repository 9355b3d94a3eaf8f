"""bnviz: see Batch Normalization work, step by step (the chapter of Dive into Deep Learning)."""
from .capturing.history import History
from .capturing.hooks import CaptureOptions, capture
from .capturing.recording import load as load_recording
from .capturing.recording import save as save_recording
from .chapter.batchnorm import BatchNorm, batch_norm
from .chapter.models import lenet
from .data.fashion_mnist import load_fashion_mnist
from .debug.breakpoints import Breakpoints
from .debug.live_run import LiveRun
from .experiments.modes import mode_matrix
from .experiments.twin import TwinRun
from .train.config import RunConfig
from .train.stepper import Stepper
from .version import __version__

__all__ = ["__version__", "batch_norm", "BatchNorm", "lenet", "load_fashion_mnist", "RunConfig", "Stepper",
           "capture", "CaptureOptions", "History", "save_recording", "load_recording",
           "LiveRun", "Breakpoints", "mode_matrix", "TwinRun", "plots"]


def __getattr__(name):
    """`bnviz.plots` (the app's figures for notebooks) loads on first use: plotly and pandas only then."""
    if name == "plots":
        import importlib
        return importlib.import_module(".plots", __name__)
    raise AttributeError(f"module 'bnviz' has no attribute {name!r}")
