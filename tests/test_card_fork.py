"""Forks against the live Stepper: the original continues exactly as Stepper.step() would, a fork
starts bit-identical at its step, and each change does what it says."""
import pytest
import torch

import bnviz
from bnviz.experiments.fork import ForkChange, fork, fork_figure, forked_model
from bnviz.experiments.recompute import bn_layers


@pytest.fixture
def live(small_data):
    stepper = bnviz.Stepper(bnviz.RunConfig(batch_size=128, device="cpu"), small_data)
    stepper.run(3)
    return stepper


def test_a_fork_starts_bit_identical_and_leaves_the_live_run_alone(live):
    snap = live.snapshot()
    for change in (ForkChange(lr_factor=10), ForkChange(frozen_stats=False, batch_size=32)):
        net = forked_model(live.model, change)
        for k, v in snap["model"].items():
            assert torch.equal(net.state_dict()[k], v), k
    fork(live, ForkChange(lr_factor=3), steps=4, evaluate=False)
    assert live.step_count == 3
    assert all(torch.equal(live.model.state_dict()[k], v) for k, v in snap["model"].items())


def test_the_original_continues_exactly_as_the_stepper(live):
    result = fork(live, ForkChange(), steps=6)  # 8 batches per epoch: crosses the epoch end
    steps = [live.step() for _ in range(6)]
    assert result.steps == [s.step for s in steps]
    assert result.original["loss"] == [s.loss for s in steps]  # bit-identical
    assert result.fork["loss"] == result.original["loss"]  # no change: the same run
    assert result.test_acc["original"] == live.evaluate()


def test_lr_fork_takes_k_times_the_step(live):
    w0 = live.model[0].weight.detach().clone()
    result = fork(live, ForkChange(lr_factor=4), steps=1, evaluate=False)
    d_orig = result.models["original"][0].weight - w0
    d_fork = result.models["fork"][0].weight - w0
    torch.testing.assert_close(d_fork, 4 * d_orig, rtol=1e-4, atol=1e-7)


def test_frozen_stats_fork_never_moves_the_moving_statistics(live):
    before = [m.moving_mean.clone() for m in bn_layers(live.model).values()]
    result = fork(live, ForkChange(frozen_stats=True), steps=3, evaluate=False)
    after = [m.moving_mean for m in bn_layers(result.models["fork"]).values()]
    assert len(after) == 4 and all(torch.equal(a, b) for a, b in zip(before, after))
    assert result.fork["loss"] != result.original["loss"]


@pytest.mark.parametrize("norm", ["group", "layer", "none"])
def test_norm_forks_replace_every_bn_layer(live, norm):
    result = fork(live, ForkChange(norm=norm), steps=2)
    net = result.models["fork"]
    assert not bn_layers(net)
    if norm != "none":
        start = forked_model(live.model, ForkChange(norm=norm))[1]
        assert torch.equal(start.weight, live.model[1].gamma.detach().reshape(-1))  # gamma and beta carried over
        assert torch.equal(start.bias, live.model[1].beta.detach().reshape(-1))
        assert net[1].num_groups == (2 if norm == "group" else 1)
    assert len(result.fork["loss"]) == 2


def test_batch_size_fork_uses_the_same_stream_of_images(live):
    result = fork(live, ForkChange(batch_size=48), steps=5, evaluate=False)
    assert len(result.fork["loss"]) == 5
    # the fork's 5 x 48 images are the original's next 2 batches of 128, in order
    from bnviz.experiments.fork import _batches, _restream
    original = _batches(live, live.step_count)
    stream = torch.cat([next(original), next(original)])
    pieces = _restream(_batches(live, live.step_count), 48)
    assert torch.equal(torch.cat([next(pieces) for _ in range(5)]), stream[:240])


def test_fork_figure_overlays_both(live):
    result = fork(live, ForkChange(lr_factor=2), steps=2, evaluate=False)
    fig = fork_figure(result, before={"steps": [1, 2, 3], "loss": [2.3, 2.0, 1.8], "acc": [0.1, 0.2, 0.3]})
    names = {t.name for t in fig.data}
    assert {"original", "fork: lr x 2", "before the fork"} <= names


def test_forking_a_captured_live_run_records_nothing_into_it(small_data):
    """deepcopy shares hook functions: a copy of a captured model would feed the live history."""
    from bnviz.debug.live_run import LiveRun
    run = LiveRun(small_data, bnviz.RunConfig(batch_size=128, device="cpu"))
    run.advance(3)
    rows = {layer: run.history.column(layer, "step").tolist() for layer in run.history.layers}
    result = fork(run.stepper, ForkChange(lr_factor=10), steps=2, evaluate=False)
    assert {layer: run.history.column(layer, "step").tolist() for layer in run.history.layers} == rows
    for net in result.models.values():
        assert not any(m._forward_hooks or m._forward_pre_hooks for m in net.modules())
    assert any(m._forward_hooks for m in run.stepper.model.modules())  # the live capture still attached
