"""Every number a sentence of the app states, recomputed independently of bnviz/app/explain.py."""
import math
import re

import numpy as np
import pytest
import torch

from bnviz import BatchNorm, RunConfig, Stepper
from bnviz.app import explain
from bnviz.capturing.summaries import SATURATED_SLOPE, SATURATION
from bnviz.chapter.conventions import running_var_from_batches, running_var_from_moving_var


def bold_numbers(text):
    return [float(x.replace(",", "")) for x in re.findall(r"\*\*([0-9.,e+-]+)(?: steps)?\*\*", text)]


@pytest.mark.parametrize("m", [0.9, 0.99, 0.5])
def test_moving_average_numbers_by_direct_sums(m):
    k = 60
    text = explain.moving_average(m, k)
    ages = np.arange(1, 20000)  # the newest batch is 1 step old
    weights = (1 - m) * m ** (ages - 1)
    mean_age = float((ages * weights).sum() / weights.sum())
    e_folding = next(t for t in np.arange(0, 5000, 1e-3) if m ** t <= math.exp(-1))
    half_life = next(t for t in np.arange(0, 5000, 1e-3) if m ** t <= 0.5)
    assert bold_numbers(text) == pytest.approx([float(f"{mean_age:.3g}"), float(f"{m ** k:.3g}")], rel=1e-3)
    assert f"{e_folding:.2f}" in text and f"{half_life:.2f}" in text
    assert f"`moving = {m:g} × moving + {1 - m:g} × batch`" in text  # (1 − m) with all its digits


def test_moving_average_follows_the_layers_own_momentum():
    torch_text = explain.moving_average(0.99, 5, torch_layer=True)
    assert "`running = (1 − 0.01) × running + 0.01 × batch`" in torch_text
    assert "cumulative" in explain.moving_average(None, 5, torch_layer=True)
    assert "only the newest batch" in explain.moving_average(0.0, 5)
    assert "never moves" in explain.moving_average(1.0, 5)
    # The momentum shown is the layer's own, never a fallback: a torch layer with momentum=None.
    from bnviz.capturing.layers import layer_facts
    assert layer_facts(torch.nn.BatchNorm1d(3, momentum=None))["momentum"] is None
    assert layer_facts(torch.nn.BatchNorm1d(3, momentum=0.01))["momentum"] == pytest.approx(0.99)


def test_ema_noise_is_worth_19_batches_by_simulation():
    """(1 + m)/(1 − m): the stationary variance of an EMA of independent batches, m = 0.9."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(20000, 64, generator=gen, dtype=torch.float64)
    ema = torch.zeros(64, dtype=torch.float64)
    kept = []
    for i, row in enumerate(x):
        ema = 0.9 * ema + 0.1 * row
        if i > 200:
            kept.append(ema.clone())
    ratio = 1 / torch.stack(kept).var().item()
    legend = explain.convergence_legend(256, 96, 0.9)
    stated = float(re.search(r"= ([0-9.]+) independent batches", legend).group(1))
    assert stated == pytest.approx(ratio, rel=0.05)
    assert "which 256 images" in legend and "last batch has 96" in legend


def test_the_gap_with_frozen_weights_is_ema_noise(subset):
    """With the weights frozen the moving statistic still misses the average batch statistic: by
    EMA noise alone, whose size the legend's (1 + m)/(1 − m) predicts. Real layer 10 of a trained
    LeNet, its real inputs (23 batches of real images, drawn independently at each step)."""
    stepper = Stepper(RunConfig(seed=1, device="cpu"), subset)
    stepper.run(20)
    net, layer = stepper.model, stepper.model[10]
    with torch.no_grad():
        inputs = [net[:10](X) for X in subset.train_images.float().div(255).unsqueeze(1).split(256)[:23]]
        means = torch.stack([h.mean(0) for h in inputs]).double()  # (23, 120)
        target = means.mean(0)  # what the moving mean estimates, here exactly
        gen, gaps = torch.Generator().manual_seed(0), []
        for cycle in range(60):
            for i in torch.randint(23, (23,), generator=gen):  # independent draws
                layer(inputs[i])  # train() mode: normalises with the batch, updates moving_mean
                if cycle >= 2:
                    gaps.append(layer.moving_mean.reshape(-1).double() - target)
    gaps = torch.stack(gaps)
    rms_gap = gaps.pow(2).mean(0).sqrt()
    batch_sd = means.std(0, unbiased=False)
    legend = explain.convergence_legend(256, 96, 0.9)
    worth = float(re.search(r"= ([0-9.]+) independent batches", legend).group(1))
    assert (rms_gap / batch_sd).median().item() == pytest.approx(1 / math.sqrt(worth), rel=0.2)
    assert torch.all(gaps.abs().max(0).values > 0)  # never zero although nothing trains


def test_saturation_thresholds_have_the_stated_slope():
    sig = lambda x: 1 / (1 + math.exp(-x))
    d_sigmoid = lambda x: sig(x) * (1 - sig(x))
    d_tanh = lambda x: 1 - math.tanh(x) ** 2
    assert d_sigmoid(SATURATION["sigmoid"]) == pytest.approx(SATURATED_SLOPE, rel=1e-9)
    assert d_tanh(SATURATION["tanh"]) == pytest.approx(SATURATED_SLOPE, rel=1e-9)
    assert d_tanh(2.0) > 0.07  # "saturated beyond 2" was wrong for tanh
    assert d_tanh(2.64) == pytest.approx(0.02, abs=2e-4)  # the 0.02 threshold, for the record
    text = explain.distributions("sigmoid")
    assert f"±{SATURATION['sigmoid']:.3g}" in text and f"below {d_sigmoid(4.0):.3f}" in text
    assert f"±{SATURATION['tanh']:.3g}" in explain.distributions("tanh")


def test_saturated_share_is_recorded_with_the_threshold(subset):
    from bnviz import capture
    stepper = Stepper(RunConfig(seed=2, device="cpu"), subset)
    stepper.run(3)
    kept = {}
    handle = stepper.model[13].register_forward_hook(lambda m, a, out: kept.setdefault("y", out.detach().clone()))
    with capture(stepper.model, layers=["13"], options=None) as cap:
        stepper.step()
    handle.remove()
    exact = (kept["y"].abs() > SATURATION["sigmoid"]).double().mean().item()
    assert cap.history.last("13", "saturated") == pytest.approx(exact, abs=0.02)  # a random sample


@pytest.mark.parametrize("shape", [(256, 6, 24, 24), (256, 120)])
def test_n_in_n_over_n_minus_1_is_values_per_channel(shape):
    X = torch.randn(*shape, dtype=torch.float64)
    dims = [0] + list(range(2, X.dim()))
    n = X.numel() // X.shape[1]
    assert torch.allclose(X.var(dims, unbiased=True), X.var(dims, unbiased=False) * n / (n - 1))
    text = explain.twin(256, 24 * 24)
    assert f"{256 * 24 * 24:,}" in text and "N = 256" in text


def test_variance_conversion_exact_only_for_equal_batches():
    gen = torch.Generator().manual_seed(0)
    m = 0.9
    for ns in ([256] * 5, [147456] * 4, [256, 256, 256, 96]):  # the last: an epoch's last batch
        layer_c, layer_t = BatchNorm(3, num_dims=2, momentum=m), torch.nn.BatchNorm1d(3, momentum=1 - m)
        batch_vars = []
        for n in ns[:4] if ns[0] > 1000 else ns:
            X = torch.randn(min(n, 4096), 3, generator=gen) * 2
            layer_c(X), layer_t(X)
            batch_vars.append(X.var(0, unbiased=False))
        n_used = [min(n, 4096) for n in ns]
        exact = running_var_from_batches(batch_vars, n_used, m)
        torch.testing.assert_close(exact, layer_t.running_var)
        closed = running_var_from_moving_var(layer_c.moving_var.reshape(-1), n_used[0], m, len(batch_vars))
        if len(set(n_used)) == 1:
            torch.testing.assert_close(closed, layer_t.running_var)
        else:
            assert not torch.allclose(closed, layer_t.running_var, rtol=1e-7, atol=0)


def test_texts_name_the_edition_and_their_conventions():
    assert "Chinese edition" in explain.EDITION and "English edition" in explain.EDITION
    assert "γ = √(σ² + ε)" in explain.gamma_beta() and "approximately" in explain.gamma_beta()
    assert "update_bn" in explain.PRECISE and "does not handle" in explain.PRECISE
    assert "first 2,000 test images" in explain.figure1(2000)
    assert "one typical unit" in explain.figure1(2000) and "pool every unit" in explain.figure1(2000)
    assert "stays put" not in explain.figure1(2000) and "0.1 or 0.9" not in explain.figure1(2000)
