"""One dataclass describes a distributed (DDP) run of the chapter's LeNet; the CLI, the bench and the
tests all build jobs from it."""
import math
from dataclasses import asdict, dataclass
from typing import Optional

BACKENDS = ("auto", "gloo", "nccl")


@dataclass(frozen=True)
class DDPConfig:
    """A DistributedDataParallel run: N replicas, each with an equal shard of every global batch."""
    world_size: int = 2  # processes (replicas) started on this machine
    batch_size: int = 256  # the GLOBAL batch B; each replica gets B / world_size of it
    steps: int = 20  # training steps (batches of B); the last partial batch of an epoch is dropped
    sync_bn: bool = False  # convert every BN layer with nn.SyncBatchNorm.convert_sync_batchnorm
    broadcast_buffers: bool = True  # DDP's default: rank 0's running stats overwrite the others' each step
    lr: float = 1.0  # SGD learning rate, the chapter's 1.0
    momentum: float = 0.9  # BN momentum in the chapter's convention (PyTorch's is 1 - this)
    eps: float = 1e-5  # BN eps
    seed: int = 0  # weights (the same on every replica) and the order of the global batches
    backend: str = "auto"  # "auto": nccl with a GPU per replica, else gloo (CPU, or one shared GPU)
    device: str = "auto"  # "auto": a GPU when there is one, else the CPU
    capture: bool = True  # False: no hooks and no recording (the bench's baseline)
    every: int = 1  # capture every k-th step
    gather_every: int = 0  # also gather (and, on rank 0, write) every k steps; 0 = only at the end
    sample: Optional[int] = 16384  # histogram values per pass (CaptureOptions.sample)
    data: Optional[str] = None  # a folder with the Fashion-MNIST files; None: bnviz's usual search
    threads: int = 0  # torch threads per replica; 0 = this machine's cores / world_size (at least 1)
    fail_rank: int = -1  # a drill: this rank raises at step `fail_step` (shows how a failing rank ends a job)
    fail_step: int = 1

    def __post_init__(self):
        problems = ddp_problems(self)
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def per_rank_batch(self):
        """b = B / N: what each replica's BN layers normalise over (its ghost batch)."""
        return self.batch_size // self.world_size

    def to_dict(self):
        """Plain fields, for JSON."""
        return asdict(self)


def ddp_problems(cfg):
    """A list of plain-words problems with `cfg` (empty when it is valid)."""
    problems = []
    for field, low in (("world_size", 1), ("batch_size", 2), ("steps", 1), ("every", 1), ("gather_every", 0),
                       ("threads", 0), ("seed", 0)):
        value = getattr(cfg, field)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            problems.append(f"{field} must be a whole number of at least {low}, got {value!r}")
    if not problems and cfg.batch_size % cfg.world_size:
        problems.append(f"batch_size {cfg.batch_size} must be a multiple of world_size {cfg.world_size} "
                        "(every replica gets an equal shard of each batch)")
    elif not problems and cfg.batch_size // cfg.world_size < 2:
        problems.append("each replica needs at least 2 examples per batch (BN's variance needs 2 values)")
    for field in ("lr", "momentum", "eps"):
        value = getattr(cfg, field)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            problems.append(f"{field} must be a number, got {value!r}")
    if not problems and not 0.0 <= cfg.momentum < 1.0:
        problems.append(f"momentum (chapter's convention) must be in [0, 1), got {cfg.momentum:g}")
    if cfg.backend not in BACKENDS:
        problems.append(f"backend must be one of {', '.join(BACKENDS)}, got {cfg.backend!r}")
    if cfg.device not in ("auto", "cpu", "cuda"):
        problems.append(f"device must be auto, cpu or cuda, got {cfg.device!r}")
    if cfg.sample is not None and (not isinstance(cfg.sample, int) or cfg.sample < 16):
        problems.append(f"sample must be None (every value) or at least 16, got {cfg.sample!r}")
    return problems
