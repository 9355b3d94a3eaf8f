"""Shared timing helper for the benchmarks: examples/s of the stepper, with or without capture."""
import time

import torch

from bnviz import Stepper


def stepper_speed(data, cfg, steps, options=None, warmup=3):
    """(examples/s, stepper, capture) over `steps` timed steps after `warmup` untimed ones."""
    stepper = Stepper(cfg, data)
    cap = stepper.start_capture(options) if options is not None else None
    stepper.run(warmup)
    if stepper.device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    stepper.run(steps)
    if cap is not None:
        cap.history.flush()
    float(stepper.epoch_metrics()[0])  # one sync, as the chapter reads its metrics
    return steps * cfg.batch_size / (time.perf_counter() - start), stepper, cap
