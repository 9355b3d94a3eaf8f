"""Do stale moving statistics explain the test-accuracy drops between epochs?

    python bench/precise_epochs.py [--norm custom] [--seeds 0 1 2] [--epochs 10]
For each epoch end: test accuracy with the moving statistics (what prediction mode uses) and with
statistics recomputed over the training set with the weights frozen (precise BN), and the train
accuracy of the epoch. A drop that precise statistics repair is a stale-statistics drop.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bnviz import RunConfig, load_fashion_mnist  # noqa: E402
from bnviz.capturing.hooks import CaptureOptions  # noqa: E402
from bnviz.debug.breakpoints import Breakpoints  # noqa: E402
from bnviz.debug.live_run import LiveRun  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--norm", nargs="+", default=["custom", "torch"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    data = load_fashion_mnist()
    print(f"data: {data.describe()}")
    for norm in args.norm:
        for seed in args.seeds:
            session = LiveRun(data, RunConfig(norm=norm, seed=seed, device="cpu"),
                              capture_options=CaptureOptions(every=50, raw_values=0))
            session.breakpoints = Breakpoints(loss_jump=None)
            session.step(args.epochs * session.stepper.steps_per_epoch)
            print(f"\nnorm={norm} seed={seed}: epoch, train acc, test acc (moving), test acc (precise), gain")
            prev = None
            for e, p in zip(session.stepper.epochs, session.precise_log):
                flag = "  <- drop" if prev is not None and p["moving"] < prev - 0.03 else ""
                print(f"  {e.epoch:2d}  {e.train_acc:.3f}  {p['moving']:.3f}  {p['precise']:.3f}  "
                      f"{p['precise'] - p['moving']:+.3f}{flag}", flush=True)
                prev = p["moving"]


if __name__ == "__main__":
    main()
