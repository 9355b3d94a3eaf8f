"""The GPU check: one short script (under 5 minutes) for a CUDA machine.

    BNVIZ_DATA=/path/to/fashion-mnist python bench/gpu_check.py
Runs the GPU-marked tests, then prints examples/s of the chapter's loop (DataLoader + ToTensor, as
bench/throughput.py), of bnviz's stepper without and with capture (every step), for the chapter's
BN and nn.BatchNorm, the host-device synchronisations per captured step, and peak GPU memory.
"""
import subprocess
import sys
import time
import warnings
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from chapter_loop import chapter_iter, chapter_train_epoch, torchvision_root  # noqa: E402
from timing import stepper_speed  # noqa: E402

from bnviz import CaptureOptions, RunConfig, lenet, load_fashion_mnist  # noqa: E402


def syncs_per_step(data, norm, steps=32):
    """Synchronisations counted by torch.cuda.set_sync_debug_mode over `steps` captured steps."""
    _, stepper, cap = stepper_speed(data, RunConfig(norm=norm, device="cuda"), 2, CaptureOptions())
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


def main():
    if not torch.cuda.is_available():
        sys.exit("no CUDA device here: this script is for a GPU machine")
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, CUDA {torch.version.cuda}", flush=True)
    t0 = time.time()
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "gpu", "-p", "no:cacheprovider",
                            str(HERE.parent / "tests" / "test_gpu.py")], cwd=HERE.parent)
    print(f"GPU tests: exit {tests.returncode} ({time.time() - t0:.0f} s)", flush=True)
    torch.backends.cudnn.benchmark = True
    data = load_fashion_mnist()
    print(f"data: {data.describe()}", flush=True)
    it = chapter_iter(torchvision_root(data.path if not data.is_subset else None), 256)
    print(f"{'norm':7} {'chapter loop':>13} {'stepper':>10} {'+capture':>10}   ratios vs chapter (capture)")
    for norm in ("custom", "torch"):
        torch.manual_seed(0)
        net = lenet(norm).cuda()
        chapter_train_epoch(net, it, 1.0, "cuda", max_batches=20)  # warm-up: workers, cuDNN
        n, sec = chapter_train_epoch(net, it, 1.0, "cuda")
        chapter = n / sec
        plain, _, _ = stepper_speed(data, RunConfig(norm=norm, device="cuda"), 470)
        torch.cuda.reset_peak_memory_stats()
        captured, _, _ = stepper_speed(data, RunConfig(norm=norm, device="cuda"), 470, CaptureOptions())
        peak = torch.cuda.max_memory_allocated() / 2**20
        print(f"{norm:7} {chapter:13,.0f} {plain:10,.0f} {captured:10,.0f}   "
              f"{plain / chapter:.1f}x ({captured / chapter:.1f}x); peak GPU memory with capture {peak:.0f} MiB",
              flush=True)
    for norm in ("custom", "torch"):
        every10, _, _ = stepper_speed(data, RunConfig(norm=norm, device="cuda"), 470, CaptureOptions(every=10))
        per_step, where = syncs_per_step(data, norm)
        print(f"{norm}: capture every 10th step {every10:,.0f} examples/s; host-device syncs per captured "
              f"step {per_step:.2f} (where: {where})", flush=True)
    print(f"the chapter's GPU figures: 24,819 (custom), 42,484 (nn.BatchNorm) examples/s; "
          f"total {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
