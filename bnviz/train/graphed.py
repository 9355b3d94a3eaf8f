"""Full training steps replayed as CUDA graphs (CUDA only; the CPU always runs steps eagerly).

A training step of the chapter's LeNet is a few hundred small kernels, and capture adds about fifty
per BN layer; launched one by one from Python, the GPU mostly waits for the host. So on CUDA the
Stepper records each kind of full step once as a CUDA graph and then replays it with one launch:
batch gather, forward pass, capture summaries, loss, backward, SGD update and the epoch sums, with
no Python per kernel and no host-device synchronisation. The capture summaries go to side streams
(one per layer, up to SUMMARY_STREAMS), so in the graph they run beside the forward and backward
passes instead of after them: the step's small kernels leave most of the GPU idle.

A *kind* of step is (batch size, which captures record it, the learning rates, the BN layers'
settings). Until a first kind is recorded, a kind needs WARMUP eager steps, after that one (a new
batch shape, say), run on the graphs' own streams, so that cuDNN's algorithm search (per shape) and cuBLAS's per-stream set-up are
done before recording. A replay runs the very kernels the eager step
ran, on the same tensors: between replays only the batch's indices change (copied into the graph's
static index tensor first); what a replay produces (loss, correct count, every capture record) is
packed into one static tensor inside the graph, cloned out with one copy, and handed to each Capture
as views, as if its hooks had run.

Steps that a graph cannot replay run eagerly, exactly as before: the last partial batch of an epoch
(another shape), a capture that copies whole inputs to the host (keep_inputs), a model carrying any
hook that is not one of the stepper's captures (its Python would not run on replay), and any kind of
step whose recording failed (`problems` keeps why).
"""
import threading
from contextlib import ExitStack

import torch
import torch.nn.modules.module as nn_module

from ..capturing.layers import is_bn

WARMUP = 2  # eager steps of the first kind, on the graphs' streams, before it is recorded (later: 1)
SUMMARY_STREAMS = 4
_RECORDING = threading.Lock()  # one recording at a time per process (the app trains in threads)


def replay_settings(model, known_ids):
    """The Python values a recorded step bakes in besides the learning rate (each BN layer's eps,
    momentum and mode rule: changing one makes another kind of step), or None when `model` (or
    torch globally) has a hook whose id is not in `known_ids`: such a hook would run its Python on
    eager steps only, so that model is never replayed. One pass over the modules per step.

    PyTorch has no public API that lists a module's hooks (only register_*_hook handles), so this
    reads its private hook dicts (`_forward_hooks`, ... and the module-global ones): the one place in
    bnviz that does, checked on every torch release by tests/test_graphed.py.
    """
    if (nn_module._global_forward_hooks or nn_module._global_forward_pre_hooks
            or nn_module._global_backward_hooks or nn_module._global_backward_pre_hooks):
        return None
    bn = []
    for m in model.modules():
        for hooks in (m._forward_hooks, m._forward_pre_hooks, m._backward_hooks, m._backward_pre_hooks):
            if any(k not in known_ids for k in hooks):
                return None
        if is_bn(m):
            bn.append((m.eps, m.momentum, getattr(m, "mode_rule", None)))
    if any(p._backward_hooks or getattr(p, "_post_accumulate_grad_hooks", None) for p in model.parameters()):
        return None
    return tuple(bn)


def foreign_hooks(model, known_ids):
    """True when `model` has a hook that is not one of `known_ids` (see replay_settings)."""
    return replay_settings(model, known_ids) is None


@torch.no_grad()
def pack(outputs, deliveries):
    """One flat float tensor of the step's outputs and every delivered record, and its layout.

    Args:
        outputs: the step's 0-dim tensors (loss, correct count), first in the packed tensor.
        deliveries: (capture, layer, record, info, raw) as the hooks produced them.
    Returns:
        (packed, layout): layout lists, per delivery, (capture, layer, info, record spec, raw spec);
        a spec is {key: (start, end, shape)} of floating tensors, or {key: tensor} for a constant
        (the raw values' positions: the same cached tensor every step).
    """
    parts, layout, start = [t.reshape(1).float() for t in outputs], [], len(outputs)

    def spec_of(tensors):
        nonlocal start
        if tensors is None:
            return None
        spec = {}
        for key, t in tensors.items():
            if not t.is_floating_point():
                if key != "position":
                    raise TypeError(f"cannot replay the non-float output {key!r}")
                spec[key] = t  # a constant: the same cached positions every step
                continue
            parts.append(t.reshape(-1).float())
            spec[key] = (start, start + t.numel(), tuple(t.shape))
            start += t.numel()
        return spec

    for cap, layer, rec, info, raw in deliveries:
        layout.append((cap, layer, info, spec_of(rec), spec_of(raw)))
    return torch.cat(parts), layout


def views(out, spec):
    """Views of `out` (a clone of the packed tensor) for one spec; None stays None."""
    if spec is None:
        return None
    return {key: (where if isinstance(where, torch.Tensor) else out[where[0]:where[1]].view(where[2]))
            for key, where in spec.items()}


class StepGraph:
    """One recorded kind of step: its graph, static index tensor, packed outputs and layout."""

    def __init__(self, graph, static_idx, packed, layout, keep):
        self.graph, self.static_idx, self.packed, self.layout = graph, static_idx, packed, layout
        self.keep = keep  # tensors the graph reads that were made outside it: keep them alive

    def run(self, idx):
        """Replay on the batch `idx`; returns (loss, correct) and delivers the capture records."""
        self.static_idx.copy_(idx)
        self.graph.replay()
        out = self.packed.clone()  # the next replay overwrites `packed`
        for cap, layer, info, rec, raw in self.layout:
            cap.deliver(layer, views(out, rec), info, views(out, raw))
        return out[0], out[1].long()  # the count as an eager step gives it (packed as a float)


def record_graph(body, stream):
    """Record `body()` as a CUDA graph on `stream`; returns (graph, what body returned).

    Recording runs no kernel: the step it records is done by the first replay.
    """
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph, stream=stream, capture_error_mode="thread_local"):
        outputs = body()
    return graph, outputs


class StepGraphs:
    """The recorded kinds of full training step of one Stepper, on one CUDA device."""

    def __init__(self, device, stream="new"):
        self.device = device
        # warm-up and recording run on the graphs' own stream (None: the current one, for tests)
        self.stream = torch.cuda.Stream(device) if stream == "new" else stream
        self.summary_streams = ([torch.cuda.Stream(device) for _ in range(SUMMARY_STREAMS)]
                                if self.stream is not None else None)
        self.replays = {}  # kind -> StepGraph
        self.warm = {}  # kind -> eager warm-up steps done
        self.problems = {}  # kind -> why it could not be recorded (it then runs eagerly)
        self.replayed = 0  # steps replayed so far
        self.eager = 0  # steps run eagerly so far (warm-ups, partial batches, fallbacks)

    @staticmethod
    def kind(size, captures, optimizer, settings):
        """What makes steps replayable by one graph: batch size, the recording captures, the
        learning rates and the BN layers' settings (replay_settings)."""
        return (size, tuple(sorted(id(c) for c in captures)),
                tuple(float(g["lr"]) for g in optimizer.param_groups), settings)

    def forget(self, capture=None):
        """Drop every recorded kind (or those that deliver to `capture`)."""
        if capture is None:
            self.replays.clear()
            self.warm.clear()
            return
        for kind in [k for k in self.replays if id(capture) in k[1]]:
            del self.replays[kind]

    def step(self, kind, idx, captures, eager):
        """Run one step of `kind` on the batch `idx`: replayed, or eager (warm-up, fallback).

        `eager(idx)` is the stepper's eager step; it returns (loss, correct) as 0-dim tensors.
        """
        replay = self.replays.get(kind)
        if replay is None and kind not in self.problems:
            if self.warm.get(kind, 0) < (WARMUP if not self.replays else 1):
                self.warm[kind] = self.warm.get(kind, 0) + 1
                return self._on_stream(eager, idx, captures)
            replay = self._record(kind, idx, captures, eager)
        if replay is None:
            self.eager += 1
            return eager(idx)
        self.replayed += 1
        return replay.run(idx)

    def _forked(self, eager, idx, captures, collect=False):
        """`eager(idx)` with the captures' summaries on the summary streams; the current stream then
        waits for the streams the hooks used (in a graph recording, only those may be joined).
        Returns (loss, correct, [(capture, layer, record, info, raw)] when collect=True)."""
        with ExitStack() as routes:
            routed = [(c, routes.enter_context(c.summaries_elsewhere(self.summary_streams, collect)))
                      for c in captures]
            loss, correct = eager(idx)
            for s in set().union(*(used for _, (_, used) in routed)):
                torch.cuda.current_stream(self.device).wait_stream(s)
            collected = [(c, *d) for c, (sink, _) in routed for d in (sink or ())]
        return loss, correct, collected

    def _on_stream(self, eager, idx, captures):
        self.eager += 1
        if self.stream is None:
            return self._forked(eager, idx, captures)[:2]
        current = torch.cuda.current_stream(self.device)
        self.stream.wait_stream(current)
        with torch.cuda.stream(self.stream):
            loss, correct, _ = self._forked(eager, idx, captures)
        current.wait_stream(self.stream)
        loss.record_stream(current)
        correct.record_stream(current)
        return loss, correct

    def _record(self, kind, idx, captures, eager):
        keep = [c.plans for c in captures]  # the constant tensors the graph reads (sampling.Plan)
        static_idx = idx.clone()

        def body():  # the hooks hand their records over, packed with the step's outputs
            loss, correct, collected = self._forked(eager, static_idx, captures, collect=True)
            return pack([loss, correct], collected)

        try:
            with _RECORDING:
                graph, (packed, layout) = record_graph(body, self.stream)
        except Exception as err:  # noqa: BLE001 - any failure: this kind of step stays eager
            self.problems[kind] = f"{type(err).__name__}: {err}"
            return None
        self.replays[kind] = StepGraph(graph, static_idx, packed, layout, keep)
        return self.replays[kind]
