"""The hook API against independent recomputation with plain torch, and its lifecycle."""
import numpy as np
import pytest
import torch
from torch import nn
from torch.testing import assert_close

from bnviz import BatchNorm, RunConfig, Stepper, lenet
from bnviz.capturing.hooks import CaptureOptions, capture, raw_at


def make_layer(kind, dims, c=5):
    torch.manual_seed(0)
    if kind == "custom":
        layer = BatchNorm(c, num_dims=dims)
        g, b = layer.gamma, layer.beta
    else:
        layer = (nn.BatchNorm2d if dims == 4 else nn.BatchNorm1d)(c, eps=1e-3)
        g, b = layer.weight, layer.bias
    with torch.no_grad():
        g.copy_(torch.rand_like(g) + 0.5)
        b.copy_(torch.randn_like(b))
    return nn.Sequential(layer, nn.Sigmoid())


def oracle_hist(v, lo, hi, bins):
    """Counts in [lo, hi) per bin, plus below lo and >= hi, by bucketize over explicit edges."""
    edges = torch.linspace(lo, hi, bins + 1, dtype=torch.float64)
    inside = v[(v >= lo) & (v < hi)].double()
    idx = torch.bucketize(inside, edges, right=True) - 1
    counts = torch.bincount(idx.clamp(max=bins - 1), minlength=bins)
    return np.concatenate([[(v < lo).sum().item()], counts.numpy(), [(v >= hi).sum().item()]])


@pytest.mark.parametrize("kind", ["custom", "torch"])
@pytest.mark.parametrize("dims", [2, 4])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_every_statistic_against_plain_torch(kind, dims, mode):
    net = make_layer(kind, dims)
    layer = net[0]
    shape = (64, 5) if dims == 2 else (8, 5, 6, 6)
    torch.manual_seed(1)
    warm = torch.randn(shape) * 2 + 1
    net(warm)  # moving statistics away from 0 and 1
    X = torch.randn(shape) * 3 - 2
    eps = layer.eps
    mm = (layer.moving_mean if kind == "custom" else layer.running_mean).detach().reshape(-1).clone()
    mv = (layer.moving_var if kind == "custom" else layer.running_var).detach().reshape(-1).clone()
    net.train(mode == "train")
    opts = CaptureOptions(sample=None, bins=16, capture_eval=True, raw_values=4)
    with capture(net, options=opts) as cap:
        if mode == "train":
            Y = net[0](X)
        else:
            with torch.no_grad():
                Y = net[0](X)
    h = cap.history
    (name,) = h.layers
    dim = [0] + list(range(2, X.dim()))
    mean, var = X.mean(dim=dim), X.var(dim=dim, unbiased=False)
    assert_close(torch.from_numpy(h.last(name, "batch_mean")), mean)
    assert_close(torch.from_numpy(h.last(name, "batch_var")), var)
    assert_close(torch.from_numpy(h.last(name, "batch_var_unbiased")), X.var(dim=dim, unbiased=True))
    assert_close(torch.from_numpy(h.last(name, "moving_mean_before")), mm)
    assert_close(torch.from_numpy(h.last(name, "moving_var_before")), mv)
    used_batch = mode == "train"
    assert bool(h.last(name, "batch_stats")) == used_batch
    assert bool(h.last(name, "updated")) == used_batch
    if used_batch:  # the update each layer documents (chapter: biased; PyTorch: unbiased)
        new_var = var if kind == "custom" else X.var(dim=dim, unbiased=True)
        assert_close(torch.from_numpy(h.last(name, "moving_mean")), 0.9 * mm + 0.1 * mean)
        assert_close(torch.from_numpy(h.last(name, "moving_var")), 0.9 * mv + 0.1 * new_var)
    else:
        assert_close(torch.from_numpy(h.last(name, "moving_mean")), mm)
    norm_mean, norm_var = (mean, var) if used_batch else (mm, mv)
    bshape = (1, 5) + (1,) * (X.dim() - 2)
    x_hat = (X - norm_mean.reshape(bshape)) / torch.sqrt(norm_var.reshape(bshape) + eps)
    gamma = (layer.gamma if kind == "custom" else layer.weight).detach().reshape(bshape)
    beta = (layer.beta if kind == "custom" else layer.bias).detach().reshape(bshape)
    # x_hat as recorded matches what the layer computed internally, (Y - beta) / gamma, to 1e-5.
    assert_close(x_hat, (Y.detach() - beta) / gamma, atol=1e-5, rtol=1e-5)
    raw = raw_at(cap, name)
    internal = ((Y.detach() - beta) / gamma).transpose(0, 1).reshape(5, -1)[:, raw["position"]]
    assert_close(torch.from_numpy(raw["x_hat"]), internal, atol=1e-5, rtol=1e-5)
    assert_close(torch.from_numpy(raw["y"]), Y.detach().transpose(0, 1).reshape(5, -1)[:, raw["position"]])
    for q, v in (("input", X), ("x_hat", x_hat), ("output", Y.detach()), ("activation", torch.sigmoid(Y.detach()))):
        lo, hi = h.ranges[name][q]
        got = h.last(name, f"hist_{q}")
        assert got.sum() == X.numel()  # nothing dropped: under/overflow cells included
        np.testing.assert_array_equal(got, oracle_hist(v.reshape(-1), lo, hi, 16), err_msg=q)
    q = torch.tensor([0.15, 0.5, 0.85])
    assert_close(torch.from_numpy(h.last(name, "input_pct")), torch.quantile(X.reshape(-1), q))
    assert_close(torch.from_numpy(h.last(name, "output_pct")), torch.quantile(Y.detach().reshape(-1), q))
    assert h.last(name, "saturated") == pytest.approx((Y.detach().abs() > 4).float().mean().item())


def test_ranges_stay_fixed_and_outliers_are_counted():
    net = make_layer("torch", 2)
    opts = CaptureOptions(sample=None, bins=8)
    with capture(net, options=opts) as cap:
        net(torch.randn(100, 5))
        first = dict(cap.history.ranges["0"])
        X = torch.randn(100, 5) * 100  # far outside the first range
        net(X)
    h = cap.history
    assert h.ranges["0"] == first
    hist = h.last("0", "hist_input")
    lo, hi = first["input"]
    assert hist[0] == (X < lo).sum() and hist[-1] == (X >= hi).sum() and hist.sum() == 500


def jittered(total, sample, key):
    """The documented sample, recomputed: one position drawn uniformly in each of `sample` equal
    strata of the flat tensor, from a generator seeded by crc32 of the key's repr."""
    import zlib
    g = torch.Generator().manual_seed(zlib.crc32(repr(key).encode()))
    u = torch.rand(sample, generator=g, dtype=torch.float64)
    return ((torch.arange(sample, dtype=torch.float64) + u) * (total / sample)).long().clamp(max=total - 1)


def test_sampled_histograms_say_how_many_and_match_the_same_sample():
    net = make_layer("custom", 4)
    X = torch.randn(16, 5, 10, 10)
    with capture(net, options=CaptureOptions(sample=100, bins=8)) as cap:
        net(X)
    h = cap.history
    assert h.last("0", "values_total") == 8000 and h.last("0", "values_used") == 100
    positions = jittered(8000, 100, ("positions", (16, 5, 10, 10), 100))
    assert torch.all((positions // 80) == torch.arange(100))  # one position in each stratum of 80
    sample = X.reshape(-1)[positions]
    lo, hi = h.ranges["0"]["input"]
    np.testing.assert_array_equal(h.last("0", "hist_input"), oracle_hist(sample, lo, hi, 8))
    # per-channel statistics always use every value
    assert_close(torch.from_numpy(h.last("0", "batch_mean")), X.mean(dim=(0, 2, 3)))


def test_percentiles_of_a_large_pass_use_the_histograms_stratified_sample():
    net = make_layer("torch", 4)
    X = torch.randn(64, 5, 16, 16)  # 81,920 values: histograms and percentiles from a sample of 16,384
    with capture(net, options=CaptureOptions()) as cap:
        net(X)
    h = cap.history
    assert h.last("0", "values_used") == 16384 and h.last("0", "pct_values") == 16384
    sample = X.reshape(-1)[jittered(81920, 16384, ("positions", (64, 5, 16, 16), 16384))]
    q = torch.tensor([0.15, 0.5, 0.85])
    assert_close(torch.from_numpy(h.last("0", "input_pct")), torch.quantile(sample, q))


def all_hooks(model):
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def test_hooks_removed_after_block_and_after_error():
    net = lenet("torch")
    with capture(net) as cap:
        assert all_hooks(net) == 8 and cap.attached
    assert all_hooks(net) == 0
    with pytest.raises(RuntimeError, match="boom"):
        with capture(net):
            net(torch.rand(4, 1, 28, 28))
            raise RuntimeError("boom")
    assert all_hooks(net) == 0
    cap = capture(net).attach()
    cap.attach()  # a second attach adds nothing
    assert all_hooks(net) == 8
    cap.detach(), cap.detach()  # idempotent
    assert all_hooks(net) == 0


def test_layer_selection_and_errors():
    net = lenet("custom")
    assert list(capture(net, layers=["5", "13"]).layers) == ["5", "13"]
    with pytest.raises(ValueError, match="not BatchNorm layers.*'3'.*its BN layers are: '1', '5', '10', '13'"):
        capture(net, layers=["3"])
    with pytest.raises(ValueError, match="has no BatchNorm layer"):
        capture(lenet("none"))


def test_any_model_with_bn_sync_and_3d():
    net = nn.Sequential(nn.Conv3d(1, 2, 3), nn.BatchNorm3d(2), nn.ReLU(),
                        nn.Flatten(), nn.LazyLinear(4), nn.SyncBatchNorm(4))
    net(torch.rand(3, 1, 5, 5, 5))  # materialise the lazy layer
    with capture(net) as cap:
        net[:3](torch.rand(3, 1, 5, 5, 5))
    assert list(cap.layers) == ["1", "5"] and cap.history.layers == ["1"]
    assert (cap.history.last("1", "hist_activation")[0]) == 0  # ReLU output never below its range


def test_capture_leaves_training_bit_identical(small_data):
    results = []
    for with_capture in (False, True):
        stepper = Stepper(RunConfig(norm="custom", batch_size=128, seed=2), small_data)
        if with_capture:
            stepper.start_capture(CaptureOptions(keep_inputs=1))
        losses = [stepper.step().loss_t.clone() for _ in range(5)]
        results.append((losses, {k: v.clone() for k, v in stepper.model.state_dict().items()}))
    for a, b in zip(results[0][0], results[1][0]):
        assert torch.equal(a, b)
    for k in results[0][1]:
        assert torch.equal(results[0][1][k], results[1][1][k]), k


@pytest.mark.parametrize("norm", ["custom", "torch"])
def test_stepper_capture_every_k_and_context(small_data, norm):
    stepper = Stepper(RunConfig(norm=norm, batch_size=128), small_data)
    cap = stepper.start_capture(CaptureOptions(every=3))
    stepper.run(9)  # 8 steps per epoch: step 9 is epoch 2
    h = cap.history
    assert h.column("1", "step").tolist() == [1, 4, 7]
    assert h.column("1", "epoch").tolist() == [1, 1, 1]
    stepper.stop_capture(cap)
    stepper.run(1)
    assert len(h) == 3 and all_hooks(stepper.model) == 0


def test_history_is_bounded_and_keeps_the_first_steps():
    net = make_layer("custom", 2)
    opts = CaptureOptions(max_records=40, keep_first=8)
    with capture(net, options=opts) as cap:
        for step in range(1, 201):
            cap.context["step"] = step
            net(torch.randn(32, 5))
    steps = cap.history.column("0", "step")
    assert len(steps) <= 40 and steps[:8].tolist() == list(range(1, 9)) and steps[-1] == 200
    assert np.all(np.diff(steps) > 0)
    gaps = np.diff(steps[8:-1])
    assert gaps.min() == gaps.max()  # uniform spacing after the first steps
    assert cap.history.thinned["0"] >= 1


def test_dropping_a_session_frees_its_history_at_once(small_data):
    """No reference cycle: a closed browser session's memory must not wait for the cyclic GC."""
    import gc
    import weakref
    from bnviz.debug.live_run import LiveRun
    gc.disable()
    try:
        s = LiveRun(small_data, RunConfig(batch_size=128))
        s.advance(3)
        history, model = weakref.ref(s.history), weakref.ref(s.stepper.model)
        del s
        assert history() is None and model() is None
    finally:
        gc.enable()


def test_tables_read_back_the_columns(small_data):
    stepper = Stepper(RunConfig(batch_size=128), small_data)
    cap = stepper.start_capture(CaptureOptions(bins=8))
    stepper.run(3)
    h = cap.history
    per_step = h.table("10")
    assert per_step["step"].tolist() == [1, 2, 3]
    np.testing.assert_array_equal(per_step["input_p50"], h.column("10", "input_pct")[:, 1])
    per_channel = h.channel_table("10")
    assert len(per_channel) == 3 * 120
    row = per_channel[(per_channel.step == 2) & (per_channel.channel == 7)].iloc[0]
    assert row.batch_mean == h.column("10", "batch_mean")[1, 7] and row.gamma == h.column("10", "gamma")[1, 7]
    cells = h.histogram_table("10", "x_hat")
    step3 = cells[cells.step == 3]
    assert len(step3) == 8 + 2 and step3["count"].sum() == h.column("10", "values_used")[2]
    assert step3.iloc[0].lo == -np.inf and step3.iloc[-1].hi == np.inf  # under- and overflow cells
    np.testing.assert_allclose(step3.iloc[1:-1].lo, h.bin_edges("10", "x_hat")[:-1])
