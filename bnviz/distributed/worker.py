"""What every process of `python -m bnviz ddp` runs: the chapter's LeNet (nn.BatchNorm, or
nn.SyncBatchNorm) under DistributedDataParallel, one equal shard of each global batch per replica,
with capture at every step; rank 0 writes the gathered recording.

Started by launch.py through PyTorch's launcher (it sets RANK, WORLD_SIZE, MASTER_ADDR, ...):
    python -m bnviz.distributed.worker --config '{"world_size": 2, ...}' --out runs/ddp.bnviz
"""
import argparse
import gc
import json
import os
import platform
import sys
import time

import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.elastic.multiprocessing.errors import record
from torch.nn.parallel import DistributedDataParallel

from ..capturing.hooks import CaptureOptions
from ..capturing.recording import save as save_recording
from ..chapter.models import lenet
from ..data.fashion_mnist import load_fashion_mnist

from .capture import capture_ddp
from .config import DDPConfig


def placement(cfg, local_rank, local_world_size):
    """(device, backend) of this process: NCCL with a GPU per replica; gloo on the CPU, or on one GPU
    that the replicas share (NCCL refuses two ranks on one GPU, gloo does not)."""
    use_cuda = cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available())
    if use_cuda and not torch.cuda.is_available():
        raise RuntimeError("device cuda was asked for, but this machine has no CUDA GPU")
    if not use_cuda:
        device, own_gpu = torch.device("cpu"), False
    else:
        own_gpu = torch.cuda.device_count() >= local_world_size
        device = torch.device("cuda", local_rank if own_gpu else 0)
        torch.cuda.set_device(device)
    backend = cfg.backend if cfg.backend != "auto" else ("nccl" if own_gpu else "gloo")
    return device, backend


def epoch_order(n, seed, epoch):
    """The shuffled order of epoch `epoch`, the same in every process (a pure function of its arguments)."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch))


def global_batch(n, cfg, step, orders=None):
    """(indices, epoch) of the global batch of `step` (1-based); an epoch's last partial batch is
    dropped so that every replica's shard has B / N examples. `orders` caches epoch orders."""
    per_epoch = n // cfg.batch_size
    epoch, k = divmod(step - 1, per_epoch)
    orders = {} if orders is None else orders
    if epoch not in orders:
        orders.clear()
        orders[epoch] = epoch_order(n, cfg.seed, epoch)
    return orders[epoch][k * cfg.batch_size:(k + 1) * cfg.batch_size], epoch


def shard(indices, rank, world_size):
    """Replica `rank`'s equal, contiguous share of a global batch."""
    b = len(indices) // world_size
    return indices[rank * b:(rank + 1) * b]


def replica_model(cfg, device):
    """The chapter's LeNet with nn.BatchNorm (nn.SyncBatchNorm with cfg.sync_bn), the same on every rank."""
    torch.manual_seed(cfg.seed)
    net = lenet("torch", eps=cfg.eps, momentum=cfg.momentum)
    if cfg.sync_bn:
        net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    return net.to(device)


def buffer_sync(on):
    """DDP's keyword for broadcasting rank 0's buffers before each forward: `forward_sync_buffers`
    since torch 2.14 (`broadcast_buffers` is deprecated there), `broadcast_buffers` before."""
    import inspect
    if "forward_sync_buffers" in inspect.signature(DistributedDataParallel.__init__).parameters:
        return {"forward_sync_buffers": on}  # buffers are still synced once at init: all replicas start equal
    return {"broadcast_buffers": on}


def train(cfg, out):
    """Train cfg.steps steps in this process; rank 0 writes the recording to `out`. Returns timings."""
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", 0))
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", cfg.world_size))
    torch.set_num_threads(cfg.threads or max(1, len(os.sched_getaffinity(0)) // local_world))
    device, backend = placement(cfg, local_rank, local_world)
    dist.init_process_group(backend)
    result = _train(cfg, out, rank, device)  # an error ends this process; the launcher stops the rest
    gc.collect()  # DDP's reducer (in reference cycles) must let go of the process group before it is destroyed
    dist.barrier()  # leave together, once rank 0 has written
    dist.destroy_process_group()
    return result


def _train(cfg, out, rank, device):
    data = load_fashion_mnist(cfg.data)
    if len(data.train_labels) < cfg.batch_size:
        raise ValueError(f"batch_size {cfg.batch_size} is larger than the {len(data.train_labels)} training images")
    if rank == 0:
        print(f"data: {data.describe()}", flush=True)
    images, labels = data.train_images.to(device), data.train_labels.to(device)
    net = replica_model(cfg, device)
    ddp = DistributedDataParallel(net, device_ids=[device] if device.type == "cuda" else None,
                                  **buffer_sync(cfg.broadcast_buffers))
    opt = torch.optim.SGD(ddp.parameters(), lr=cfg.lr)
    cap = None
    if cfg.capture:
        cap = capture_ddp(net, options=CaptureOptions(every=cfg.every, sample=cfg.sample, raw_values=0), ddp=ddp,
                          describe={"global_batch": cfg.batch_size, "per_rank_batch": cfg.per_rank_batch,
                                    "device": str(device), "config": cfg.to_dict(), "data": data.describe(),
                                    "is_subset": data.is_subset,
                                    "launcher": "torch.distributed.launcher.api.elastic_launch"})
    step_seconds, orders = [], {}
    for step in range(1, cfg.steps + 1):
        start = time.perf_counter()
        idx, epoch = global_batch(len(labels), cfg, step, orders)
        mine = shard(idx, rank, dist.get_world_size()).to(device)
        X, y = images[mine].unsqueeze(1).float().div(255), labels[mine]  # (b, 28, 28) -> (b, 1, 28, 28)
        if rank == cfg.fail_rank and step == cfg.fail_step:
            raise RuntimeError(f"drill: rank {rank} fails at step {step} (DDPConfig.fail_rank)")
        train_step(ddp, opt, X, y, cap, step, epoch, cfg.every)
        if device.type == "cuda":
            torch.cuda.synchronize()
        step_seconds.append(time.perf_counter() - start)
        if cap is not None and cfg.gather_every and step % cfg.gather_every == 0 and step < cfg.steps:
            history = cap.gather()
            if rank == 0:
                write(history, out, cfg, step_seconds, complete=False)
    result = {"rank": rank, "examples_per_s": examples_per_s(step_seconds, cfg.batch_size),
              "train_seconds": sum(step_seconds), "gather_seconds": 0.0, "gathers": 0, "gather_bytes": 0}
    if cap is None:
        return result
    history = cap.gather()
    cap.detach()
    result.update(gather_seconds=cap.gather_seconds, gathers=cap.gathers, gather_bytes=cap.gather_bytes)
    if rank == 0:
        path = write(history, out, cfg, step_seconds, complete=True)
        print(f"wrote {path}: {cfg.steps} steps x {cfg.world_size} replicas; {result['examples_per_s']:,.0f} "
              f"examples/s with capture; gathers took {cap.gather_seconds * 1e3:.1f} ms", flush=True)
    return result


def train_step(ddp, opt, X, y, cap, step, epoch, every):
    """One DDP training step of the chapter (cross-entropy, SGD), recorded when `cap` is given."""
    if cap is not None:
        cap.capture.enabled = (step - 1) % every == 0
        cap.context.update(step=step, epoch=epoch)
    logits = ddp(X)
    loss = nn.functional.cross_entropy(logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if cap is not None and cap.capture.enabled:
        cap.log_step(loss, (logits.argmax(dim=1) == y).sum(), len(y))


WARMUP = 3  # first steps left out of examples/s (DDP builds its gradient buckets on the first ones)


def examples_per_s(step_seconds, batch_size):
    """Global examples per second over the steps after the warm-up (all of them for short runs)."""
    timed = step_seconds[WARMUP:] if len(step_seconds) > 2 * WARMUP else step_seconds
    return len(timed) * batch_size / sum(timed)


def write(history, out, cfg, step_seconds, complete):
    """Rank 0: save the recording under `out` (bnviz writes a .part file and renames it)."""
    from ..version import __version__
    info = history.meta["distributed"]
    info.update(complete=complete, train_seconds=sum(step_seconds),
                examples_per_s=examples_per_s(step_seconds, cfg.batch_size))
    history.meta.update(versions={"bnviz": __version__, "torch": torch.__version__,
                                  "python": platform.python_version()},
                        config={"norm": "torch (SyncBatchNorm)" if cfg.sync_bn else "torch", "lr": cfg.lr,
                                "batch_size": cfg.batch_size, "momentum": cfg.momentum, "eps": cfg.eps,
                                "seed": cfg.seed},
                        data=info.get("data"), device=f"{cfg.world_size} x {info.get('device')} ({info['backend']})")
    return save_recording(history, out)


@record  # a failing rank leaves its error (type, message, traceback) for the launcher to report
def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bnviz.distributed.worker", description=__doc__)
    parser.add_argument("--config", required=True, help="a DDPConfig as JSON")
    parser.add_argument("--out", required=True, help="the recording rank 0 writes")
    parser.add_argument("--stats", default=None, help="a folder for each rank's timings (rank{r}.json)")
    args = parser.parse_args(argv)
    result = train(DDPConfig(**json.loads(args.config)), args.out)
    if args.stats:
        with open(os.path.join(args.stats, f"rank{result['rank']}.json"), "w") as f:
            json.dump(result, f)
    # Every result is on disk. Leave without the interpreter's teardown: there gloo's C++ threads can
    # still abort the process ("terminate called without an active exception", SIGABRT; seen about
    # once in 30 jobs on a busy 2-core machine), which the launcher would report as a failed job.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
