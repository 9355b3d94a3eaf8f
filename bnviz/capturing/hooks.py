"""`capture(model)`: forward hooks on every BN layer of any model, recording each pass in a History.

    with bnviz.capture(net) as cap:
        net(X)
    cap.history.table("1")          # the first BN layer of the chapter's LeNet, one row per pass

Hooks are per model (never the global module hooks), removed when the block ends, also when it
raised; `attach()`/`detach()` for long-lived use (the app); `detach()` is idempotent.
"""
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch

from .history import History
from .layers import find_bn_layers, layer_facts
from .summaries import before_pass, following_activation, summarise


@dataclass
class CaptureOptions:
    """What a capture records, and how much."""
    bins: int = 64  # histogram bins inside the range (plus an underflow and an overflow cell)
    range_margin: float = 0.5  # the first pass's [min, max] is widened by this share of its width
    sample: Optional[int] = 16384  # values per quantity for histograms/percentiles; None = all
    raw_values: int = 8  # real values per channel (x, x_hat, y) kept for the newest passes, 0 = none
    raw_keep: int = 16  # how many of the newest passes keep those raw values (and per-channel histograms)
    keep_inputs: int = 0  # also keep the whole input tensor of the last K passes per layer (on the CPU)
    every: int = 1  # with a Stepper: record every k-th training step
    capture_eval: bool = False  # also record passes in evaluation (no_grad + eval())
    max_records: int = 4096  # per layer; beyond it older records are thinned, the first kept
    keep_first: int = 256  # records never thinned away

    def __post_init__(self):
        if self.bins < 1 or self.every < 1 or self.max_records < 2 * self.keep_first + 2:
            raise ValueError("CaptureOptions: bins and every must be >= 1, "
                             "and max_records at least 2 * keep_first + 2")
        if self.sample is not None and self.sample < 16:
            raise ValueError("CaptureOptions.sample must be None (all values) or at least 16")


class Capture:
    """Forward hooks on the BN layers of `model` (all, or those named), writing to `self.history`."""

    def __init__(self, model, layers=None, options=None, history=None):
        self.model = model
        self.layers = find_bn_layers(model, layers)
        self.options = options or CaptureOptions()
        self.history = history if history is not None else History(self.options.max_records,
                                                                   self.options.keep_first)
        self.activations = {name: following_activation(model, name) for name in self.layers}
        facts = self.history.meta.setdefault("layers", {})
        for name, module in self.layers.items():
            facts[name] = dict(layer_facts(module), activation=(self.activations[name] or (None,))[0])
        self.ranges = {name: {} for name in self.layers}  # histogram ranges, fixed after pass 1
        self.plans = {name: {} for name in self.layers}  # input shape -> its sampling Plan
        self.inputs = {name: [] for name in self.layers}  # whole inputs of the last keep_inputs passes
        self.recent = {name: [] for name in self.layers}  # (step, raw values) of the newest passes
        self.context = {"step": 0, "epoch": 0}  # set by the stepper before each step
        self.enabled = True  # set per step by a Stepper (capture every k-th step)
        self._sink = None  # a list while a CUDA graph is being recorded (summaries_elsewhere)
        self._streams = None  # CUDA streams for the summaries while a Stepper records or warms up
        self._forked = set()  # which of them the hooks used (the stepper waits for those)
        self._order = {name: i for i, name in enumerate(self.layers)}
        self._handles = []
        self._before = {}

    # --- lifecycle ---------------------------------------------------------------------------
    def attach(self):
        """Register the hooks (a second attach without detach is a no-op)."""
        if self._handles:
            return self
        for name, module in self.layers.items():
            self._handles.append(module.register_forward_pre_hook(self._pre_hook(name)))
            self._handles.append(module.register_forward_hook(self._post_hook(name)))
        return self

    def detach(self):
        """Remove every hook; safe to call more than once."""
        while self._handles:
            self._handles.pop().remove()
        self._before.clear()
        return self

    @property
    def attached(self):
        return bool(self._handles)

    @property
    def hook_ids(self):
        """The ids of this capture's hooks (a Stepper replays only models without other hooks)."""
        return {h.id for h in self._handles}

    def __enter__(self):
        return self.attach()

    def __exit__(self, *exc):
        self.detach()
        return False

    # --- the hooks -----------------------------------------------------------------------------
    def _wanted(self, module):
        if not self.enabled:
            return False
        training_pass = module.training and torch.is_grad_enabled()
        return training_pass or self.options.capture_eval

    # The hooks hold the Capture by weak reference: the model must not keep its capture (and its
    # history) alive, or a closed browser session's memory would wait for the cyclic GC.
    def _pre_hook(self, name):
        ref = weakref.ref(self)

        def hook(module, args):
            cap = ref()
            if cap is not None and cap._wanted(module):
                cap._before[name] = before_pass(module)
        return hook

    def _post_hook(self, name):
        ref = weakref.ref(self)

        def hook(module, args, output):
            cap = ref()
            before = cap._before.pop(name, None) if cap is not None else None
            if before is None:
                return None
            X = args[0]
            stream = cap._streams[cap._order[name] % len(cap._streams)] if cap._streams else None
            if stream is not None:
                cap._forked.add(stream)
            rec, info, raw = summarise(module, X, output, before, cap.ranges[name], cap.options,
                                       cap.activations[name], stream, cap.plans[name], cap._sink is None)
            info["training"], info["grad"] = module.training, torch.is_grad_enabled()
            if cap._sink is not None:  # recording a CUDA graph: each replay delivers these
                cap._sink.append((name, rec, info, raw))
                return None
            cap.deliver(name, rec, info, raw)
            if cap.options.keep_inputs:
                keep = cap.inputs[name]
                keep.append((cap.context["step"], X.detach().to("cpu", copy=True)))
                del keep[:-cap.options.keep_inputs]
            return None  # never changes the output
        return hook

    @contextmanager
    def summaries_elsewhere(self, streams, collect=False):
        """While inside, the hooks compute their summaries on `streams` (CUDA streams, one per
        layer in turn), so that they run beside the training step; with collect=True they hand them
        to the yielded list instead of the history (a recorded CUDA graph delivers them on each
        replay). Yields (collected, used): the list, and the set of streams the hooks used (the
        caller's stream must wait for those). For the Stepper's CUDA graphs (train/graphed.py).
        """
        self._streams, self._forked, self._sink = streams, set(), [] if collect else None
        try:
            yield self._sink, self._forked
        finally:
            self._streams, self._forked, self._sink = None, set(), None

    def deliver(self, layer, rec, info, raw):
        """Store one pass's summaries (from the hook, or from a replay of a recorded CUDA graph)."""
        step = self.context["step"]
        self.history.append(layer, step, self.context["epoch"], rec, info, ranges=self.ranges[layer])
        if raw is not None:
            self.recent[layer].append((step, raw))
            del self.recent[layer][:-self.options.raw_keep]


def raw_at(cap, layer, step=None):
    """The raw values (numpy) of `layer` at `step` (default: the newest), or None if not kept."""
    for s, raw in reversed(cap.recent[layer]):
        if step is None or s == step:
            return {k: v if isinstance(v, np.ndarray) else v.cpu().numpy() for k, v in raw.items()}
    return None


def capture(model, layers=None, options=None, history=None):
    """Hook the BN layers of any model and record every forward pass.

    Args:
        model: any nn.Module with bnviz.BatchNorm or nn.BatchNorm1d/2d/3d layers.
        layers: None for all BN layers, or names from model.named_modules().
        options: a CaptureOptions (bins, sampling, raw values, history bound...).
        history: an existing History to append to (default: a new one).
    Returns:
        A Capture: use it as a context manager (hooks removed at the end, also on error),
        or call attach()/detach(). Its `.history` holds the records.
    """
    return Capture(model, layers, options, history)
