"""The GPU check: one short script (under 5 minutes) for a CUDA machine.

    BNVIZ_DATA=/path/to/fashion-mnist python bench/gpu_check.py
Runs the GPU-marked tests, then prints examples/s of the chapter's loop (DataLoader + ToTensor, as
bench/throughput.py) and of bnviz's stepper, eager and replayed as CUDA graphs, without and with
capture (every step, every 10th), for the chapter's BN and nn.BatchNorm; the host-device
synchronisations per captured step; host vs. device time of replayed steps; peak GPU memory; and a
10-epoch `record` on the full data with capture at every step.
"""
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from chapter_loop import chapter_iter, chapter_train_epoch, torchvision_root  # noqa: E402
from timing import speeds, stepper_speed  # noqa: E402

from bnviz import CaptureOptions, RunConfig, Stepper, lenet, load_fashion_mnist  # noqa: E402

STEPS = 470  # two epochs of timed steps (epoch ends, their test evaluation and partial batch included)


def syncs_per_step(data, norm, cuda_graphs, steps=32):
    """Synchronisations counted by torch.cuda.set_sync_debug_mode over `steps` captured steps."""
    _, stepper, cap = stepper_speed(data, RunConfig(norm=norm, device="cuda"), 2, CaptureOptions(),
                                    warmup=4, cuda_graphs=cuda_graphs)
    torch.cuda.synchronize()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            stepper.run(steps)
            cap.history.flush()
        finally:
            torch.cuda.set_sync_debug_mode("default")
    where = {}
    for w in caught:
        key = f"{Path(w.filename).name}:{w.lineno}"
        where[key] = where.get(key, 0) + 1
    return len(caught) / steps, where


def host_and_device(data, norm, options, steps=200):
    """(host ms, wall ms) per replayed step: the host's loop alone vs. until the GPU is done (no
    copy to the host inside: the history flushes after). Equal numbers: the host is the bottleneck."""
    stepper = Stepper(RunConfig(norm=norm, device="cuda"), data)
    cap = stepper.start_capture(options) if options is not None else None
    stepper.run(4)
    if cap is not None:
        cap.history.flush()
        cap.history.flush_every = 10**9
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        stepper.step()  # 200 steps of one epoch: no epoch end inside (steps 5..204)
    host = time.perf_counter() - start
    torch.cuda.synchronize()
    wall = time.perf_counter() - start
    if cap is not None:
        cap.history.flush_every = 64
        cap.history.flush()
    return 1e3 * host / steps, 1e3 * wall / steps, stepper.graphs


def kernel_profile(data, norm, options, steps=5, top=8):
    """The GPU kernels of `steps` eager steps: count, summed device time, the costliest."""
    from torch.profiler import ProfilerActivity, profile
    stepper = Stepper(RunConfig(norm=norm, device="cuda"), data, cuda_graphs=False)
    if options is not None:
        stepper.start_capture(options)
    stepper.run(3)
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        stepper.run(steps)
        torch.cuda.synchronize()
    rows = []
    for avg in prof.key_averages():
        us = getattr(avg, "self_device_time_total", None) or getattr(avg, "self_cuda_time_total", 0)
        if us:
            rows.append((us / steps, avg.count / steps, avg.key[:70]))
    rows.sort(reverse=True)
    print(f"{norm}: per eager step {'with' if options else 'without'} capture, {sum(r[1] for r in rows):.0f} GPU kernels, "
          f"{sum(r[0] for r in rows):.0f} us of kernel time; the costliest:")
    for us, count, name in rows[:top]:
        print(f"  {us:8.1f} us {count:5.1f}x  {name}")


def timed(label, fn):
    try:
        return fn()
    except Exception as err:  # noqa: BLE001 - report and go on: the rest of the check still counts
        print(f"{label}: FAILED {type(err).__name__}: {err}", flush=True)
        return None


def main():
    if not torch.cuda.is_available():
        sys.exit("no CUDA device here: this script is for a GPU machine")
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, CUDA {torch.version.cuda}", flush=True)
    t0 = time.time()
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "gpu", "-p", "no:cacheprovider",
                            str(HERE.parent / "tests")], cwd=HERE.parent, timeout=300)  # every GPU-marked test
    print(f"GPU tests: exit {tests.returncode} ({time.time() - t0:.0f} s)", flush=True)
    torch.backends.cudnn.benchmark = True
    data = load_fashion_mnist()
    print(f"data: {data.describe()}", flush=True)
    it = chapter_iter(torchvision_root(data.path if not data.is_subset else None), 256)
    print(f"examples/s over {STEPS} steps (two epochs: epoch ends, the partial batch and the test "
          f"evaluation included), and in brackets with the test evaluation left out, as the chapter's "
          f"train_ch6 times; cap = capture every step (CaptureOptions()), /10 = every 10th step")
    configs = (("eager", False, None), ("graphs", True, None), ("eager+cap", False, CaptureOptions()),
               ("graphs+cap", True, CaptureOptions()), ("graphs+cap/10", True, CaptureOptions(every=10)))
    for norm in ("custom", "torch"):
        torch.manual_seed(0)
        net = lenet(norm).cuda()
        chapter_train_epoch(net, it, 1.0, "cuda", max_batches=20)  # warm-up: workers, cuDNN
        n, sec = chapter_train_epoch(net, it, 1.0, "cuda")
        print(f"{norm:7} {'chapter loop':14} {n / sec:10,.0f}   (DataLoader, one epoch)", flush=True)
        cfg = RunConfig(norm=norm, device="cuda")
        figure = 24_819 if norm == "custom" else 42_484
        for label, graphs, options in configs:
            torch.cuda.reset_peak_memory_stats()
            result = timed(f"{norm} {label}", lambda: speeds(data, cfg, STEPS, options, cuda_graphs=graphs))
            if result:
                peak = torch.cuda.max_memory_allocated() / 2**20
                print(f"{norm:7} {label:14} {result[0]:10,.0f}  ({result[1]:10,.0f})   {result[0] / figure:5.1f}x "
                      f"({result[1] / figure:5.1f}x) the chapter's {figure:,}; peak GPU memory {peak:.0f} MiB",
                      flush=True)
        steps = 10 * (len(data.train_labels) + 255) // 256
        result = timed(f"{norm} 10 epochs", lambda: speeds(data, cfg, steps, CaptureOptions(), warmup=0))
        if result:
            print(f"{norm:7} {'graphs+cap 10ep':14} {result[0]:10,.0f}  ({result[1]:10,.0f})   {result[0] / figure:5.1f}x "
                  f"({result[1] / figure:5.1f}x): the chapter's whole run ({steps} steps, warm-up and recording "
                  f"included); epochs: {' '.join(f'{e.loss:.3f}/{e.test_acc:.3f}' for e in result[2].epochs)}",
                  flush=True)
    for norm in ("custom", "torch"):
        for graphs in (False, True):
            result = timed(f"syncs {norm}", lambda: syncs_per_step(data, norm, graphs))
            if result:
                print(f"{norm} {'graphs' if graphs else 'eager '}: host-device syncs per captured step "
                      f"{result[0]:.2f} (where: {result[1]})", flush=True)
        for options in (None, CaptureOptions()):
            result = timed(f"host/device {norm}", lambda: host_and_device(data, norm, options))
            if result:
                host, wall, graphs = result
                print(f"{norm}: replayed step {'with' if options else 'without'} capture: host {host:.3f} ms, "
                      f"until the GPU is done {wall:.3f} ms ({256 / wall * 1e3:,.0f} examples/s); replayed "
                      f"{graphs.replayed}, eager {graphs.eager}, problems {graphs.problems or 'none'}", flush=True)
    for options in (None, CaptureOptions()):
        timed("profile", lambda: kernel_profile(data, "custom", options))
    out = Path(tempfile.mkdtemp()) / "lenet.bnviz"
    t1 = time.time()
    rec = subprocess.run([sys.executable, "-m", "bnviz", "record", "--norm", "custom", "--epochs", "10",
                          "--device", "cuda", "--out", str(out)], cwd=HERE.parent, timeout=180)
    print(f"record: exit {rec.returncode} ({time.time() - t1:.0f} s)")
    print(f"the chapter's GPU figures: 24,819 (custom), 42,484 (nn.BatchNorm) examples/s; "
          f"goal for custom with capture: 248,190; total {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
