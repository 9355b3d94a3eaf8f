"""One dataclass describes a training run; the app, the CLI and the tests all build runs from it."""
import math
from dataclasses import asdict, dataclass

import torch

from ..chapter.models import NORMS
from ..i18n import Message

DEVICES = ("auto", "cpu", "cuda", "mps")
LIMITS = {  # field -> (lowest, highest) accepted, both inclusive
    "lr": (1e-6, 100.0),
    "batch_size": (2, 4096),
    "momentum": (0.0, 0.9999),
    "eps": (1e-12, 1.0),
    "seed": (0, 2**31 - 1),
}


@dataclass(frozen=True)
class RunConfig:
    """A training run: the chapter's defaults (LeNet + its BatchNorm, SGD lr 1.0, batch 256)."""
    norm: str = "custom"  # "custom" (chapter's BatchNorm) | "torch" (nn.BatchNorm2d/1d) | "none"
    lr: float = 1.0  # SGD learning rate, the chapter's 1.0
    batch_size: int = 256  # the chapter's 256; the last batch of an epoch may be smaller
    momentum: float = 0.9  # BN momentum in the chapter's convention (PyTorch's is 1 - this)
    eps: float = 1e-5  # BN eps
    seed: int = 0  # weights and data order
    device: str = "auto"  # "auto" takes CUDA, then Apple's MPS, then the CPU

    def __post_init__(self):
        problems = config_problems(self)
        if problems:
            raise ValueError("; ".join(problems))

    def to_dict(self):
        """Plain fields, for JSON."""
        return asdict(self)


def config_problems(cfg):
    """A list of plain-words problems with `cfg` (empty when it is valid): i18n.Messages, English as
    str, any language by .text(lang)."""
    problems = []
    if cfg.norm not in NORMS:
        problems.append(Message("config.got", problem=Message("config.one_of", what="norm", choices=", ".join(NORMS)),
                                value=repr(cfg.norm)))
    for field, (low, high) in LIMITS.items():
        value = getattr(cfg, field)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            problems.append(Message("config.got", problem=Message("config.number", what=field), value=repr(value)))
        elif field in ("batch_size", "seed") and int(value) != value:
            problems.append(Message("config.got", problem=Message("config.whole", what=field), value=repr(value)))
        elif not low <= value <= high:
            problems.append(Message("config.got", problem=Message("config.between", what=field, low=low, high=high),
                                    value=f"{value:g}"))
    if cfg.device not in DEVICES:
        problems.append(Message("config.got", problem=Message("config.one_of", what="device",
                                                              choices=", ".join(DEVICES)), value=repr(cfg.device)))
    return problems


def available_devices():
    """The device choices that work on this machine."""
    found = ["auto", "cpu"]
    if torch.cuda.is_available():
        found.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        found.append("mps")
    return found


def resolve_device(name="auto"):
    """A torch.device for a RunConfig.device name; a clear error if that device is absent here."""
    if name == "auto":
        name = next((d for d in ("cuda", "mps") if d in available_devices()), "cpu")
    if name not in available_devices():
        raise ValueError(f"device {name!r} is not available on this machine "
                         f"(available: {', '.join(available_devices())})")
    return torch.device(name)
