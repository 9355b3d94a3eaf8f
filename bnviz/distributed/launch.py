"""Start a DDP job on this machine with PyTorch's own launcher (torchrun's semantics), and end it
with a clear message when a rank fails.

`launch(cfg, out)` runs `python -m bnviz.distributed.worker` in cfg.world_size processes through
torch.distributed.launcher.api.elastic_launch, exactly as `torchrun --standalone --nproc-per-node N`
would (c10d rendezvous on a free local port, no restarts). A failing rank ends the whole job: the
launcher stops the other ranks and raises JobFailed naming the rank and its error. Rank 0 writes the
recording only after a successful gather, through a temporary name renamed into place, so `out`
is never half-written.
"""
import json
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .config import DDPConfig


class JobFailed(RuntimeError):
    """A rank of the DDP job failed; the message says which rank, with what error, and what was written."""


@dataclass
class JobResult:
    """What a finished job left: the recording, and each rank's timings."""
    path: Path  # the recording rank 0 wrote (None for a run without capture)
    seconds: float  # wall time of the whole job (process start, rendezvous, training, gather, write)
    ranks: list = field(default_factory=list)  # per rank: train_seconds, examples_per_s, gather_seconds


def sync_bn_problem(cfg):
    """Why nn.SyncBatchNorm cannot run for `cfg` on this machine, in words, or None if it can."""
    if not cfg.sync_bn:
        return None
    on_cpu = cfg.device == "cpu" or (cfg.device == "auto" and not torch.cuda.is_available())
    if not on_cpu:
        return None
    try:  # the kernel nn.SyncBatchNorm computes its replica's statistics with
        torch.batch_norm_stats(torch.ones(2, 1), 1e-5)
        kernel = True
    except (NotImplementedError, RuntimeError):
        kernel = False
    return (f"nn.SyncBatchNorm does not run on the CPU in torch {torch.__version__}: DistributedDataParallel "
            "refuses it (\"SyncBatchNorm layers only work with GPU modules\"), its forward refuses CPU tensors "
            "(\"SyncBatchNorm expected input tensor to be on GPU ...\")"
            + ("" if kernel else " and its kernels (batch_norm_stats, batch_norm_gather_stats_with_counts, "
               "batch_norm_elemt) have no CPU implementation")
            + ". Run --sync-bn on a machine with a CUDA GPU (the replicas may share one GPU over gloo), "
            "or leave out --sync-bn to see per-replica BatchNorm on the CPU.")


def launch_config(nprocs, run_id=None):
    """torchrun --standalone's settings: one node, c10d rendezvous on a free local port, no restarts."""
    from torch.distributed.launcher.api import LaunchConfig
    return LaunchConfig(min_nodes=1, max_nodes=1, nproc_per_node=nprocs, run_id=run_id or f"bnviz-{uuid.uuid4()}",
                        rdzv_backend="c10d", rdzv_endpoint="localhost:0", max_restarts=0, monitor_interval=0.1)


def run_processes(nprocs, args):
    """Run `python *args` in `nprocs` processes with PyTorch's launcher; JobFailed if any rank fails.

    Returns what elastic_launch returns. `args` is e.g. ["-m", "bnviz.distributed.worker", ...] or a
    user's script and its options.
    """
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.launcher.api import elastic_launch
    try:
        return elastic_launch(launch_config(nprocs), sys.executable)(*args)
    except ChildFailedError as err:
        raise JobFailed(failure_message(err)) from None


def failure_message(err):
    """'rank R failed (exit code E): Type: message' for the rank whose error ended the job.

    When one rank fails, its peers fail too, waiting in a collective ("Connection closed by peer")
    or stopped by the launcher's signal: the root cause is the earliest failure that is not one of
    those consequences.
    """
    failures = sorted(err.failures.items(), key=lambda kv: (is_consequence(kv[1]), kv[1].timestamp, kv[0]))
    rank, first = failures[0]
    lines = [f"rank {rank} failed ({describe_exit(first.exitcode)}): {error_text(first)}"]
    for other, failure in sorted(failures[1:]):
        lines.append(f"rank {other} ended too ({describe_exit(failure.exitcode)}: {error_text(failure)[:160]})")
    return "; ".join(lines)


CONSEQUENCES = ("Connection closed by peer", "Connection reset by peer", "remote worker crashing")


def error_text(failure):
    """The 'Type: message' a rank's @record left (a dict for processes started as programs)."""
    message = failure.message
    if isinstance(message, dict):
        message = message.get("message", message)
    return str(message or "no error message (the process did not report one)")


def is_consequence(failure):
    """Whether a rank's failure only follows another's (a lost peer, or the launcher's stop signal)."""
    stopped = failure.exitcode in (-15, -9)  # SIGTERM, SIGKILL: the launcher's stop (not SIGABRT, a crash)
    return stopped or any(c in error_text(failure) for c in CONSEQUENCES)


def describe_exit(code):
    return f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"


def launch(cfg, out):
    """Train `cfg` as a DDP job of cfg.world_size processes on this machine; rank 0 writes `out`.

    Args:
        cfg: a DDPConfig.
        out: the .bnviz recording to write (its folder is made).
    Returns:
        A JobResult (the recording's path, the job's wall time, each rank's timings).
    Raises:
        ValueError for a setting that cannot run here (e.g. --sync-bn on a CPU);
        JobFailed when a rank fails: which rank, its error, and what is (not) at `out`.
    """
    if not isinstance(cfg, DDPConfig):
        raise TypeError(f"launch needs a DDPConfig, got {type(cfg).__name__}")
    problem = sync_bn_problem(cfg)
    if problem:
        raise ValueError(problem)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    before = out.stat().st_mtime_ns if out.exists() else None
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bnviz-ddp-") as stats:
        args = ["-u", "-m", "bnviz.distributed.worker", "--config", json.dumps(cfg.to_dict()),
                "--out", str(out), "--stats", stats]
        try:
            run_processes(cfg.world_size, args)
        except JobFailed as err:
            raise JobFailed(f"{err}. {what_is_left(out, before)}") from None
        finally:
            Path(str(out) + ".part").unlink(missing_ok=True)  # rank 0 stopped while writing
        ranks = [json.loads(p.read_text()) for p in sorted(Path(stats).glob("rank*.json"))]
    return JobResult(out if cfg.capture else None, time.perf_counter() - start, sorted(ranks, key=lambda r: r["rank"]))


def what_is_left(out, mtime_before):
    """A sentence on the state of `out` after a failed job."""
    if out.exists() and out.stat().st_mtime_ns != mtime_before:
        return (f"{out} holds only the steps gathered before the failure "
                "(a complete file of a partial run: meta['distributed']['complete'] is False)")
    if out.exists():
        return f"Nothing was written; {out} is an earlier file, left as it was"
    return f"Nothing was written to {out}"
