"""Stepper throughput with capture of all four BN layers at every step vs. no capture, one process.

The variants run interleaved, `--rounds` times each, and the median is reported (a machine shared
with other work slows whichever variant runs at that moment). Also prints the bytes per record and
the memory of a 10-epoch capture at every step.
    python bench/capture_cost.py [--steps 200] [--rounds 3] [--threads 1]
--threads 1 trains as the app does (one torch thread per session); 0, the default, is torch's own
count (the cores). The capture's summaries are many small operations that one thread runs either
way, so its share is larger where more threads make the training itself faster.
"""
import statistics
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import setup, stepper_speed  # noqa: E402

from bnviz import RunConfig, Stepper  # noqa: E402
from bnviz.capturing.hooks import CaptureOptions  # noqa: E402


def main():
    args, data = setup(__doc__, steps=200, rounds=3, device="cpu", threads=0)
    variants = [("no capture", None),
                (f"capture, every step (default: {CaptureOptions().sample:,}-value unbiased sample)", CaptureOptions()),
                ("capture, every step, 8,192-value sample (sample=8192)", CaptureOptions(sample=8192)),
                ("capture, every step, all values (sample=None)", CaptureOptions(sample=None)),
                ("capture, every 10th step", CaptureOptions(every=10))]
    for norm in ("custom", "torch"):
        speeds = {label: [] for label, _ in variants}
        for _ in range(args.rounds):
            for label, options in variants:
                ex_s, _, _ = stepper_speed(data, RunConfig(norm=norm, device=args.device), args.steps, options)
                speeds[label].append(ex_s)
        base = statistics.median(speeds["no capture"])
        for label, _ in variants:
            ex_s = statistics.median(speeds[label])
            print(f"{norm:7} {label:60} {ex_s:9,.0f} ex/s   cost {100 * (base / ex_s - 1):5.1f}%   "
                  f"(rounds: {', '.join(f'{v:,.0f}' for v in speeds[label])})", flush=True)
    stepper = Stepper(RunConfig(), data)
    cap = stepper.start_capture(CaptureOptions())
    stepper.run(20)
    h = cap.history
    per_step = sum(h.bytes_per_record(l) for l in h.layers)
    steps = 10 * stepper.steps_per_epoch
    kept = min(steps, CaptureOptions().max_records)
    print("bytes per record: " + ", ".join(f"layer {l}: {h.bytes_per_record(l):,}" for l in h.layers)
          + f"; all four: {per_step:,} per step")
    print(f"10 epochs at every step = {steps:,} records per layer; the history keeps at most "
          f"{CaptureOptions().max_records:,} (first {CaptureOptions().keep_first} + uniform thinning): "
          f"{kept * per_step / 2**20:.1f} MiB (unbounded it would be {steps * per_step / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
