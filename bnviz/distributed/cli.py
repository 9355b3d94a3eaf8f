"""`python -m bnviz ddp`: the chapter's LeNet as a DDP job on this machine, recorded in every rank.

    python -m bnviz ddp --world-size 2 --batch-size 256 --steps 50 --out runs/ddp.bnviz
    python -m bnviz ddp --world-size 2 --sync-bn --out runs/ddp-sync.bnviz      # needs a GPU
"""
import argparse
import sys

from .config import DDPConfig
from .launch import JobFailed, launch, sync_bn_problem


def add_ddp_command(sub):
    """Register `ddp` on the CLI's subparsers."""
    d = DDPConfig()
    p = sub.add_parser("ddp", help="train under DistributedDataParallel on this machine and record every replica",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--world-size", type=int, default=d.world_size, help="processes (replicas) to start")
    p.add_argument("--sync-bn", action="store_true",
                   help="convert the BN layers to nn.SyncBatchNorm (global batch statistics; GPU only in torch)")
    p.add_argument("--batch-size", type=int, default=d.batch_size,
                   help="the GLOBAL batch; each replica gets batch-size / world-size of it")
    p.add_argument("--steps", type=int, default=d.steps, help="training steps")
    p.add_argument("--out", required=True, help="the recording rank 0 writes, e.g. runs/ddp.bnviz")
    p.add_argument("--no-broadcast-buffers", dest="broadcast_buffers", action="store_false",
                   help="let each replica keep its own running statistics (DDP broadcasts rank 0's by default)")
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--momentum", type=float, default=d.momentum,
                   help="BN momentum, chapter's convention (0.9 = PyTorch's 0.1)")
    p.add_argument("--eps", type=float, default=d.eps)
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--every", type=int, default=d.every, help="capture every k-th step")
    p.add_argument("--gather-every", type=int, default=d.gather_every,
                   help="also gather and write every k steps (0: only at the end)")
    p.add_argument("--sample", type=int, default=d.sample, help="values per histogram (0 = every value)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default=d.device)
    p.add_argument("--backend", choices=["auto", "gloo", "nccl"], default=d.backend,
                   help="auto: nccl with a GPU per replica, else gloo")
    p.add_argument("--threads", type=int, default=d.threads, help="torch threads per replica (0: cores / world size)")
    p.add_argument("--data", default=None, help="folder with the Fashion-MNIST IDX files")
    p.set_defaults(func=cmd_ddp)
    return p


def config_from_args(args):
    """A DDPConfig from parsed options (ValueError with every problem in words)."""
    return DDPConfig(world_size=args.world_size, batch_size=args.batch_size, steps=args.steps, sync_bn=args.sync_bn,
                     broadcast_buffers=args.broadcast_buffers, lr=args.lr, momentum=args.momentum, eps=args.eps,
                     seed=args.seed, backend=args.backend, device=args.device, every=args.every,
                     gather_every=args.gather_every, sample=args.sample or None, data=args.data, threads=args.threads)


def cmd_ddp(args):
    try:
        cfg = config_from_args(args)
    except ValueError as err:
        sys.exit(f"error: {err}")
    if sync_bn_problem(cfg):
        sys.exit(f"error: {sync_bn_problem(cfg)}")
    from ..data.fashion_mnist import load_fashion_mnist
    try:  # fail here, once, rather than in every rank
        load_fashion_mnist(cfg.data)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f"error: {err}")
    print(f"starting {cfg.world_size} replicas with PyTorch's launcher (elastic_launch, torchrun's --standalone): "
          f"global batch {cfg.batch_size} = {cfg.world_size} x {cfg.per_rank_batch}, "
          f"{'nn.SyncBatchNorm' if cfg.sync_bn else 'nn.BatchNorm per replica'}, "
          f"broadcast_buffers {'on' if cfg.broadcast_buffers else 'off'}", flush=True)
    try:
        result = launch(cfg, args.out)
    except (ValueError, JobFailed) as err:
        sys.exit(f"error: {err}")
    speed = sum(r["examples_per_s"] for r in result.ranks) / max(len(result.ranks), 1)
    gather = max((r["gather_seconds"] for r in result.ranks), default=0.0)
    size = result.path.stat().st_size
    print(f"done in {result.seconds:.1f} s (process start and rendezvous included): {speed:,.0f} examples/s "
          f"with capture at every step; gathering took {gather * 1e3:.1f} ms; {result.path} is "
          f"{size / 2**20:.2f} MiB", flush=True)


def main(argv=None):
    """`ddp` as a program of its own (until `python -m bnviz` wires it in)."""
    parser = argparse.ArgumentParser(prog="python -m bnviz")
    add_ddp_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
