"""Examples/s: the chapter's DataLoader loop vs. bnviz's stepper, same model and data, one process.

    python bench/throughput.py [--batches 235] [--device cpu]
"""
import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from chapter_loop import chapter_iter, chapter_train_epoch, torchvision_root  # noqa: E402

from timing import stepper_speed  # noqa: E402

from bnviz import RunConfig, lenet, load_fashion_mnist  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=235, help="batches timed per run (235 = an epoch)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    data = load_fashion_mnist()
    print(f"data: {data.describe()}; torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"device {args.device}")
    root = torchvision_root()
    it = chapter_iter(root, 256)
    rows = []
    for norm in ("custom", "torch"):
        torch.manual_seed(0)
        net = lenet(norm).to(args.device)
        n, sec = chapter_train_epoch(net, it, 1.0, args.device, max_batches=args.batches)
        chapter = n / sec
        ours, _, _ = stepper_speed(data, RunConfig(norm=norm, device=args.device), args.batches)
        rows.append((norm, chapter, ours))
    print(f"{'norm':8} {'chapter loop ex/s':>18} {'bnviz stepper ex/s':>19} {'ratio':>6}")
    for norm, chapter, ours in rows:
        print(f"{norm:8} {chapter:18,.0f} {ours:19,.0f} {ours / chapter:6.2f}x")


if __name__ == "__main__":
    main()
