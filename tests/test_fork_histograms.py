"""A fork's histograms at each BN layer position, against a direct recomputation over every value
of real Fashion-MNIST; and forks from a rewind point of a live run, which stays untouched."""
import copy

import numpy as np
import pytest
import torch

import bnviz
from bnviz.data.batches import to_float
from bnviz.debug.live_run import LiveRun
from bnviz.experiments.fork import ForkChange, fork
from bnviz.experiments.fork_histograms import QUANTITIES, fork_histograms, shared_histograms
from bnviz.experiments.recompute import bn_layers
from bnviz.figures.forks import fork_curves, fork_histogram_figure


@pytest.fixture
def live(small_data):
    stepper = bnviz.Stepper(bnviz.RunConfig(batch_size=128, device="cpu"), small_data)
    stepper.run(3)
    return stepper


def direct(model, index, X):
    """Input and output of net[index] on a training pass of X, layer by layer (a throwaway copy)."""
    net = copy.deepcopy(model).train()
    H = X
    for i in range(index):
        H = net[i](H)
    return H.detach(), net[index](H).detach()


def test_histograms_count_every_value_of_the_layers_input_and_output(live):
    result = fork(live, ForkChange(norm="group"), steps=3, evaluate=False)
    hists = fork_histograms(live, result)
    assert hists.step == live.step_count + 4 and hists.images == 128
    epoch, batch = divmod(live.step_count + 3, live.steps_per_epoch)
    X = to_float(live.data.train_images[live.order.indices(epoch, batch)])  # the stream's next batch
    assert list(hists.layers) == list(bn_layers(live.model)) == ["1", "5", "10", "13"]
    for layer, position in hists.layers.items():
        assert position.modules == {"original": "BatchNorm", "fork": "GroupNorm"}
        got = {who: direct(result.models[who], int(layer), X) for who in ("original", "fork")}
        for q, quantity in enumerate(QUANTITIES):
            values = {who: got[who][q].double().flatten().numpy() for who in got}
            edges = position.edges[quantity]
            assert edges[0] == min(v.min() for v in values.values())  # bins shared, over both
            assert edges[-1] == max(v.max() for v in values.values())
            for who, v in values.items():
                assert position.values[quantity][who] == v.size == got[who][q].numel()
                counts, _ = np.histogram(v, bins=edges)
                np.testing.assert_allclose(position.shares[quantity][who], counts / v.size, rtol=0, atol=1e-15)
                assert counts.sum() == v.size and position.nonfinite[quantity][who] == 0


def test_a_fork_with_no_change_has_the_originals_histograms(live):
    result = fork(live, ForkChange(), steps=2, evaluate=False)
    for position in fork_histograms(live, result).layers.values():
        for quantity in QUANTITIES:
            np.testing.assert_array_equal(position.shares[quantity]["fork"], position.shares[quantity]["original"])


def test_a_removed_bn_layer_is_an_identity_and_histograms_move_no_statistics(live):
    result = fork(live, ForkChange(norm="none", lr_factor=2), steps=2, evaluate=False)
    before = [m.moving_mean.clone() for m in bn_layers(result.models["original"]).values()]
    hists = fork_histograms(live, result)
    position = hists.layers["5"]
    assert position.modules["fork"] == "Identity"
    X = to_float(live.data.train_images[live.order.indices(*divmod(hists.step - 1, live.steps_per_epoch))])
    counts, _ = np.histogram(direct(result.models["fork"], 5, X)[0].double().numpy(), bins=position.edges["input"])
    np.testing.assert_allclose(position.shares["input"]["fork"], counts / counts.sum(), rtol=0, atol=1e-15)
    after = [m.moving_mean for m in bn_layers(result.models["original"]).values()]
    assert all(torch.equal(a, b) for a, b in zip(before, after))  # the pass ran on a copy


def test_non_finite_values_are_counted_apart_and_every_value_once():
    a = torch.tensor([0.0, 1.0, float("nan"), 2.0])
    b = torch.tensor([float("inf"), -1.0, 3.0, 3.0])
    edges, shares, nonfinite = shared_histograms({"original": a, "fork": b}, bins=4)
    np.testing.assert_array_equal(edges, [-1, 0, 1, 2, 3])
    np.testing.assert_array_equal(shares["original"], [0, 0.25, 0.25, 0.25])  # 0 | 1 | 2 (a bin is [lo, hi))
    np.testing.assert_array_equal(shares["fork"], [0.25, 0, 0, 0.5])  # the last bin holds its right edge
    assert nonfinite == {"original": 0.25, "fork": 0.25}


def test_a_fork_from_a_rewind_point_continues_as_the_live_run_did(small_data):
    run = LiveRun(small_data, bnviz.RunConfig(batch_size=128, device="cpu"))
    run.advance(30)  # snapshots at 0 and 25
    rows = {layer: run.history.column(layer, "step").tolist() for layer in run.history.layers}
    snap = run.stepper.snapshot()
    base = run.stepper_at(27)
    assert base.step_count == 27 and not any(m._forward_hooks for m in base.model.modules())
    result = fork(base, ForkChange(lr_factor=10), steps=3, evaluate=False)
    assert result.steps == run.log.step[27:30] == [28, 29, 30]
    assert result.original["loss"] == run.log.loss[27:30]  # bit-identical to what the live run did
    assert result.fork["loss"] != result.original["loss"]
    now = run.stepper_at(30)
    assert all(torch.equal(now.model.state_dict()[k], v) for k, v in snap["model"].items())
    assert run.stepper.step_count == 30  # the live run is where it was, with the same numbers
    assert all(torch.equal(run.stepper.model.state_dict()[k], v) for k, v in snap["model"].items())
    assert {layer: run.history.column(layer, "step").tolist() for layer in run.history.layers} == rows
    with pytest.raises(ValueError):
        run.stepper_at(31)


def test_the_figures_overlay_both_in_the_chosen_language(live):
    result = fork(live, ForkChange(lr_factor=10), steps=2, evaluate=False)
    hists = fork_histograms(live, result)
    change = ForkChange(lr_factor=10).describe("zh")
    fig = fork_histogram_figure(hists.layers["1"], result.start_step, hists.step, change, lang="zh")
    assert [t.name for t in fig.data] == ["原运行", "分叉：学习率 × 10"] * 2
    np.testing.assert_array_equal(fig.data[1].y, hists.layers["1"].shares["input"]["fork"])
    assert "占比" in fig.layout.yaxis.title.text
    curves = fork_curves(result, {"steps": [1, 2, 3], "loss": [2.3, 2.1, 2.0], "acc": [0.1, 0.2, 0.3]}, change, "zh")
    assert {t.name for t in curves.data} == {"分叉之前", "原运行", "分叉：学习率 × 10"}
