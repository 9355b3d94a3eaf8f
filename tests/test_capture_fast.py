"""The CPU hot path of capture against direct recomputation, bit for bit, on real Fashion-MNIST.

The percentiles' order statistics come from three one-position partitions (counting.order_statistics)
and the raw values from one flat gather (Plan.per_channel): each is checked here against the plain
way (a full sort, NaN last; fancy indexing), and a whole capture's percentiles, raw values and
saturation share against a recomputation from the layer's own input and output, for all four BN
layers of the chapter's LeNet after real training steps.
"""
import math

import numpy as np
import pytest
import torch

from bnviz import RunConfig, Stepper
from bnviz.capturing.counting import PERCENTILES, order_statistics, quantiles
from bnviz.capturing.hooks import CaptureOptions
from bnviz.capturing.sampling import Plan
from bnviz.capturing.summaries import SATURATION


def ranks_of(n):
    lo = [math.floor(q * (n - 1)) for q in PERCENTILES]
    return lo + [min(i + 1, n - 1) for i in lo]


def sorted_at(rows, ranks):
    """The plain way: a full sort (NaN last, as np.partition), read at the ranks."""
    return np.sort(rows, axis=1)[:, ranks]


def lerp_oracle(rows):
    """Percentiles as torch.quantile defines them, from a full sort, with the same lerp."""
    n = rows.shape[1]
    pos = [q * (n - 1) for q in PERCENTILES]
    picked = torch.from_numpy(sorted_at(rows.numpy(), ranks_of(n)))
    frac = torch.tensor([p - math.floor(p) for p in pos], dtype=rows.dtype)
    return torch.lerp(picked[:, :3], picked[:, 3:], frac)


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


@pytest.fixture(scope="module")
def lenet_passes(subset):
    """A capture of the LeNet (both BN kinds) after 12 real steps, with each layer's input and output
    of the newest step kept by a hook of our own."""
    runs = {}
    for norm in ("custom", "torch"):
        stepper = Stepper(RunConfig(norm=norm), subset)
        cap = stepper.start_capture(CaptureOptions())
        stepper.run(11)
        seen = {}
        handles = [m.register_forward_hook(lambda m, a, out, name=name: seen.__setitem__(
            name, (a[0].detach().clone(), out.detach().clone()))) for name, m in cap.layers.items()]
        stepper.run(1)
        for h in handles:
            h.remove()
        runs[norm] = (cap, seen)
    return runs


@pytest.mark.parametrize("norm", ["custom", "torch"])
def test_recorded_percentiles_raw_values_and_saturation_recomputed_bit_for_bit(lenet_passes, norm):
    cap, seen = lenet_passes[norm]
    h = cap.history
    assert list(seen) == ["1", "5", "10", "13"]
    for name, (X, Y) in seen.items():
        plan = cap.plans[name][X.shape]
        rows = torch.stack([X.reshape(-1), Y.reshape(-1)])
        if plan.positions is not None:
            rows = rows[:, plan.positions]
        picks = rows if plan.picks is None else rows[:, plan.picks]
        assert h.last(name, "pct_values") == picks.shape[1]
        want = lerp_oracle(picks.contiguous()).numpy()
        np.testing.assert_array_equal(h.last(name, "input_pct"), want[0], err_msg=name)
        np.testing.assert_array_equal(h.last(name, "output_pct"), want[1], err_msg=name)
        # the same order statistics as the way before (np.partition at all six positions)
        n = picks.shape[1]
        np.testing.assert_array_equal(quantiles(picks.contiguous()).numpy(), want)
        np.testing.assert_array_equal(np.partition(picks.numpy(), sorted(set(ranks_of(n))), axis=1)[:, ranks_of(n)],
                                      sorted_at(picks.numpy(), ranks_of(n)))
        # raw values: k per channel, at (image, position in it), by plain fancy indexing
        step, raw = cap.recent[name][-1]
        _, image, where = plan.raw_picks
        N, C = X.shape[:2]
        for key, T in (("x", X), ("y", Y)):
            np.testing.assert_array_equal(raw[key].numpy(), T.reshape(N, C, -1)[image, :, where].t().numpy())
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
