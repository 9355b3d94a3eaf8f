"""What a Step's training costs on a busy server: torch threads, and pages drawn beside it.

    python bench/step_contention.py [--steps 15]
Times LiveRun.advance(1) (one training step with the app's capture) in this process: with 1 and
2 torch threads, and with one thread beside 4 threads building Plotly figures (as pages being
drawn do), at Python's default switch interval (5 ms) and at the app server's 1 ms
(bnviz/app/slots.py share_interpreter). Each configuration in its own interpreter: torch's
thread pool is set once per process. Prints median wall and CPU time per step and `uptime`:
the numbers depend on what else runs on the machine.
"""
import argparse
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(threads, drawers, switch, steps):
    import plotly.graph_objects as go
    import torch
    sys.path.insert(0, str(ROOT))
    from bnviz.data.fashion_mnist import load_fashion_mnist
    from bnviz.debug.live_run import LiveRun
    from bnviz.train.config import RunConfig
    torch.set_num_threads(threads)
    sys.setswitchinterval(switch)
    session = LiveRun(load_fashion_mnist(None), RunConfig())
    session.advance(2)  # first steps pay one-off costs
    stop = threading.Event()

    def draw():
        while not stop.is_set():
            go.Figure(go.Histogram(x=list(range(2000)))).to_json()

    pages = [threading.Thread(target=draw) for _ in range(drawers)]
    for t in pages:
        t.start()
    wall, cpu = [], []
    for _ in range(steps):
        t0, c0 = time.perf_counter(), time.thread_time()
        session.advance(1)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    stop.set()
    for t in pages:
        t.join()
    print(f"torch threads {threads}, {drawers} drawing threads beside it, switch interval {1000 * switch:.0f} ms: "
          f"one step median {1000 * statistics.median(wall):5.0f} ms wall, {1000 * statistics.median(cpu):5.0f} ms "
          f"CPU of the training thread")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--one", nargs=3, type=float, help=argparse.SUPPRESS)  # threads drawers switch
    args = parser.parse_args()
    if args.one:
        measure(int(args.one[0]), int(args.one[1]), args.one[2], args.steps)
        return
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    for threads, drawers, switch in [(2, 0, 0.005), (1, 0, 0.005), (1, 4, 0.005), (1, 4, 0.001)]:
        subprocess.run([sys.executable, __file__, "--steps", str(args.steps), "--one", str(threads), str(drawers),
                        str(switch)], check=True, timeout=600)
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
