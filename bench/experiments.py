"""Every experiment card's default run, once, on this machine: its seconds against its budget, and
its result beside the published headline, how far apart they are and why.

    python bench/experiments.py [--cards bias momentum ...] [--threads N] [--out bench/results/experiments.txt]

Wall seconds depend on what else the machine runs; CPU seconds (this process, all threads) do
much less, and with --threads 1 they are about the wall time on an idle core. Both are printed,
with the load average before and after each card.
"""
import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bnviz import load_fashion_mnist  # noqa: E402
from bnviz.experiments.catalog import CARDS  # noqa: E402


def block(card, result, wall, cpu):
    """The text for one card."""
    with pd.option_context("display.width", 250, "display.max_columns", 30, "display.max_colwidth", 50):
        table = pd.DataFrame(result.table).to_string(index=False, float_format=lambda v: f"{v:.4g}")
    return "\n".join([
        f"== {card.name}: {card.title} ==",
        f"question ({card.source}): {card.question}",
        f"settings: {result.settings}",
        f"data: {result.data}",
        f"time: {wall:.1f} s wall, {cpu:.1f} s CPU (budget {card.budget_seconds:g} s: {card.budget_note})",
        "", table, "",
        f"this run:  {card.brief(result)}",
        f"published: {card.published} ({card.citation})",
        f"how far apart, and why: {card.transfer}",
        f"reading: {card.reading(result)}", ""])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", nargs="+", default=list(CARDS))
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "experiments.txt"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    data = load_fashion_mnist()
    head = [f"data: {data.describe()}",
            f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, device cpu",
            f"load average at start: {os.getloadavg()[0]:.1f} (other jobs share this machine)", ""]
    print("\n".join(head), flush=True)
    rows, blocks = [], []
    for name in args.cards:
        card = CARDS[name]
        load = os.getloadavg()[0]
        wall, cpu = time.perf_counter(), time.process_time()
        result = card.run(data, card.settings(device="cpu"))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows.append({"card": name, "budget s": card.budget_seconds, "wall s": round(wall, 1),
                     "CPU s": round(cpu, 1), "load": f"{load:.1f}->{os.getloadavg()[0]:.1f}",
                     "this run": card.brief(result)})
        blocks.append(block(card, result, wall, cpu))
        print(blocks[-1], flush=True)
    with pd.option_context("display.width", 300, "display.max_colwidth", 200):
        summary = pd.DataFrame(rows).to_string(index=False)
    text = "\n".join(head + [summary, ""] + blocks)
    print(summary)
    Path(args.out).write_text(text)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
