"""The CPU hot path of capture against direct recomputation, bit for bit, on real Fashion-MNIST.

The percentiles' order statistics come from the values of the one histogram cell that holds each
rank (counting.quantiles_in_cells; off the capture, from three one-position partitions:
counting.order_statistics) and the raw values from one flat gather (Plan.per_channel): each is
checked here against the plain way (a full sort, NaN last; fancy indexing), and a whole capture's
percentiles, raw values and saturation share against a recomputation from the layer's own input and
output, for all four BN layers of the chapter's LeNet after real training steps.
"""
import math

import numpy as np
import pytest
import torch
from torch import nn

from bnviz import BatchNorm, RunConfig, Stepper
from bnviz.capturing import compiled, kernel
from bnviz.capturing.counting import PERCENTILES, order_statistics, quantiles
from bnviz.capturing.hooks import CaptureOptions, capture, raw_at
from bnviz.capturing.sampling import Plan
from bnviz.data.batches import to_float
from bnviz.capturing.summaries import SATURATION


def ranks_of(n):
    lo = [math.floor(q * (n - 1)) for q in PERCENTILES]
    return lo + [min(i + 1, n - 1) for i in lo]


def sorted_at(rows, ranks):
    """The plain way: a full sort (NaN last, as np.partition), read at the ranks."""
    return np.sort(rows, axis=1)[:, ranks]


def lerp_oracle(rows):
    """Percentiles as torch.quantile defines them (linear interpolation between the order statistics
    around q * (n - 1)), from a full sort, interpolated in float64 and rounded once to float32."""
    n = rows.shape[1]
    pos = [q * (n - 1) for q in PERCENTILES]
    picked = sorted_at(rows.numpy(), ranks_of(n)).astype(np.float64)
    weights = np.array([p - math.floor(p) for p in pos])
    with np.errstate(invalid="ignore"):  # inf - inf
        return torch.from_numpy((picked[:, :3] + weights * (picked[:, 3:] - picked[:, :3])).astype(np.float32))


def test_the_percentiles_are_torch_quantiles_own_in_float64_rounded_to_float32(subset):
    rows = torch.stack([subset.train_images[:64].reshape(-1), subset.train_images[64:128].reshape(-1) * 3 - 1])
    want = torch.quantile(rows.double(), torch.tensor(PERCENTILES, dtype=torch.float64), dim=1).t().float()
    np.testing.assert_array_equal(lerp_oracle(rows).numpy(), want.numpy())
    np.testing.assert_array_equal(quantiles(rows).numpy(), want.numpy())


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 20, 101, 8191, 8192])
def test_order_statistics_match_a_full_sort_with_ties_nan_and_inf(n):
    g = torch.Generator().manual_seed(n)
    base = torch.randn(2, n, generator=g)
    cases = [base, base.round(), base * 1e6, torch.zeros(2, n)]
    with_nan = base.clone()
    with_nan[:, ::3] = float("nan")
    all_nan = torch.full((2, n), float("nan"))
    infs = base.clone()
    infs[:, : n // 4] = float("inf")
    infs[:, n // 4: n // 2] = -float("inf")
    half_nan = base.clone()
    half_nan[0, : n // 2] = float("nan")
    for rows in cases + [with_nan, all_nan, infs, half_nan]:
        got = order_statistics(rows.numpy(), ranks_of(n))
        np.testing.assert_array_equal(got, sorted_at(rows.numpy(), ranks_of(n)))


def hard_rows(n, seed):
    """(2, n) rows that are hard on order statistics: ties, a spike, NaN, infinities, all NaN."""
    g = torch.Generator().manual_seed(seed)
    base = torch.randn(2, n, generator=g)
    with_nan = base.clone()
    with_nan[:, ::3] = float("nan")
    infs = base.clone()
    infs[:, : n // 4] = float("inf")
    infs[:, n // 4: n // 2] = -float("inf")
    half_nan = base.clone()
    half_nan[0, : n // 2] = float("nan")
    spike = base.clone()
    spike[:, ::2] = 0.25  # many equal values, as a convolution's bias over blank background
    return [base, base.round(), base * 1e6, torch.zeros(2, n), with_nan, torch.full((2, n), float("nan")),
            infs, half_nan, spike]


def kernel_summary(values, channel, groups, lo, hi, bins, threshold):
    """kernel.summarise_values on a (Q, n) float32 tensor: (counts, percentiles of rows 0 and 2, share)."""
    Q, n = values.shape
    ranks = np.array(ranks_of(n), dtype=np.int64)
    weights = np.array([q * (n - 1) - math.floor(q * (n - 1)) for q in PERCENTILES])
    counts, hist = np.empty((groups, Q, bins + 2), dtype=np.float32), np.empty((Q, bins + 2), dtype=np.float32)
    pct = np.empty((2, 3), dtype=np.float32)
    start = np.full(Q, lo, dtype=np.float32)
    per_width = np.full(Q, kernel.SUB * bins / (hi - lo), dtype=np.float32)
    share = kernel.summarise_values(values.numpy(), channel.numpy(), groups > 1, start, per_width, bins,
                                    np.array([0, 2]), ranks, weights, np.float32(threshold), 2, counts, hist,
                                    np.empty((2, n), dtype=np.int32), pct)
    np.testing.assert_array_equal(hist, counts.sum(0))
    return counts, pct, share


@pytest.mark.parametrize("n", [1, 2, 3, 5, 20, 101, 8192, 16384])
@pytest.mark.parametrize("groups", [1, 3])
def test_compiled_counts_and_order_statistics_match_np_histogram_and_a_full_sort(n, groups):
    # ranges that leave values in the underflow and overflow cells, or put nearly all of them there
    for lo, hi in [(-1.0, 1.0), (-4.0, 4.0), (5.0, 6.0), (-0.01, 0.01)]:
        for k, rows in enumerate(hard_rows(n, n)):
            values = torch.stack([rows[0], rows[0] * 2, rows[1], rows[1] + 1]).contiguous()  # (Q = 4, n)
            channel = torch.arange(n) % groups
            counts, pct, share = kernel_summary(values, channel, groups, lo, hi, 16, 0.5)
            where = f"case {k}, range {lo, hi}"
            np.testing.assert_array_equal(pct, lerp_oracle(values[0::2].contiguous()).numpy(), err_msg=where)
            assert share == (values[2].abs() > 0.5).float().mean().item(), where
            # each channel's cells: np.histogram over [lo, hi) (float64 edges) plus under- and overflow
            for g in range(groups):
                for q in range(4):
                    v = values[q][channel == g]
                    finite = v[~v.isnan()].numpy()
                    cells = np.floor((finite - np.float32(lo)) * np.float32(16 / (hi - lo))).clip(-1, 16) + 1
                    want = np.bincount(cells.astype(np.int64), minlength=18)
                    np.testing.assert_array_equal(counts[g, q], want, err_msg=f"{where}, channel {g}, row {q}")
                    inside = (finite >= lo) & (finite < hi)
                    np.testing.assert_array_equal(counts[g, q, 1:-1].sum(), inside.sum(), err_msg=where)


@pytest.fixture(scope="module")
def lenet_passes(subset):
    """Captures of the LeNet (both BN kinds, both CPU paths: compiled, and the tensor operations CUDA
    takes) after 12 real steps, with each layer's input and output of the newest step kept by a hook
    of our own, and the whole history of the other path's run (the same seed, the same data)."""
    runs = {}
    for norm in ("custom", "torch"):
        for fast in (True, False):
            compiled.ENABLED = fast
            try:
                stepper = Stepper(RunConfig(norm=norm), subset)
                cap = stepper.start_capture(CaptureOptions())
                stepper.run(11)
                seen = {}
                handles = [m.register_forward_hook(lambda m, a, out, name=name: seen.__setitem__(
                    name, (a[0].detach().clone(), out.detach().clone()))) for name, m in cap.layers.items()]
                stepper.run(1)
                for h in handles:
                    h.remove()
                cap.history.flush()
            finally:
                compiled.ENABLED = True
            runs[norm, fast] = (cap, seen)
    return runs


@pytest.mark.parametrize("norm", ["custom", "torch"])
def test_the_compiled_and_the_tensor_paths_record_the_same_numbers(lenet_passes, norm):
    a, b = lenet_passes[norm, True][0].history, lenet_passes[norm, False][0].history
    assert a.layers == b.layers == ["1", "5", "10", "13"]
    for layer in a.layers:
        assert a.fields(layer) == b.fields(layer) and len(a.column(layer, "step")) == 12
        for field in a.fields(layer):
            np.testing.assert_array_equal(a.column(layer, field), b.column(layer, field), err_msg=f"{layer} {field}")


@pytest.mark.parametrize("norm", ["custom", "torch"])
def test_both_paths_agree_on_every_value_too_and_in_evaluation(subset, norm):
    """sample=None (every value, no sampling plan positions), few raw values, and passes in eval()."""
    histories, raws = [], []
    for fast in (True, False):
        compiled.ENABLED = fast
        try:
            stepper = Stepper(RunConfig(norm=norm, batch_size=32), subset)
            cap = stepper.start_capture(CaptureOptions(sample=None, raw_values=3, capture_eval=True))
            stepper.run(4)
            stepper.model.eval()
            stepper.model(to_float(subset.test_images[:16]))
        finally:
            compiled.ENABLED = True
        histories.append(cap.history)
        raws.append({layer: cap.recent[layer][-1][1] for layer in cap.layers})
    a, b = histories
    for layer in a.layers:
        assert len(a.column(layer, "step")) == 5 and not a.column(layer, "batch_stats")[-1]
        assert a.column(layer, "values_used")[0] == a.column(layer, "values_total")[0]
        for field in a.fields(layer):
            np.testing.assert_array_equal(a.column(layer, field), b.column(layer, field), err_msg=f"{layer} {field}")
        for key in ("x", "x_hat", "y", "channel_hist"):
            np.testing.assert_array_equal(np.asarray(raws[0][layer][key]), np.asarray(raws[1][layer][key]))


@pytest.mark.parametrize("fast", [True, False], ids=["compiled", "tensor-ops"])
@pytest.mark.parametrize("norm", ["custom", "torch"])
def test_recorded_percentiles_raw_values_and_saturation_recomputed_bit_for_bit(lenet_passes, norm, fast):
    cap, seen = lenet_passes[norm, fast]
    h = cap.history
    assert list(seen) == ["1", "5", "10", "13"]
    for name, (X, Y) in seen.items():
        plan = cap.plans[name][X.shape]
        rows = torch.stack([X.reshape(-1), Y.reshape(-1)])
        if plan.positions is not None:
            rows = rows[:, plan.positions]
        assert h.last(name, "pct_values") == rows.shape[1] == h.last(name, "values_used")
        want = lerp_oracle(rows.contiguous()).numpy()
        np.testing.assert_array_equal(h.last(name, "input_pct"), want[0], err_msg=name)
        np.testing.assert_array_equal(h.last(name, "output_pct"), want[1], err_msg=name)
        # the same order statistics as the CUDA path's way (a sort) and np.partition at all six positions
        n = rows.shape[1]
        np.testing.assert_array_equal(quantiles(rows.contiguous()).numpy(), want)
        np.testing.assert_array_equal(np.partition(rows.numpy(), sorted(set(ranks_of(n))), axis=1)[:, ranks_of(n)],
                                      sorted_at(rows.numpy(), ranks_of(n)))
        # raw values: k per channel, at (image, position in it), by plain fancy indexing
        step, raw = cap.recent[name][-1]
        _, image, where = plan.raw_picks
        N, C = X.shape[:2]
        for key, T in (("x", X), ("y", Y)):
            np.testing.assert_array_equal(np.asarray(raw[key]), T.reshape(N, C, -1)[image, :, where].t().numpy())
        # share of |y| beyond the activation's saturation threshold, over the sample
        act = cap.activations[name][0]
        y = Y.reshape(-1) if plan.positions is None else Y.reshape(-1)[plan.positions]
        assert h.last(name, "saturated") == (y.abs() > SATURATION[act]).float().mean().item()


def test_per_channel_gather_matches_fancy_indexing_for_every_layout():
    for shape in [(256, 6, 24, 24), (256, 16, 8, 8), (256, 120), (96, 84), (3, 5, 2, 2, 2), (1, 4)]:
        T = torch.randn(shape)
        plan = Plan.make(shape, T.device, 16384, 8)
        _, image, where = plan.raw_picks
        N, C = shape[:2]
        np.testing.assert_array_equal(plan.per_channel(T).numpy(), T.reshape(N, C, -1)[image, :, where].t().numpy())


def both_paths(make_model, inputs, options, train=True):
    """Histories and newest raw values of a capture of `make_model()` fed `inputs`, on each CPU path."""
    out = []
    for fast in (True, False):
        compiled.ENABLED = fast
        try:
            torch.manual_seed(0)
            model = make_model().train(train)
            with capture(model, options=options) as cap, torch.set_grad_enabled(train):
                for step, X in enumerate(inputs):
                    cap.context["step"] = step
                    model(X)
            cap.history.flush()
        finally:
            compiled.ENABLED = True
        out.append((cap.history, {layer: raw_at(cap, layer) for layer in cap.layers}))
    return out


def assert_same(runs):
    (a, raw_a), (b, raw_b) = runs
    for layer in a.layers:
        for field in a.fields(layer):
            np.testing.assert_array_equal(a.column(layer, field), b.column(layer, field), err_msg=f"{layer} {field}")
        for key in (raw_a[layer] or {}):
            np.testing.assert_array_equal(raw_a[layer][key], raw_b[layer][key], err_msg=f"{layer} raw {key}")


def test_divisions_by_zero_give_inf_or_nan_as_torch_does_not_an_error():
    """gamma = 0 where x_hat is read back from the output (nn.SyncBatchNorm), eps = 0 on a constant
    channel, and eval with eps = 0 and a zero moving variance: torch gives inf/NaN, and so must the
    compiled path (numba's default error model would raise ZeroDivisionError)."""
    opts = CaptureOptions(sample=None, raw_values=3, capture_eval=True)
    g = torch.Generator().manual_seed(1)
    X = [torch.randn(4, 3, 6, 6, generator=g) for _ in range(2)]

    def sync_zero_gamma():
        m = nn.Sequential(nn.Conv2d(3, 4, 3), nn.SyncBatchNorm(4))
        nn.init.zeros_(m[1].weight)
        return m
    runs = both_paths(sync_zero_gamma, X, opts)
    assert np.isnan(runs[0][0].column("1", "hist_x_hat")).sum() == 0  # NaN x_hat: in no cell
    assert runs[0][0].column("1", "hist_x_hat")[-1].sum() == 0
    assert_same(runs)
    constant = [torch.ones(4, 2, 3, 3)]
    assert_same(both_paths(lambda: nn.Sequential(BatchNorm(2, num_dims=4, eps=0.0)), constant, opts))

    def eval_zero_var():
        m = nn.Sequential(nn.BatchNorm2d(3, eps=0.0))
        m[0].running_var.zero_()
        return m
    assert_same(both_paths(eval_zero_var, [X[0][:, :, :2, :2]], opts, train=False))


def test_ranges_at_float32_limits_take_the_tensor_path_and_agree():
    """A first pass near float32's largest values makes the range's constants infinite (and the
    compiled per-width, 16x larger, overflows sooner at tiny ranges): both record the same."""
    opts = CaptureOptions(sample=None, raw_values=0, capture_eval=True, bins=8)
    huge = torch.tensor([2e38, -2e38, 1.0, 0.0]).reshape(2, 2, 1, 1).repeat(1, 1, 2, 2)
    with_inf = huge.clone()
    with_inf[0, 0, 0, 0], with_inf[1, 1, 0, 0] = -float("inf"), float("inf")
    assert_same(both_paths(lambda: nn.Sequential(nn.BatchNorm2d(2)), [huge, with_inf], opts))
    g = torch.Generator().manual_seed(2)
    tiny = [torch.rand(4, 4, 4, 4, generator=g) * 5e-37 for _ in range(2)]
    assert_same(both_paths(lambda: nn.Sequential(nn.BatchNorm2d(4)), tiny, opts))
