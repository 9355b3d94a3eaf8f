"""CUDA checks (marked gpu: skipped, with the reason, on a machine without CUDA; bench/gpu_check.py runs them)."""
import pytest
import torch
from torch import nn
from torch.testing import assert_close

from bnviz import BatchNorm, RunConfig, Stepper, lenet
from bnviz.hooks import CaptureOptions, capture

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
    """Between flushes a captured step makes no synchronisation of its own (epoch ends do: the
    epoch's metrics, the test evaluation and the next epoch's order; 16 steps here stay inside one)."""
    s = Stepper(RunConfig(norm="custom", batch_size=64, device="cuda"), small_data)
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
    from bnviz.session import Session
    session = Session(small_data, RunConfig(batch_size=128, device="cuda"))
    session.step(3)
    assert session.where()["device"].startswith("cuda") and len(session.history) == 3
    pop = session.compute_population()
    assert pop.mean["1"].shape == (6,)
