"""`capture_ddp(model)`: bnviz.capture in every process of a DDP job, gathered into one recording.

    cap = capture_ddp(net, ddp=ddp_net)      # in every rank, hooks on the replica's BN layers
    for step, (X, y) in enumerate(loader, 1):
        cap.context["step"] = step
        ...                                   # forward through ddp_net, backward, optimiser step
    history = cap.gather()                    # a collective: every rank calls it; rank 0 gets it
    if history is not None:
        bnviz.save_recording(history, "runs/ddp.bnviz")

Each rank records what ITS replica did: its batch statistics (over its own shard), its moving
statistics before and after, and, for nn.SyncBatchNorm layers, the statistics it actually
normalised with, read back from the layer's output (stats.normalised_with). `gather()` moves the
records since the last gather to rank 0 with torch.distributed.gather_object and empties the
ranks' stores, so a rank holds at most the records of one gather interval.
"""
import time

import torch
import torch.distributed as dist
from torch import nn

from ..capturing.history import History
from ..capturing.hooks import capture

from .merge import Gathered
from .stats import normalised_with


class DistributedCapture:
    """bnviz.capture on this rank's replica, plus SyncBatchNorm's statistics and the step's loss."""

    def __init__(self, model, layers=None, options=None, ddp=None, group=None, describe=None):
        if not (dist.is_available() and dist.is_initialized()):
            raise RuntimeError("capture_ddp needs torch.distributed initialised in this process "
                               "(dist.init_process_group); for one process use bnviz.capture")
        self.group = group
        self.rank, self.world_size = dist.get_rank(group), dist.get_world_size(group)
        self.capture = capture(model, layers, options).attach()
        self.context = self.capture.context  # set context["step"] before each step
        self.layer_facts = dict(self.capture.history.meta.get("layers", {}))
        self.sync_layers = [name for name, m in self.capture.layers.items() if isinstance(m, nn.SyncBatchNorm)]
        self.describe = {"world_size": self.world_size, "backend": dist.get_backend(group),
                         "sync_bn": bool(self.sync_layers),
                         "broadcast_buffers": broadcasts_buffers(ddp), **(describe or {})}
        self._normalised = {name: [] for name in self.sync_layers}  # (step, mean, var) per pass
        self._log = []  # (step, loss, correct, examples) per step, tensors until a gather
        self._handles = [self.capture.layers[name].register_forward_hook(self._sync_hook(name))
                         for name in self.sync_layers]
        self._handles.append(model.register_forward_pre_hook(self._batch_hook))
        self.gathered = Gathered(self.layer_facts) if self.rank == 0 else None
        self.gathers, self.gather_seconds, self.gather_bytes = 0, 0.0, 0

    # --- recording -----------------------------------------------------------------------------
    def _sync_hook(self, name):
        def hook(module, args, output):
            if self.capture.enabled and module.training and torch.is_grad_enabled():
                mean, var = normalised_with(args[0], output, module.weight, module.bias, module.eps)
                self._normalised[name].append((self.context["step"], mean.float(), var.float()))
        return hook

    def _batch_hook(self, module, args):
        if "per_rank_batch" not in self.describe and args and torch.is_tensor(args[0]):
            self.describe["per_rank_batch"] = int(args[0].shape[0])

    def log_step(self, loss, correct=None, examples=None):
        """Note this rank's loss (and correct predictions out of `examples`) for the current step."""
        self._log.append((self.context["step"], loss.detach().float(),
                          None if correct is None else torch.as_tensor(correct).detach().float(), examples))

    def detach(self):
        """Remove every hook (idempotent)."""
        self.capture.detach()
        while self._handles:
            self._handles.pop().remove()

    # --- gathering -----------------------------------------------------------------------------
    def _drain(self):
        """This rank's records since the last gather, as plain numpy columns; the store starts anew."""
        h = self.capture.history
        payload = {"rank": self.rank,
                   "columns": {l: {f: h.column(l, f).copy() for f in h.fields(l)} for l in h.layers},
                   "ranges": {l: dict(h.ranges.get(l, {})) for l in h.layers},
                   "bins": {l: int(h.bins.get(l, 0)) for l in h.layers},
                   "normalised": {name: {"step": [s for s, _, _ in recs],
                                         "mean": torch.stack([m for _, m, _ in recs]).cpu().numpy() if recs else None,
                                         "var": torch.stack([v for _, _, v in recs]).cpu().numpy() if recs else None}
                                  for name, recs in self._normalised.items()},
                   "log": {"step": [s for s, _, _, _ in self._log],
                           "loss": [float(l) for _, l, _, _ in self._log],
                           "correct": [None if c is None else float(c) for _, _, c, _ in self._log],
                           "examples": [e for _, _, _, e in self._log]}}
        fresh = History(h.max_records, h.keep_first, h.flush_every)
        fresh.meta = h.meta
        self.capture.history = fresh
        self._normalised = {name: [] for name in self.sync_layers}
        self._log = []
        return payload

    def gather(self):
        """Collect every rank's records since the last gather into rank 0's recording.

        A collective: every rank must call it at the same point. Returns the History with a rank
        dimension (layers "rank{r}/{layer}", see reading.py) on rank 0, None on the others.
        """
        payload = self._drain()
        start = time.perf_counter()
        received = [None] * self.world_size if self.rank == 0 else None
        dist.gather_object(payload, received, dst=0, group=self.group)
        self.gather_seconds += time.perf_counter() - start
        self.gathers += 1
        self.gather_bytes += sum(c.nbytes for cols in payload["columns"].values() for c in cols.values())  # columns only
        if self.rank != 0:
            return None
        self.gathered.add(received)
        describe = dict(self.describe, gathers=self.gathers, gather_seconds=self.gather_seconds,
                        gather_bytes_per_rank=self.gather_bytes)
        return self.gathered.history(describe)


def broadcasts_buffers(ddp):
    """Whether DDP overwrites every replica's buffers (BN's running stats) with rank 0's before each
    forward; None when no DDP module was given."""
    if ddp is None:
        return None
    return bool(getattr(ddp, "forward_sync_buffers", getattr(ddp, "broadcast_buffers", False)))


def capture_ddp(model, layers=None, options=None, ddp=None, group=None, describe=None):
    """Record the BN layers of this rank's replica in a DDP job; gather() collects all ranks.

    Args:
        model: the replica's model, the module wrapped by DistributedDataParallel (`ddp.module`),
            so that layer names are those of the plain model ("1", not "module.1").
        layers, options: as for bnviz.capture (names from model.named_modules(), a CaptureOptions).
        ddp: the DistributedDataParallel wrapper, to record whether it broadcasts buffers.
        group: the process group (default: the whole world).
        describe: more facts for the recording's meta["distributed"] (e.g. global_batch).
    Returns:
        A DistributedCapture with hooks attached: set `.context["step"]` each step, call
        `.gather()` on every rank (at the end, or every k steps), `.detach()` when done.
    """
    return DistributedCapture(model, layers, options, ddp, group, describe)
