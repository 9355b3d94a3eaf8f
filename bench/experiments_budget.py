"""Every card's default run through the CLI (`python -m bnviz experiment run NAME --json`) with ONE
torch thread, the app's setting (THREADS_PER_SESSION), against the card's budget.

    python bench/experiments_budget.py [--cards bias momentum ...] [--app-cards lr-sweep ...]
                                       [--out bench/results/experiments_budget.txt]

The CLI itself keeps torch's default thread count; each card runs in a fresh process that sets
one thread first and then calls the CLI's own main(). Wall seconds depend on what else the
machine runs; the process's CPU seconds (time.process_time, all threads; data loading included)
much less: with one thread they are about the wall time on an idle core. Both are printed with the
load average before and after each card.

--app-cards also runs those cards the app's way (bnviz.experiments.chunked, in a fresh process with
one thread): chunks of CHUNK_SECONDS, each followed by a pause of TICK_SECONDS - CHUNK_SECONDS, as the
page's fragment draws between chunks (the drawing itself is not measured: an idle pause stands for it).
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bnviz.experiments.catalog import CARDS  # noqa: E402

# Run in the child: one torch thread, then the CLI unchanged; CPU and wall of the whole CLI call
# (data loading included) go to stderr's last line.
CHILD = """
import json, sys, time, torch
torch.set_num_threads(1)
from bnviz.experiments.cli import main
wall, cpu = time.perf_counter(), time.process_time()
main(["run", sys.argv[1], "--json"])
print(json.dumps({"cli_wall": time.perf_counter() - wall, "cli_cpu": time.process_time() - cpu,
                  "threads": torch.get_num_threads()}), file=sys.stderr)
"""

APP_CHILD = """
import json, sys, time, torch
from bnviz.app.cards import CHUNK_SECONDS, TICK_SECONDS
from bnviz.data.fashion_mnist import load_fashion_mnist
from bnviz.experiments.catalog import CARDS
from bnviz.experiments.chunked import ChunkedRun
card, data = CARDS[sys.argv[1]], load_fashion_mnist()
wall, cpu, chunks = time.perf_counter(), time.process_time(), 0
run = ChunkedRun(card, data, card.settings(), threads=1)
while not run.finished:
    run.step(CHUNK_SECONDS)
    chunks += 1
    time.sleep(TICK_SECONDS - CHUNK_SECONDS)
assert run.error is None, run.error
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "chunks": chunks,
                  "worked": run.result.seconds, "chunk": CHUNK_SECONDS, "tick": TICK_SECONDS,
                  "headline": card.brief(run.result)}))
"""


def run_in_chunks(name):
    """One card's default run the app's way, in a fresh process: its timings, load before, after."""
    load = os.getloadavg()[0]
    done = subprocess.run([sys.executable, "-c", APP_CHILD, name], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1]), load, os.getloadavg()[0]


def run_card(name):
    """One card's default run in a fresh process: (the CLI's JSON, the child's timings, load before, after)."""
    load = os.getloadavg()[0]
    done = subprocess.run([sys.executable, "-c", CHILD, name], cwd=ROOT, capture_output=True, text=True,
                          check=True, env={**os.environ, "TQDM_DISABLE": "1"})
    body = json.loads(done.stdout.strip().splitlines()[-1])
    times = json.loads(done.stderr.strip().splitlines()[-1])
    return body, times, load, os.getloadavg()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", nargs="*", default=list(CARDS))
    parser.add_argument("--app-cards", nargs="*", default=[], help="also run these in chunks, as the app")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "experiments_budget.txt"))
    args = parser.parse_args()
    import torch
    head = [f"torch {torch.__version__}, ONE torch thread per card (torch.set_num_threads(1), as the app), "
            f"{os.cpu_count()} CPUs, device cpu; `python -m bnviz experiment run NAME --json`, default settings",
            "card s: the card's own run (JSON 'seconds', wall); CLI wall / CPU s: the whole CLI call, data loading "
            "included; CPU s is time.process_time of that process",
            f"load average at start: {os.getloadavg()[0]:.2f} (a 2-core machine shared with other jobs)", ""]
    print("\n".join(head), flush=True)
    lines = []
    for name in args.cards:
        body, times, before, after = run_card(name)
        assert times["threads"] == 1
        over = "OVER" if times["cli_cpu"] > body["budget_seconds"] else "within"
        line = (f"{name:13} budget {body['budget_seconds']:4g} s  card {body['seconds']:6.1f} s  "
                f"CLI wall {times['cli_wall']:6.1f} s  CPU {times['cli_cpu']:6.1f} s ({over})  "
                f"load {before:.2f}->{after:.2f}  data: {body['data'][:40]}  | {body['headline']}")
        lines.append(line)
        print(line, flush=True)
    if args.app_cards:
        lines += ["", "the app's way: chunks of about CHUNK_SECONDS of work, one per tick of TICK_SECONDS "
                  "(an idle pause stands for the page's drawing); worked s: the chunks' time (CardResult.seconds)"]
        print(lines[-1], flush=True)
    for name in args.app_cards:
        body, before, after = run_in_chunks(name)
        line = (f"{name:13} chunk {body['chunk']:g} s / tick {body['tick']:g} s  {body['chunks']:4d} chunks  "
                f"worked {body['worked']:6.1f} s  wall {body['wall']:6.1f} s  CPU {body['cpu']:6.1f} s  "
                f"load {before:.2f}->{after:.2f}  | {body['headline']}")
        lines.append(line)
        print(line, flush=True)
    Path(args.out).write_text("\n".join(head + lines) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
