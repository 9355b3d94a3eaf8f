"""The CPU-testable parts of CUDA-graph replay: which steps may be replayed, and that records packed
into one tensor and handed back as views equal the hooks' own (test_gpu.py replays real graphs)."""
import types

import numpy as np
import torch
from torch import nn

from bnviz import CaptureOptions, RunConfig, Stepper, capture, lenet
from bnviz.train.graphed import StepGraphs, foreign_hooks, pack, views


def test_records_packed_and_unpacked_equal_the_hooks_own():
    torch.manual_seed(0)
    net = lenet("custom")
    X = torch.rand(64, 1, 28, 28)
    opts = CaptureOptions(raw_values=4, bins=8)
    with capture(net, options=opts) as direct:  # the oracle: hooks write the history themselves
        net(X)
    torch.manual_seed(0)
    net2 = lenet("custom")
    with capture(net2, options=opts) as cap:
        cap.ranges = {k: dict(v) for k, v in direct.ranges.items()}
        with cap.summaries_elsewhere(None, collect=True) as (sink, _):  # as while a graph is recorded
            loss = net2(X).sum()
    assert len(cap.history) == 0 and [s[0] for s in sink] == ["1", "5", "10", "13"]
    packed, layout = pack([loss, torch.tensor(7)], [(cap, *s) for s in sink])
    out = packed.clone()
    assert out[0] == loss and out[1] == 7
    for (_, layer, info, rec_spec, raw_spec), (_, rec, _, raw) in zip(layout, sink):
        for key, t in views(out, rec_spec).items():
            assert torch.equal(t, rec[key].float()), (layer, key)
        for key, t in views(out, raw_spec).items():
            assert torch.equal(t, raw[key]), (layer, key)
        cap.deliver(layer, views(out, rec_spec), info, views(out, raw_spec))
    for layer in direct.history.layers:
        for field in direct.history.fields(layer):
            assert np.array_equal(cap.history.column(layer, field), direct.history.column(layer, field),
                                  equal_nan=True), (layer, field)


def test_only_hooks_of_known_captures_allow_replay():
    net = lenet("torch")
    assert not foreign_hooks(net, set())
    cap = capture(net).attach()
    assert foreign_hooks(net, set()) and not foreign_hooks(net, cap.hook_ids)
    handle = net[3].register_forward_pre_hook(lambda m, a: None)  # someone else's hook
    assert foreign_hooks(net, cap.hook_ids)
    handle.remove()
    handle = nn.modules.module.register_module_forward_hook(lambda m, a, o: None)  # a global one
    try:
        assert foreign_hooks(net, cap.hook_ids)
    finally:
        handle.remove()
    handle = net[0].weight.register_hook(lambda g: g)  # a gradient hook on a parameter
    assert foreign_hooks(net, cap.hook_ids)
    handle.remove()
    assert not foreign_hooks(net, cap.hook_ids)


def kinds_of_steps(stepper, n):
    """The kind `stepper` would replay each of its next n steps as (None: eager), stepping eagerly."""
    stepper.graphs = types.SimpleNamespace(kind=StepGraphs.kind, eager=0)  # decisions only, no CUDA
    kinds = []
    for _ in range(n):
        for hook in stepper.before_step:
            hook(stepper.step_count + 1, stepper.epoch, stepper.batch_in_epoch)
        size = len(stepper.order.indices(stepper.epoch - 1, stepper.batch_in_epoch))
        kinds.append(stepper.graph_kind(size)[0])
        graphs, stepper.graphs = stepper.graphs, None
        stepper.step()
        stepper.graphs = graphs
    stepper.graphs = None
    return kinds


def test_which_steps_would_be_replayed(small_data):
    s = Stepper(RunConfig(batch_size=300), small_data)  # 1,024 images: batches of 300, 300, 300, 124
    every = s.start_capture(CaptureOptions())
    third = s.start_capture(CaptureOptions(every=3))
    kinds = kinds_of_steps(s, 8)
    lr, bn = (1.0,), ((1e-5, 0.9, "training"),) * 4
    both, one = (300, tuple(sorted((id(every), id(third)))), lr, bn), (300, (id(every),), lr, bn)
    assert kinds == [both, one, one, None, one, one, both, None]  # steps 1, 4, 7 for every 3rd; 4, 8 partial
    s.stop_capture(third)
    s.optimizer.param_groups[0]["lr"] = 0.5  # another learning rate: another kind of step
    assert kinds_of_steps(s, 1) == [(300, (id(every),), (0.5,), bn)]
    s.model[1].momentum = 0.8  # a BN setting changed by hand: another kind too
    assert kinds_of_steps(s, 1)[0][3] == ((1e-5, 0.8, "training"),) + bn[1:]
    s.start_capture(CaptureOptions(keep_inputs=1))  # copies inputs to the host: eager
    assert kinds_of_steps(s, 1) == [None]


def test_a_foreign_hook_keeps_steps_eager_and_runs_each_step(small_data):
    s = Stepper(RunConfig(batch_size=256), small_data)
    s.start_capture()
    calls = []
    s.model[2].register_forward_hook(lambda m, a, o: calls.append(1))
    assert kinds_of_steps(s, 3) == [None, None, None] and len(calls) == 3


class FakeGraph:
    """Stands in for a CUDA graph on the CPU. Recording runs the body once for real, and that run is
    the first replay (a real recording runs nothing, and its first replay does this step); a later
    replay runs the body again, its hooks silenced as a real replay runs no Python, and writes the
    results into the recorded outputs."""

    def __init__(self, body, packed):
        self.body, self.packed, self.first = body, packed, True

    def replay(self):
        if self.first:
            self.first = False
            return
        packed, _ = self.body()
        self.packed.copy_(packed)


def fake_record_graph(body, stream):
    outputs = body()
    return FakeGraph(body, outputs[0]), outputs


def test_replayed_steps_deliver_what_eager_steps_record(small_data, monkeypatch):
    """The replay machinery on the CPU (warm-up, kinds, packing, delivery, epoch ends), with the
    graph itself faked: the same losses and the same history as plain eager steps."""
    import bnviz.train.graphed as graphed
    monkeypatch.setattr(graphed, "record_graph", fake_record_graph)
    runs = {}
    for replayed in (False, True):
        s = Stepper(RunConfig(batch_size=100, seed=2), small_data)  # 11 batches per epoch, the last of 24
        if replayed:
            s.graphs = StepGraphs("cpu", stream=None)
        caps = (s.start_capture(CaptureOptions(raw_values=4)), s.start_capture(CaptureOptions(every=3)))
        results = [s.step() for _ in range(2 * s.steps_per_epoch + 3)]
        runs[replayed] = s, caps, [(r.step, r.epoch, r.size, r.loss, r.accuracy) for r in results]
    (eager, eager_caps, eager_results), (s, caps, results) = runs[False], runs[True]
    assert s.graphs.problems == {} and len(s.graphs.replays) == 2
    assert s.graphs.replayed == 25 - 2 - 2 * 2 and s.graphs.eager == 6  # 2 partial, 2 warm-ups per kind
    assert results == eager_results
    assert [(e.loss, e.train_acc, e.test_acc) for e in s.epochs] == \
        [(e.loss, e.train_acc, e.test_acc) for e in eager.epochs]
    for ce, cr in zip(eager_caps, caps):
        assert ce.history.layers == cr.history.layers
        for layer in ce.history.layers:
            for field in ce.history.fields(layer):
                assert np.array_equal(ce.history.column(layer, field), cr.history.column(layer, field),
                                      equal_nan=True), (layer, field)
        assert [st for st, _ in ce.recent["5"]] == [st for st, _ in cr.recent["5"]]
        for (_, a), (_, b) in zip(ce.recent["5"], cr.recent["5"]):
            assert all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in a)  # numpy or tensors
