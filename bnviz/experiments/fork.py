"""Forks: from any step of a live run, branch a counterfactual and train it beside the original
on the same batches.

The live Stepper is not touched: the original is continued in a copy that makes exactly the
Stepper's steps (same batches, same arithmetic: stepping the live Stepper gives the same numbers),
and the fork in another copy with one change: the learning rate times k, every BN layer replaced
by GroupNorm (LayerNorm after linear layers) / LayerNorm / nothing, BN statistics frozen
(normalise with the moving statistics, which stop updating), or another batch size (the fork's
batches are cut from the same stream of images, starting where the original's next batch starts).
"""
import copy
import math
from dataclasses import dataclass, field
from typing import Optional

import torch
from torch import nn

from ..chapter.batchnorm import BatchNorm
from ..figures.forks import fork_curves
from ..i18n import text

from .norms import FrozenStats, group_norm, layer_norm
from .recompute import TORCH_BN

FORK_NORMS = ("group", "layer", "none")  # what a fork may put in place of BN
NORM_WORDS = {"group": "experiments.fork.group", "layer": "experiments.fork.layer_norm",
              "none": "experiments.fork.none"}  # ForkChange.norm -> its words


@dataclass(frozen=True)
class ForkChange:
    """What the fork changes (the defaults change nothing)."""
    lr_factor: float = 1.0  # the fork's lr = the original's x this
    norm: Optional[str] = None  # "group" | "layer" | "none": replaces every BN layer (gamma/beta kept)
    frozen_stats: bool = False  # BN layers normalise with their moving statistics, which stay fixed
    batch_size: Optional[int] = None  # the fork's batch size (None: the original's)

    def __post_init__(self):
        if self.norm is not None and self.norm not in FORK_NORMS:
            raise ValueError(f"norm must be one of {FORK_NORMS} or None, got {self.norm!r}")
        if not (math.isfinite(self.lr_factor) and self.lr_factor > 0):
            raise ValueError(f"lr_factor must be a positive number, got {self.lr_factor!r}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")

    def describe(self, lang="en"):
        """In words, e.g. 'lr x 10, BN -> GroupNorm' (in language `lang`)."""
        parts = []
        if self.lr_factor != 1:
            parts.append(text("experiments.fork.lr", lang, k=self.lr_factor))
        if self.norm:
            parts.append(text(NORM_WORDS[self.norm], lang))
        if self.frozen_stats:
            parts.append(text("experiments.fork.frozen", lang))
        if self.batch_size:
            parts.append(text("experiments.fork.batch", lang, n=self.batch_size))
        return text("experiments.fork.sep", lang).join(parts) or text("experiments.fork.no_change", lang)


@dataclass
class ForkResult:
    """Per-step loss and batch accuracy of the original and the fork from `start_step` on."""
    start_step: int  # the step the fork branched after
    change: str  # ForkChange.describe()
    steps: list = field(default_factory=list)  # global step numbers
    original: dict = field(default_factory=lambda: {"loss": [], "acc": []})
    fork: dict = field(default_factory=lambda: {"loss": [], "acc": []})
    test_acc: dict = field(default_factory=dict)  # {"original": ..., "fork": ...} at the end
    fork_diverged_at: Optional[int] = None  # global step of the fork's first non-finite loss
    models: dict = field(default_factory=dict, repr=False)  # {"original", "fork"}: the trained copies

    def table(self):
        """One row per step."""
        return [{"step": s, "original loss": a, "fork loss": b, "original acc": c, "fork acc": d}
                for s, a, b, c, d in zip(self.steps, self.original["loss"], self.fork["loss"],
                                         self.original["acc"], self.fork["acc"])]


def replace_bn(model, make):
    """Replace every BN layer of `model` by make(layer) in place; returns the model."""
    for name, module in list(model.named_modules()):
        if isinstance(module, (BatchNorm, TORCH_BN)):
            parent_name, _, child = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            setattr(parent, child, make(module))
    return model


def _as_norm(kind):
    def make(layer):
        c = layer.num_features
        if kind == "none":
            return nn.Identity()
        conv = layer.num_dims == 4 if isinstance(layer, BatchNorm) else not isinstance(layer, nn.BatchNorm1d)
        # as build.py: GroupNorm groups channels after a convolution, LayerNorm after a linear layer
        new = group_norm(c) if kind == "group" and conv else layer_norm(c)
        gamma = layer.gamma if isinstance(layer, BatchNorm) else layer.weight
        beta = layer.beta if isinstance(layer, BatchNorm) else layer.bias
        with torch.no_grad():
            new.weight.copy_(gamma.reshape(-1))
            new.bias.copy_(beta.reshape(-1))
        return new.to(gamma.device)
    return make


# Every per-module hook dict of nn.Module: deepcopy copies them, and a hook is a function, which
# deepcopy shares, not copies. A copy of a live model would then feed the live run's capture.
HOOK_DICTS = ("_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
              "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_backward_hooks", "_backward_pre_hooks")


def bare_copy(model):
    """A deep copy of `model` without any of its modules' hooks (a live run's capture stays its own)."""
    net = copy.deepcopy(model)
    for module in net.modules():
        for name in HOOK_DICTS:
            hooks = getattr(module, name, None)
            if hooks is not None:
                hooks.clear()
    return net


def forked_model(model, change):
    """A copy of `model` with `change` applied to its layers (the lr and batch size are applied by fork())."""
    net = bare_copy(model)
    if change.norm is not None:
        replace_bn(net, _as_norm(change.norm))
    if change.frozen_stats:
        replace_bn(net, FrozenStats)
    return net


def _batches(stepper, start):
    """Index tensors of the original's batches from step `start` on (what Stepper.step would use)."""
    step = start
    while True:
        epoch, batch = divmod(step, stepper.steps_per_epoch)
        yield stepper.order.indices(epoch, batch)
        step += 1


def _restream(batches, size):
    """Cut the same stream of images into batches of `size`."""
    buffer = None
    for idx in batches:
        buffer = idx if buffer is None else torch.cat([buffer, idx])
        while len(buffer) >= size:
            yield buffer[:size]
            buffer = buffer[size:]


def _sgd_step(model, optimizer, loss_fn, data, idx):
    """Exactly the Stepper's step: forward in training mode, mean cross-entropy, backward, SGD."""
    X = data.train_images[idx].unsqueeze(1).float().div(255)  # (B, 1, 28, 28), as ToTensor
    y = data.train_labels[idx]
    model.train()
    y_hat = model(X)
    loss = loss_fn(y_hat, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return float(loss.detach()), float((y_hat.detach().argmax(dim=1) == y).float().mean())


def fork(stepper, change, steps, progress=None, evaluate=True):
    """Branch `change` off `stepper` at its current step and train original and fork `steps` steps.

    Args:
        stepper: a live bnviz.Stepper (left exactly as it was).
        change: a ForkChange.
        steps: steps for each.
        progress: optional progress(done, total).
        evaluate: test accuracy of both at the end (on the stepper's test images).
    Returns:
        A ForkResult.
    """
    cfg, start = stepper.config, stepper.step_count
    original = bare_copy(stepper.model)
    opt_original = torch.optim.SGD(original.parameters(), lr=cfg.lr)
    opt_original.load_state_dict(copy.deepcopy(stepper.optimizer.state_dict()))
    forked = forked_model(stepper.model, change)
    opt_fork = torch.optim.SGD(forked.parameters(), lr=cfg.lr * change.lr_factor)
    same = change.batch_size is None or change.batch_size == cfg.batch_size
    fork_batches = (_batches(stepper, start) if same else _restream(_batches(stepper, start), change.batch_size))
    result = ForkResult(start, change.describe())
    loss_fn = nn.CrossEntropyLoss()
    for i, idx in enumerate(_batches(stepper, start)):
        if i == steps:
            break
        result.steps.append(start + i + 1)
        loss, acc = _sgd_step(original, opt_original, loss_fn, stepper.data, idx)
        result.original["loss"].append(loss)
        result.original["acc"].append(acc)
        fidx = next(fork_batches)
        if result.fork_diverged_at is None:
            loss, acc = _sgd_step(forked, opt_fork, loss_fn, stepper.data, fidx)
            if not math.isfinite(loss):
                result.fork_diverged_at = result.steps[-1]
        else:
            loss, acc = float("nan"), float("nan")
        result.fork["loss"].append(loss)
        result.fork["acc"].append(acc)
        if progress is not None:
            progress(i + 1, steps)
    if evaluate:
        result.test_acc = {"original": stepper.evaluate(model=original),
                           "fork": stepper.evaluate(model=forked) if result.fork_diverged_at is None
                           else float("nan")}
    result.models.update(original=original, fork=forked)
    return result


def fork_figure(result, before=None, lang="en"):
    """The fork's loss and batch accuracy overlaid on the original's; `before` optionally adds the
    original's curve up to the fork: {"steps": [...], "loss": [...], "acc": [...]}."""
    return fork_curves(result, before, lang=lang)
