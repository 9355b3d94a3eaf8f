"""One app session's memory over a 10-epoch run with capture at every step (the app's settings).

    python bench/session_memory.py [--epochs 10]
Prints, per epoch, the bytes the session holds (history, snapshots, logs, model: an object count,
not RSS) and the Python allocations traced by tracemalloc (numpy columns included; torch tensors
are counted through session.memory_bytes()).
"""
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import setup  # noqa: E402
from bnviz import RunConfig  # noqa: E402
from bnviz.debug.live_run import LiveRun  # noqa: E402


def main():
    args, data = setup(__doc__, epochs=10)
    warm = LiveRun(data, RunConfig(device="cpu"))  # lazy imports (torch, sympy) happen here,
    warm.step(1)                                   # not inside the measurement
    warm.compare_precise()
    del warm
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    session = LiveRun(data, RunConfig(device="cpu"))
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        session.run_to_epoch_end()
        current, peak = tracemalloc.get_traced_memory()
        h = session.history
        print(f"epoch {epoch:2d} (step {session.stepper.step_count}): session holds "
              f"{session.memory_bytes() / 2**20:6.1f} MiB (history {h.nbytes() / 2**20:.1f} MiB, "
              f"{len(h)} records per layer kept, snapshots {session.snapshots.nbytes() / 2**20:.1f} MiB); "
              f"tracemalloc current {(current - base) / 2**20:6.1f} MiB, peak {(peak - base) / 2**20:6.1f} MiB; "
              f"{time.perf_counter() - start:.0f} s", flush=True)
    del session, h  # no reference cycle holds it: freed at once, without gc.collect()
    current, _ = tracemalloc.get_traced_memory()
    print(f"after the session is dropped: tracemalloc current {(current - base) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
