"""CUDA checks (marked gpu: skipped, with the reason, on a machine without CUDA; bench/gpu_check.py runs them)."""
import pytest
import torch
from torch import nn
from torch.testing import assert_close

from bnviz import BatchNorm, RunConfig, Stepper, lenet
from bnviz.capturing.hooks import CaptureOptions, capture

pytestmark = pytest.mark.gpu


def test_chapter_layer_on_cuda_matches_nn_batchnorm():
    torch.manual_seed(0)
    ours = BatchNorm(16, 4).cuda()
    theirs = nn.BatchNorm2d(16).cuda()
    for _ in range(3):
        X = torch.randn(32, 16, 8, 8, device="cuda") * 3 + 1
        assert_close(ours(X), theirs(X), atol=1e-5, rtol=1e-5)
    assert ours.moving_mean.is_cuda and ours.moving_var.is_cuda
    assert_close(ours.moving_mean.reshape(-1), theirs.running_mean)


def test_stepper_on_cuda_follows_the_cpu_run(small_data):
    losses = {}
    for device in ("cpu", "cuda"):
        s = Stepper(RunConfig(norm="custom", batch_size=128, seed=1, device=device), small_data)
        losses[device] = [s.step().loss for _ in range(5)]
        assert s.data.train_images.device.type == device
    assert losses["cuda"] == pytest.approx(losses["cpu"], rel=1e-3)


@pytest.mark.parametrize("norm", ["custom", "torch"])
def test_capture_on_cuda_matches_plain_torch(norm):
    torch.manual_seed(0)
    net = lenet(norm).cuda()
    X = torch.rand(64, 1, 28, 28, device="cuda")
    with capture(net, options=CaptureOptions(sample=None, bins=16)) as cap:
        net[:2](X)
    h = cap.history
    conv = net[0](X).detach()
    assert_close(torch.from_numpy(h.last("1", "batch_mean")), conv.mean(dim=(0, 2, 3)).cpu())
    assert_close(torch.from_numpy(h.last("1", "batch_var")), conv.var(dim=(0, 2, 3), unbiased=False).cpu())
    assert h.last("1", "hist_input").sum() == conv.numel()
    lo, hi = h.ranges["1"]["input"]
    cpu = torch.histc(conv.cpu().clamp(lo - (hi - lo) / 16, hi), 18, lo - (hi - lo) / 16, hi + (hi - lo) / 16)
    assert (torch.from_numpy(h.last("1", "hist_input")).float() - cpu).abs().sum() <= 2  # edge rounding


def test_capture_makes_few_host_device_syncs(small_data):
    """Between flushes a captured eager step makes no synchronisation of its own (epoch ends do: the
    epoch's metrics, the test evaluation and the next epoch's order; 16 steps here stay inside one)."""
    s = Stepper(RunConfig(norm="custom", batch_size=64, device="cuda"), small_data, cuda_graphs=False)
    cap = s.start_capture(CaptureOptions())
    s.run(2)  # ranges chosen (one sync each, on the first pass)
    cap.history.flush()
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for _ in range(3):  # 12 records, fewer than flush_every (64): no copy to the host yet
            s.step()
    finally:
        torch.cuda.set_sync_debug_mode("default")
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            s.run(5)  # 20 more records, then one flush: one copy to the host
            cap.history.flush()
        finally:
            torch.cuda.set_sync_debug_mode("default")
    syncs = [w for w in caught if "synchroniz" in str(w.message)]
    assert len(syncs) <= 2, [f"{w.filename}:{w.lineno}" for w in syncs]


def test_session_on_cuda(small_data):
    from bnviz.debug.live_run import LiveRun
    session = LiveRun(small_data, RunConfig(batch_size=128, device="cuda"))
    session.advance(3)
    assert session.where()["device"].startswith("cuda") and len(session.history) == 3
    pop = session.compute_population()
    assert pop.mean["1"].shape == (6,)


@pytest.fixture
def deterministic():
    """cuDNN's deterministic algorithms, so that two runs of the same steps agree to the bit."""
    before = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    yield
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = before


@pytest.mark.parametrize("norm", ["custom", "torch"])
def test_replayed_steps_equal_eager_steps(small_data, norm, deterministic):
    """Two epochs and a bit with two captures (every step; every 3rd, all values), once eagerly and
    once with CUDA graphs: the same losses, weights and every recorded field."""
    import numpy as np
    runs = {}
    for graphs in (False, True):
        s = Stepper(RunConfig(norm=norm, batch_size=100, seed=3, device="cuda"), small_data, cuda_graphs=graphs)
        caps = (s.start_capture(CaptureOptions(raw_values=4)), s.start_capture(CaptureOptions(every=3, sample=None)))
        losses = [s.step().loss for _ in range(2 * s.steps_per_epoch + 3)]  # 11 batches/epoch, the last of 24
        runs[graphs] = s, caps, losses
    (eager, eager_caps, eager_losses), (replayed, caps, losses) = runs[False], runs[True]
    assert replayed.graphs.problems == {}, replayed.graphs.problems
    assert replayed.graphs.replayed >= 12 and len(replayed.graphs.replays) == 2
    assert losses == pytest.approx(eager_losses, rel=1e-5, abs=1e-6)
    for (k, a), b in zip(eager.model.state_dict().items(), replayed.model.state_dict().values()):
        assert_close(a, b, rtol=1e-5, atol=1e-6, msg=k)
    assert [e.test_acc for e in replayed.epochs] == pytest.approx([e.test_acc for e in eager.epochs], abs=2 / 512)
    for ce, cr in zip(eager_caps, caps):
        he, hr = ce.history, cr.history
        assert he.layers == hr.layers and len(he) == len(hr)
        for layer in he.layers:
            assert he.fields(layer) == hr.fields(layer)
            for field in he.fields(layer):
                a, b = he.column(layer, field), hr.column(layer, field)
                if field.startswith("hist_"):  # counts: a value on a bin edge may round either way
                    assert (a.sum(axis=1) == b.sum(axis=1)).all() and np.abs(a - b).sum(axis=1).max() <= 2
                else:
                    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=f"{layer} {field}")
        raw_e, raw_r = ce.recent["1"], cr.recent["1"]
        assert [st for st, _ in raw_e] == [st for st, _ in raw_r]
        for (_, a), (_, b) in zip(raw_e, raw_r):
            for key in a:
                assert_close(a[key].float(), b[key].float(), rtol=1e-4, atol=1e-5)


def test_replays_make_no_host_device_sync(small_data):
    """Replayed steps, and the history's copies to the host between them, never wait for the GPU."""
    s = Stepper(RunConfig(norm="custom", batch_size=16, device="cuda"), small_data)  # 64 steps an epoch
    cap = s.start_capture(CaptureOptions())
    s.run(16)  # two warm-up steps, then the graph is recorded and replayed; a first copy of 64 records
    cap.history.flush()  # (pinned host memory of that size set up), waited for
    assert len(s.graphs.replays) == 1 and s.graphs.replayed == 14
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for _ in range(20):  # 80 records: a copy to the host starts, none is waited for (steps 17-36:
            s.step()         # no epoch end, whose metrics would wait)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert s.graphs.replayed == 34 and len(cap.history) == 36  # reading waits for the copies


def test_a_model_with_other_hooks_is_never_replayed(small_data):
    s = Stepper(RunConfig(norm="torch", batch_size=64, device="cuda"), small_data)
    s.start_capture()
    calls = []
    s.model[1].register_forward_hook(lambda m, a, o: calls.append(1))
    s.run(6)
    assert len(calls) == 6 and s.graphs.replayed == 0 and s.graphs.eager == 6


def test_session_rewinds_and_replays_on_cuda(small_data):
    from bnviz.debug.live_run import LiveRun
    session = LiveRun(small_data, RunConfig(batch_size=128, device="cuda"))
    session.advance(7)
    first = list(session.log.loss)
    assert session.stepper.graphs.replayed >= 4
    session.rewind(2)
    session.advance(5)
    assert session.log.loss == pytest.approx(first, rel=1e-4)
    assert list(session.history.column("1", "step")) == list(range(1, 8))
