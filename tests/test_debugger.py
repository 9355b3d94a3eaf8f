"""Breakpoints, rewind and precise statistics, each against an independent oracle."""
import copy

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from bnviz import RunConfig
from bnviz.data.batches import eval_batches, to_float
from bnviz.debug.breakpoints import Breakpoints, first_nonfinite
from bnviz.debug.population import population_stats
from bnviz.debug.precise import compare_at, with_precise_stats
from bnviz.debug.live_run import LiveRun


def columns(history):
    return {(l, f): history.column(l, f).copy() for l in history.layers for f in history.fields(l)}


def test_nan_breakpoint_fires_at_the_first_bad_step_and_names_the_layer(small_data):
    s = LiveRun(small_data, RunConfig(batch_size=128))
    s.advance(2)
    with torch.no_grad():  # forced divergence: one NaN weight in the third BN layer's Linear
        s.stepper.model[9].weight[0, 0] = float("nan")
    assert s.advance(5) == 1  # stopped at the first bad step
    assert s.diverged and s.hit.step == 3 and s.hit.layer == "10"  # layers 1 and 5 are still finite
    assert s.hit.quantity == "batch_mean" and "layer 10" in s.hit.message
    assert s.advance(1) == 0  # nothing runs after a divergence...
    s.reset(RunConfig(batch_size=128))  # ...until Reset, which works
    assert s.advance(1) == 1 and s.hit is None


def test_a_layer_without_records_is_no_breakpoint(small_data):
    """After a rewind to step 0 the layers are known but hold no record: nothing is non-finite there
    (the load bench met an IndexError here), and a NaN at the next step is still found."""
    s = LiveRun(small_data, RunConfig(batch_size=128))
    s.advance(2)
    s.rewind(0)
    assert s.history.layers and all(len(s.history.column(l, "step")) == 0 for l in s.history.layers)
    assert first_nonfinite(s.history, 1) is None
    with torch.no_grad():
        s.stepper.model[9].weight[0, 0] = float("nan")
    assert s.advance(1) == 1 and s.hit is not None and s.hit.layer == "10"


def test_the_gap_breakpoint_skips_a_layer_without_records(small_data):
    """The gap breakpoint read every layer's newest record even where a rewind left none (IndexError)."""
    from bnviz.debug.breakpoints import check
    s = LiveRun(small_data, RunConfig(batch_size=128))
    s.advance(2)
    s.rewind(0)
    assert check(Breakpoints(gap=1e-9, gap_warmup=0, loss_jump=None), s.history, 1, 1.0, None, False) is None
    s.advance(1)  # a record again: the same breakpoint, with any gap above 1e-9, fires there
    hit = check(Breakpoints(gap=1e-9, gap_warmup=0, loss_jump=None), s.history, 1, 1.0, None, False)
    assert hit is not None and hit.kind == "gap"


def test_lr_50_stops_at_the_first_bad_step_with_an_account(small_data):
    s = LiveRun(small_data, RunConfig(batch_size=128, lr=50.0))
    s.advance(50)
    assert s.hit is not None and s.hit.kind == "loss_jump" and s.hit.step == 2
    first, second = s.log.loss[0], s.log.loss[1]
    assert second > 5 * first and f"jumped from {first:.4g} to {second:.4g}" in s.hit.message
    assert "The first layer whose batch statistics jumped is layer 1" in s.hit.message
    assert not s.diverged and s.advance(1) == 1  # not fatal: stepping on works
    s.breakpoints = Breakpoints(loss_jump=None)
    s.reset(RunConfig(batch_size=128))
    assert s.advance(8) == 8


def test_gap_step_and_epoch_breakpoints(small_data):
    s = LiveRun(small_data, RunConfig(batch_size=128))
    s.breakpoints = Breakpoints(loss_jump=None, gap=0.01, gap_warmup=3)
    s.advance(20)
    assert s.hit.kind == "gap" and s.hit.step == 4  # the first step after the warm-up
    h = s.history
    layer, row = s.hit.layer, -1
    gap = np.abs(h.column(layer, "moving_mean_before")[row] - h.column(layer, "batch_mean")[row]) / \
        np.sqrt(h.column(layer, "batch_var")[row] + 1e-5)
    assert gap.max() > 0.01
    s.breakpoints = Breakpoints(loss_jump=None, at_step=6)
    s.advance(20)
    assert s.hit.kind == "step" and s.stepper.step_count == 6
    s.breakpoints = Breakpoints(loss_jump=None, at_epoch_end=True)
    s.advance(20)
    assert s.hit.kind == "epoch_end" and s.stepper.step_count == 8


@pytest.mark.parametrize("norm", ["custom", "torch"])
def test_rewind_then_replay_reproduces_the_statistics_exactly(small_data, norm):
    s = LiveRun(small_data, RunConfig(norm=norm, batch_size=64))  # 16 steps per epoch
    s.snapshots.every = 5
    s.advance(23)  # crosses an epoch end: population and precise statistics at step 16
    first = columns(s.history)
    first_loss = list(s.log.loss)
    first_state = copy.deepcopy(s.stepper.model.state_dict())
    assert s.rewind(12) == 2  # from the snapshot at step 10, two steps replayed
    assert s.stepper.step_count == 12 and s.history.last("1", "step") == 12 and len(s.log.loss) == 12
    assert [p.step for p in s.population_log] == []
    s.advance(11)
    again = columns(s.history)
    assert first.keys() == again.keys()
    for key in first:
        np.testing.assert_array_equal(again[key], first[key], err_msg=str(key))
    assert s.log.loss == first_loss
    for k, v in s.stepper.model.state_dict().items():
        assert torch.equal(v, first_state[k]), k
    assert [p.step for p in s.population_log] == [16]
    with pytest.raises(ValueError, match="between 0 and 23"):
        s.rewind(99)


def test_snapshots_stay_bounded(small_data):
    s = LiveRun(small_data, RunConfig(batch_size=128))
    s.snapshots.every, s.snapshots.max_snapshots = 1, 4
    s.advance(20)
    assert len(s.snapshots.snaps) <= 5 and s.snapshots.snaps[0]["step"] == 0
    s.rewind(3)
    assert s.stepper.step_count == 3


def test_precise_stats_for_nn_batchnorm_agree_with_update_bn(small_data):
    s = LiveRun(small_data, RunConfig(norm="torch", batch_size=128))
    s.advance(5)
    model = s.stepper.model
    pop = population_stats(model, small_data.train_images, batch_size=256)
    ours = with_precise_stats(model, pop)
    theirs = copy.deepcopy(model)
    loader = [X for X, _ in eval_batches(small_data.train_images, small_data.train_labels, 256)]
    torch.optim.swa_utils.update_bn(loader, theirs)
    for (n, a), (_, b) in zip(ours.named_buffers(), theirs.named_buffers()):
        if "running" in n:
            assert_close(a, b, atol=1e-5, rtol=1e-5, msg=n)


def test_precise_stats_for_the_chapters_layer_average_its_own_batch_statistics(small_data):
    """Like-for-like: the chapter's layer stores the biased batch variance, so its precise
    statistics are the average over the training set's batches of the batch mean and the biased
    batch variance — the same definition as update_bn's for nn.BatchNorm, in the layer's own
    convention (and not the variance over every value, which also holds the between-batch part)."""
    s = LiveRun(small_data, RunConfig(norm="custom", batch_size=128))
    s.advance(5)
    model = s.stepper.model
    pop = population_stats(model, small_data.train_images)
    precise = with_precise_stats(model, pop)
    X = model[0](to_float(small_data.train_images)).detach().double()  # conv1 on the whole set
    batches = X.split(256)  # the population pass's batches
    means = torch.stack([b.mean(dim=(0, 2, 3)) for b in batches]).mean(0)
    variances = torch.stack([b.var(dim=(0, 2, 3), unbiased=False) for b in batches]).mean(0)
    assert_close(precise[1].moving_mean.reshape(-1).double(), means, atol=1e-6, rtol=1e-5)
    assert_close(precise[1].moving_var.reshape(-1).double(), variances, atol=1e-6, rtol=1e-5)
    whole = X.var(dim=(0, 2, 3), unbiased=False)  # the between-batch variance makes it larger
    assert torch.all(whole > variances)
    result = compare_at(s.stepper, pop)
    # The oracle: the model in prediction mode over every test image, once with its own moving
    # statistics and once with the population's installed by hand.
    by_hand = copy.deepcopy(model)
    for name in ("1", "5", "10", "13"):
        layer = by_hand[int(name)]
        layer.moving_mean.copy_(torch.from_numpy(pop.mean_of_batch_mean[name]).reshape(layer.moving_mean.shape))
        layer.moving_var.copy_(torch.from_numpy(pop.mean_of_batch_var[name]).reshape(layer.moving_var.shape))
    assert result["step"] == 5 and result["epoch"] is None
    assert result["moving"] == direct_test_accuracy(model, small_data)
    assert result["precise"] == direct_test_accuracy(by_hand, small_data)


def direct_test_accuracy(model, data):
    """Prediction mode (eval, no_grad) over every test image in one pass."""
    model = copy.deepcopy(model).eval()
    with torch.no_grad():
        pred = model(to_float(data.test_images)).argmax(1)
    return (pred == data.test_labels).sum().item() / len(data.test_labels)


def test_run_mode_spreads_the_epoch_end_statistics_over_ticks(small_data):
    s = LiveRun(small_data, RunConfig(batch_size=128))  # 8 steps per epoch
    s.running = True
    ticks_with_job = 0
    for _ in range(200):
        s.run_for(0.001)  # a tiny slice: at most a step or a batch of the population pass per tick
        ticks_with_job += s.job is not None
        if s.stepper.step_count >= 10:
            break
    assert ticks_with_job > 1  # the epoch end did not block one tick for the whole pass
    assert [p.step for p in s.population_log] == [8]  # computed with the weights of step 8
    assert s.precise_log[0]["step"] == 8
    direct = population_stats_at(s, 8)
    np.testing.assert_allclose(s.population_log[0].mean["1"], direct.mean["1"], rtol=1e-6, atol=1e-7)


def population_stats_at(session, step):
    """The population recomputed from scratch after rewinding to `step`."""
    session.rewind(step)
    session.finish_job()
    return population_stats(session.stepper.model, session.stepper.data.train_images, step=step)


def test_run_to_epoch_end_stops_at_the_epochs_end_with_its_statistics(small_data):
    s = LiveRun(small_data, RunConfig(batch_size=128))  # 8 steps per epoch
    s.advance(3)
    assert s.run_to_epoch_end() == 5
    assert s.stepper.step_count == 8 and s.stepper.batch_in_epoch == 0
    assert [p.step for p in s.population_log] == [8] and s.precise_log[0]["step"] == 8
