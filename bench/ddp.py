"""DDP on this machine: examples/s with capture at every step for world sizes 1, 2, 4 (gloo on the
CPU), the cost of gathering the records to rank 0, and what nn.SyncBatchNorm's collectives cost.

    python bench/ddp.py [--steps 60] [--rounds 2] [--batch-size 256] [--out bench/results/ddp.txt]

Each job is started with PyTorch's launcher (bnviz.distributed.launch); examples/s is the global
batch over rank 0's step time, the first 3 steps left out, gathers left out (reported apart).
nn.SyncBatchNorm does not run on a CPU (torch refuses it, see launch.sync_bn_problem): here the
collectives it would add are timed on their own, in the same gloo jobs; with a GPU the real layer runs.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

LENET_CHANNELS = (6, 16, 120, 84)  # the BN layers of the chapter's LeNet


def collectives_worker(out):
    """In each rank: time the collectives nn.SyncBatchNorm issues per step for LeNet's four BN layers:
    forward, an all_gather of (mean, invstd, count) = 2C + 1 values per layer (gloo: a list all_gather,
    as torch's SyncBatchNorm does on gloo); backward, an all_reduce of (sum_dy, sum_dy_xmu) = 2C values."""
    import torch.distributed as dist
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    world = dist.get_world_size()
    fwd = [torch.randn(2 * c + 1) for c in LENET_CHANNELS]
    bwd = [torch.randn(2 * c) for c in LENET_CHANNELS]
    outs = [[torch.empty_like(t) for _ in range(world)] for t in fwd]

    def one_step():
        for t, o in zip(fwd, outs):
            dist.all_gather(o, t)
        for t in reversed(bwd):
            dist.all_reduce(t)
    for _ in range(20):
        one_step()
    dist.barrier()
    start, n = time.perf_counter(), 300
    for _ in range(n):
        one_step()
    seconds = (time.perf_counter() - start) / n
    if dist.get_rank() == 0:
        Path(out).write_text(json.dumps({"world_size": world, "seconds_per_step": seconds}))
    dist.destroy_process_group()


def job(cfg, folder):
    """(rank 0's result, the job's wall seconds) of one DDP job."""
    from bnviz.distributed import launch
    result = launch(cfg, Path(folder) / f"w{cfg.world_size}-{cfg.capture}-{cfg.gather_every}.bnviz")
    return result.ranks[0], result.seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--worlds", default="1,2,4")
    parser.add_argument("--out", default=None, help="also write the lines to this file")
    parser.add_argument("--collectives", default=None, help=argparse.SUPPRESS)  # a rank of the collectives job
    args = parser.parse_args()
    if args.collectives:
        return collectives_worker(args.collectives)
    from bnviz import load_fashion_mnist
    from bnviz.distributed import DDPConfig, run_processes, sync_bn_problem
    lines = []

    def say(line=""):
        print(line, flush=True)
        lines.append(line)
    cores = len(os.sched_getaffinity(0))
    gpu = torch.cuda.is_available()
    say(f"data: {load_fashion_mnist().describe()}")
    say(f"machine: {cores} CPU cores{', ' + torch.cuda.get_device_name() if gpu else ', no GPU'}; torch "
        f"{torch.__version__}; global batch {args.batch_size}, {args.steps} steps per job (first 3 not timed); "
        f"gloo on the CPU, 1 torch thread per replica (on a busy 2-core machine 2 threads in one process "
        f"ran 9-90x slower than 1: OpenMP threads wait for each other)")
    say()
    say(f"load average before the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (other work on this "
        f"machine slows every job; each figure is the best of {args.rounds} rounds, run alternately)")
    say()
    say(f"{'replicas':>8}  {'per replica':>11}  {'no capture':>12}  {'capture every step':>19}  {'ratio':>6}  "
        f"{'one gather of 10 steps':>24}")
    worlds = [int(w) for w in args.worlds.split(",")]
    best = {}  # (world, capture) -> rank 0's result with the highest examples/s
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            for n in worlds:
                for capture in (False, True):
                    cfg = DDPConfig(world_size=n, batch_size=args.batch_size, steps=args.steps, device="cpu",
                                    capture=capture, gather_every=10, threads=1)
                    r, _ = job(cfg, folder)
                    if r["examples_per_s"] > best.get((n, capture), {"examples_per_s": 0})["examples_per_s"]:
                        best[n, capture] = r
        base = {n: best[n, False]["examples_per_s"] for n in worlds}
        for n in worlds:
            plain, rec = best[n, False], best[n, True]
            say(f"{n:>8}  {args.batch_size // n:>11}  {plain['examples_per_s']:>8,.0f} ex/s  "
                f"{rec['examples_per_s']:>14,.0f} ex/s  {rec['examples_per_s'] / plain['examples_per_s']:>5.2f}x  "
                f"{rec['gather_seconds'] * 1e3 / rec['gathers']:>11.1f} ms (mean of {rec['gathers']})")
        rec = best[worlds[-1], True]
        say(f"gathered per replica per step: {rec['gather_bytes'] / args.steps / 1024:.1f} KiB of columns (LeNet's "
            "4 BN layers), sent with torch.distributed.gather_object; gathers happen between the timed steps, so "
            "the 'capture' column is the hooks' cost alone")
        say(f"with 4 replicas on {cores} cores every replica has fewer than one core: compare the ratios, "
            "not the rows")
        say()
        problem = sync_bn_problem(DDPConfig(world_size=2, batch_size=args.batch_size, sync_bn=True, device="auto"))
        if problem is None:
            say("nn.SyncBatchNorm, the real layer (GPU):")
            for n in worlds:
                common = dict(world_size=n, batch_size=args.batch_size, steps=args.steps, device="cuda")
                off, _ = job(DDPConfig(**common), folder)  # best of one: a GPU machine is not shared
                on, _ = job(DDPConfig(sync_bn=True, **common), folder)
                say(f"{n:>8} replicas  BN per replica {off['examples_per_s']:>9,.0f} ex/s  SyncBatchNorm "
                    f"{on['examples_per_s']:>9,.0f} ex/s  ratio {on['examples_per_s'] / off['examples_per_s']:.2f}x")
        else:
            say("nn.SyncBatchNorm: NOT RUN on this CPU — " + problem.split(". Run")[0] + ".")
            say("What it would add, timed apart: per step, for each of LeNet's 4 BN layers, one all_gather of "
                "2C+1 values (forward) and one all_reduce of 2C values (backward), over gloo:")
            for n in [w for w in worlds if w > 1]:
                out = Path(folder) / f"coll{n}.json"
                sec = float("inf")
                for _ in range(args.rounds):
                    run_processes(n, [__file__, "--collectives", str(out)])
                    sec = min(sec, json.loads(out.read_text())["seconds_per_step"])
                step = args.batch_size / base[n]
                say(f"{n:>8} replicas  8 collectives: {sec * 1e3:6.2f} ms per step = {sec / 8 * 1e6:5.0f} us each; "
                    f"a step without them takes {step * 1e3:6.1f} ms: +{sec / step:.0%} "
                    f"(estimated {args.batch_size / (step + sec):,.0f} ex/s)")
            say("(a lower bound: in a real step each collective is also a point where the replicas wait for the "
                "slowest one)")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
