"""Stepper speed with capture of all four BN layers vs. no capture, side by side in one process.

Every variant has its own Stepper (the same seed and data). A round runs each variant for `--chunk`
steps in turn; the cost of a variant is the median over `--rounds` rounds of its time divided by
the no-capture time of the same round (other work on a shared machine slows whichever variant
runs at that moment; a ratio within one round cancels slower drifts), with the quartiles of those
ratios. Also prints the bytes per record and the memory of a 10-epoch capture at every step.
    python bench/capture_cost.py [--chunk 20] [--rounds 15] [--threads 1]
--threads 1 trains as the app does (one torch thread per session); 0, the default, is torch's own
count (the cores). "tensor operations" is the capture's path for CUDA (and other dtypes) run on the
CPU instead of the compiled one (bnviz/capturing/kernel.py): the same numbers, computed as ~60
small tensor operations per layer and step.
"""
import statistics
import sys
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import setup  # noqa: E402

from bnviz import RunConfig, Stepper  # noqa: E402
from bnviz.capturing import compiled  # noqa: E402
from bnviz.capturing.hooks import CaptureOptions  # noqa: E402

VARIANTS = [  # (label, options, compiled CPU path)
    ("no capture", None, True),
    (f"capture, every step (default: {CaptureOptions().sample:,}-value unbiased sample)", CaptureOptions(), True),
    ("capture, every step, tensor operations instead of compiled", CaptureOptions(), False),
    ("capture, every step, 8,192-value sample (sample=8192)", CaptureOptions(sample=8192), True),
    ("capture, every step, all values (sample=None)", CaptureOptions(sample=None), True),
    ("capture, every 10th step", CaptureOptions(every=10), True),
]


def timed(stepper, cap, steps, fast):
    """Seconds for `steps` steps, the capture's records on the host included."""
    compiled.ENABLED = fast
    try:
        start = time.perf_counter()
        stepper.run(steps)
        if cap is not None:
            cap.history.flush()
        return time.perf_counter() - start
    finally:
        compiled.ENABLED = True


def main():
    args, data = setup(__doc__, chunk=20, rounds=15, device="cpu", threads=0)
    print(f"{args.rounds} rounds of {args.chunk} steps per variant, interleaved", flush=True)
    for norm in ("custom", "torch"):
        steppers = []
        for _, options, fast in VARIANTS:
            stepper = Stepper(RunConfig(norm=norm, device=args.device), data)
            cap = stepper.start_capture(options) if options is not None else None
            timed(stepper, cap, 3, fast)  # warm-up: the first pass picks the histogram ranges
            steppers.append((stepper, cap))
        seconds = [[] for _ in VARIANTS]
        for _ in range(args.rounds):
            for i, (_, _, fast) in enumerate(VARIANTS):
                seconds[i].append(timed(*steppers[i], args.chunk, fast))
        for (label, _, _), times in zip(VARIANTS, seconds):
            ratios = [t / base for t, base in zip(times, seconds[0])]
            q1, median, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios * 3)
            ex_s = args.chunk * 256 / statistics.median(times)
            print(f"{norm:7} {label:62} {ex_s:9,.0f} ex/s   cost {100 * (median - 1):6.1f}%   "
                  f"(quartiles {100 * (q1 - 1):+.1f}% .. {100 * (q3 - 1):+.1f}%)", flush=True)
    stepper = Stepper(RunConfig(), data)
    cap = stepper.start_capture(CaptureOptions())
    stepper.run(20)
    h = cap.history
    per_step = sum(h.bytes_per_record(layer) for layer in h.layers)
    steps = 10 * stepper.steps_per_epoch
    kept = min(steps, CaptureOptions().max_records)
    print("bytes per record: " + ", ".join(f"layer {layer}: {h.bytes_per_record(layer):,}" for layer in h.layers)
          + f"; all four: {per_step:,} per step")
    print(f"10 epochs at every step = {steps:,} records per layer; the history keeps at most "
          f"{CaptureOptions().max_records:,} (first {CaptureOptions().keep_first} + uniform thinning): "
          f"{kept * per_step / 2**20:.1f} MiB (unbounded it would be {steps * per_step / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
