"""`python -m bnviz record`: train with capture and write the history to one .bnviz file."""
import platform
import sys
import time
from pathlib import Path

import torch
from tqdm import tqdm

from ..version import __version__
from ..capturing.hooks import CaptureOptions
from ..capturing.recording import save
from ..debug.live_run import LiveRun
from .options import add_run_options, config_from_args, load_data_or_exit


def add_record_command(sub):
    """Register `record` on the CLI's subparsers."""
    rec = sub.add_parser("record", help="train with capture and write the history to a .bnviz file")
    add_run_options(rec)
    rec.add_argument("--out", required=True, help="the recording to write, e.g. runs/lenet.bnviz")
    rec.add_argument("--every", type=int, default=1, help="capture every k-th training step")
    rec.add_argument("--sample", type=int, default=CaptureOptions().sample,
                     help="values per histogram (0 = every value, exact but slower)")
    rec.add_argument("--max-records", type=int, default=CaptureOptions().max_records,
                     help="records kept per layer (older ones thinned, the first kept)")
    rec.set_defaults(func=cmd_record)


def record(session, epochs, out, progress=True):
    """Train `epochs` epochs of `session` and save its history; returns (path, examples/s)."""
    start, examples = time.perf_counter(), 0
    for _ in range(epochs):
        bar = tqdm(total=session.stepper.steps_per_epoch, desc=f"epoch {session.stepper.epoch}",
                   leave=False, file=sys.stderr, disable=None if progress else True)
        for _ in range(session.stepper.steps_per_epoch):
            session.advance(1)
            bar.update()
            if session.diverged:
                break
        bar.close()
        if session.diverged:
            print(session.stopped_because)
            break
        e = session.stepper.epochs[-1]
        examples += e.examples
        print(f"epoch {e.epoch}: loss {e.loss:.3f}, train acc {e.train_acc:.3f}, test acc {e.test_acc:.3f}",
              flush=True)
    seconds = time.perf_counter() - start
    history = session.to_history()
    history.meta.update(versions={"bnviz": __version__, "torch": torch.__version__,
                                  "python": platform.python_version()},
                        capture={"every": session.capture.options.every, "sample": session.capture.options.sample,
                                 "bins": session.capture.options.bins},
                        seconds=seconds)
    return save(history, out), examples / seconds if seconds else 0.0


def cmd_record(args):
    options = CaptureOptions(every=args.every, sample=args.sample or None, max_records=args.max_records,
                             raw_values=0)
    session = LiveRun(load_data_or_exit(args), config_from_args(args), capture_options=options)
    if not session.has_bn:
        sys.exit("error: --norm none has no BN layer to record; use custom or torch")
    print(f"device: {session.stepper.device}; capture every {args.every} step(s)", flush=True)
    path, speed = record(session, args.epochs, Path(args.out))
    size = path.stat().st_size
    print(f"wrote {path} ({size / 2**20:.2f} MiB, {size / 2**20 / max(args.epochs, 1):.2f} MiB per epoch); "
          f"{speed:,.0f} examples/s with capture")
