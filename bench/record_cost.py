"""`record` on this machine: examples/s with capture at every step, and file size per epoch.

    python bench/record_cost.py [--epochs 1] [--device cpu]
"""
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import setup  # noqa: E402
from bnviz import CaptureOptions, RunConfig  # noqa: E402
from bnviz.cli.record import record  # noqa: E402
from bnviz.debug.breakpoints import Breakpoints  # noqa: E402
from bnviz.debug.live_run import LiveRun  # noqa: E402


def main():
    args, data = setup(__doc__, epochs=1, device="cpu")
    out = Path(tempfile.mkdtemp(prefix="bnviz-record-"))
    for norm in ("custom", "torch"):
        for every in (1, 10):
            session = LiveRun(data, RunConfig(norm=norm, device=args.device),
                              capture_options=CaptureOptions(every=every, raw_values=0))
            session.breakpoints = Breakpoints(loss_jump=None)
            path, speed = record(session, args.epochs, out / f"{norm}-{every}.bnviz", progress=False)
            size = path.stat().st_size / 2**20
            print(f"record --norm {norm} --every {every:2d}: {speed:8,.0f} examples/s (epoch-end test and "
                  f"population passes included), {size / args.epochs:.2f} MiB per epoch", flush=True)


if __name__ == "__main__":
    main()
