"""BatchNorm under DistributedDataParallel: each replica's statistics, and nn.SyncBatchNorm's.

    from bnviz.distributed import DDPConfig, launch
    result = launch(DDPConfig(world_size=2, batch_size=256, steps=50), "runs/ddp.bnviz")

runs the chapter's LeNet as a DDP job on PyTorch's own launcher (gloo on CPUs, NCCL with a GPU
per replica); in a script of your own, `capture_ddp(net, ddp=ddp_net)` records every rank and
`.gather()` collects them on rank 0. `reading` reads a distributed recording; `figures` draws it.
"""
from .capture import DistributedCapture, capture_ddp
from .config import DDPConfig
from .launch import JobFailed, JobResult, launch, run_processes, sync_bn_problem
from .merge import RankMismatch
from .reading import drift, global_stats, is_distributed, stacked

__all__ = ["DDPConfig", "launch", "JobFailed", "JobResult", "run_processes", "sync_bn_problem",
           "capture_ddp", "DistributedCapture", "RankMismatch", "is_distributed", "stacked",
           "global_stats", "drift"]
