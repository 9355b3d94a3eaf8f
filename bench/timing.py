"""Shared timing helper for the benchmarks: examples/s of the stepper, with or without capture."""
import time

import torch

from bnviz import Stepper


def stepper_speed(data, cfg, steps, options=None, warmup=3, **stepper_args):
    """(examples/s, stepper, capture) over `steps` timed steps after `warmup` untimed ones
    (on CUDA those include the graph's warm-up and recording; `cuda_graphs=False` to turn it off)."""
    speed, _, stepper, cap = speeds(data, cfg, steps, options, warmup, **stepper_args)
    return speed, stepper, cap


def speeds(data, cfg, steps, options=None, warmup=3, **stepper_args):
    """(examples/s, examples/s leaving out the epoch-end test evaluations, stepper, capture).

    The second is how the chapter's train_ch6 times (its timer stops around the evaluation)."""
    stepper = Stepper(cfg, data, **stepper_args)
    cap = stepper.start_capture(options) if options is not None else None
    stepper.run(warmup)
    if stepper.device.type == "cuda":
        torch.cuda.synchronize()
    start, eval_before = time.perf_counter(), stepper.eval_seconds
    stepper.run(steps)
    if cap is not None:
        cap.history.flush()
    float(stepper.epoch_metrics()[0])  # one sync, as the chapter reads its metrics
    seconds = time.perf_counter() - start
    examples = steps * cfg.batch_size
    return examples / seconds, examples / (seconds - (stepper.eval_seconds - eval_before)), stepper, cap


def setup(doc, **defaults):
    """Parse `--name value` options with these defaults, load the data and say which; returns
    (args, data). Every benchmark starts this way."""
    import argparse
    from bnviz import load_fashion_mnist
    parser = argparse.ArgumentParser(description=doc)
    for name, default in defaults.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    args = parser.parse_args()
    if getattr(args, "threads", 0):  # a bench that takes --threads (0: torch's default)
        torch.set_num_threads(args.threads)
    data = load_fashion_mnist()
    print(f"data: {data.describe()}; torch {torch.get_num_threads()} threads", flush=True)
    return args, data
