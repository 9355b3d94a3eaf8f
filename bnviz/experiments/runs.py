"""Training for the cards: each variant in its own bnviz.Stepper with the same seed, so every
variant sees the same batches in the same order; divergence stops a run at its first non-finite
loss."""
import math

from ..train.config import RunConfig
from ..train.stepper import Stepper


def stepper_for(model, data, settings, lr, batch_size=256):
    """A Stepper training `model` on `data` with SGD at `lr` (the card's seed fixes the batches).

    CUDA graphs are off: some variants draw noise on the host or carry Python hooks."""
    config = RunConfig(norm="custom", lr=lr, batch_size=batch_size, seed=settings.seed,
                       device=settings.device)
    return Stepper(config, data, model=model, cuda_graphs=False)


def train(stepper, steps, ticker=None, stop_at_nonfinite=True, every=None, on_check=None):
    """Run `steps` steps, recording each step's loss and batch accuracy.

    Args:
        stop_at_nonfinite: stop at the first step whose loss is NaN or infinite.
        every, on_check: call on_check(stepper) after every `every` steps (and after the last).
    Returns:
        {"loss": [...], "acc": [...], "diverged_at": the step (counted from 1 within this call)
         whose loss was first non-finite, or None}.
    """
    out = {"loss": [], "acc": [], "diverged_at": None}
    for i in range(1, steps + 1):
        result = stepper.step()
        loss = result.loss
        out["loss"].append(loss)
        out["acc"].append(result.accuracy)
        if ticker is not None:
            ticker.tick()
        if not math.isfinite(loss) and out["diverged_at"] is None:
            out["diverged_at"] = i
            if stop_at_nonfinite:
                if ticker is not None:
                    ticker.tick(steps - i)
                break
        if on_check is not None and every and (i % every == 0 or i == steps):
            on_check(stepper)
    return out


def epochs_of(stepper):
    """Per-epoch test accuracies of a stepper so far."""
    return [e.test_acc for e in stepper.epochs]


def fluctuation(values):
    """Mean absolute change between consecutive values (the chapter's epoch-to-epoch jumps)."""
    if len(values) < 2:
        return float("nan")
    return sum(abs(b - a) for a, b in zip(values, values[1:])) / (len(values) - 1)


def smooth(values, window=10):
    """Trailing moving average (for noisy per-step curves)."""
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out
