"""The guided tour: each stop's numbers against an oracle recomputed from the run (the inputs
themselves, nn.BatchNorm, the moving average's closed form, the debugger's precise statistics),
and the page through AppTest: every stop in both directions, the question before the reveal, and
`stop=` from the URL."""
from urllib.parse import parse_qs

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest
from torch import nn

from bnviz.chapter.models import lenet
from bnviz.data.fashion_mnist import FashionMNIST
from bnviz.debug.population import population_stats
from bnviz.debug.precise import compare_at
from bnviz.experiments.tour import TourSettings, build_tour, standardise
from bnviz.experiments.tour_stops import count, dip_epoch, stop
from bnviz.experiments.tour_texts import TEXTS
from bnviz.train.config import RunConfig
from bnviz.train.stepper import Stepper

SETTINGS = TourSettings(epochs=3, drift_steps=12, eval_every=4)  # 3 epochs of the 1,024-image slice
LINK_FIELDS = {"page", "norm", "lr", "batch_size", "momentum", "eps", "seed", "device", "panel", "layer",
               "channel", "step", "stop", "lang", "lock", "hide"}
PANEL_SLUGS = {"distributions-now", "over-time", "moving-mean", "gamma-beta", "training", "inside-one-step",
               "precise-statistics"}


def tour_script():
    """The page as the app will call it (AppTest runs this function's source as a script)."""
    from bnviz.app.tour import tour_ui
    from bnviz.data.fashion_mnist import SUBSET_DIR, FashionMNIST, read_folder
    from bnviz.experiments.tour import TourSettings
    sub = read_folder(SUBSET_DIR, "subset shipped with bnviz", is_subset=True)
    data = FashionMNIST(sub.train_images[:1024], sub.train_labels[:1024], sub.test_images[:512],
                        sub.test_labels[:512], source="subset slice", path=sub.path, is_subset=True)
    tour_ui(data, TourSettings(epochs=3, drift_steps=12, eval_every=4))


@pytest.fixture(scope="module")
def data(subset):
    """The same real 1,024/512 slice as tour_script's."""
    return FashionMNIST(subset.train_images[:1024], subset.train_labels[:1024], subset.test_images[:512],
                        subset.test_labels[:512], source="subset slice", path=subset.path, is_subset=True)


@pytest.fixture(scope="module")
def run(data):
    torch.manual_seed(0)
    return build_tour(data, SETTINGS)


# --- the numbers -------------------------------------------------------------------------------------
def test_the_run_is_what_the_settings_say(run, data):
    assert run.steps == 3 * run.steps_per_epoch == 12 and len(run.epochs) == 3
    assert run.train_images == len(data.train_labels) and "SUBSET" in run.data
    assert len(run.drift.steps) == SETTINGS.drift_steps == len(run.drift.pct["no BN"])


def test_one_step_is_the_layer_input_itself(run):
    s, c = stop(run, 2), SETTINGS.channel
    step, X = run.last_input[SETTINGS.layer]
    Xc = X[:, c].astype(np.float64)
    mu, var, eps = Xc.mean(), Xc.var(), SETTINGS.eps
    assert s.numbers["step"] == step == run.steps
    assert s.numbers["n"] == Xc.size
    np.testing.assert_allclose([s.numbers["mu"], s.numbers["var"]], [mu, var], rtol=1e-5, atol=1e-7)
    x = s.numbers["x"]
    at = np.isclose(Xc, x, rtol=0, atol=1e-7)
    assert at.any()  # a real input of that step
    x_hat_nn = nn.BatchNorm2d(X.shape[1], eps=eps, affine=False).train()(torch.as_tensor(X))[:, c].detach().numpy()
    np.testing.assert_allclose(s.numbers["x_hat"], x_hat_nn[at][0], rtol=1e-4, atol=1e-5)
    assert s.choices[s.answer] == f"{s.numbers['x_hat']:.4f}"
    assert abs(s.numbers["y"] - s.numbers["y_layer"]) < 1e-4  # γ·x̂ + β against what the layer output
    assert abs(s.numbers["mm1"] - s.numbers["mm_layer"]) < 1e-5
    assert f"{s.numbers['x_hat']:.4f}" in s.reveal and f"{mu:.5f}" in s.question
    assert len({row["x"] for row in s.table}) == len(s.table) >= 1  # distinct real values (no background repeats)


def test_x_hat_is_standardised_per_channel(run):
    s = stop(run, 3)
    step, X = run.last_input[SETTINGS.layer]
    x_hat = nn.BatchNorm2d(X.shape[1], eps=SETTINGS.eps, affine=False).train()(torch.as_tensor(X)).detach()
    np.testing.assert_allclose(standardise(X, SETTINGS.eps), x_hat.numpy(), atol=1e-5)
    x64, X64 = x_hat.double().numpy(), X.astype(np.float64)
    mean, var = x64.mean(axis=(0, 2, 3)), x64.var(axis=(0, 2, 3))
    sigma2 = X64.var(axis=(0, 2, 3))
    assert np.abs(mean).max() < 1e-5
    np.testing.assert_allclose(var, sigma2 / (sigma2 + SETTINGS.eps), atol=1e-5)
    np.testing.assert_allclose(s.numbers["max_abs_mean"], np.abs(mean).max(), atol=1e-6)
    np.testing.assert_allclose([s.numbers["xvar_lo"], s.numbers["xvar_hi"]], [var.min(), var.max()], atol=1e-6)
    recorded = run.history.column(SETTINGS.layer, "batch_mean")[run.history.row_at(SETTINGS.layer, step)]
    np.testing.assert_allclose(X64.mean(axis=(0, 2, 3)), recorded, rtol=1e-4, atol=1e-6)  # the run's own record
    assert s.answer == 0 and len(s.table) == X.shape[1]


def test_moving_mean_is_the_closed_form_of_the_batch_means(run):
    h, L, c, m = run.history, SETTINGS.layer, SETTINGS.channel, SETTINGS.momentum
    b = h.column(L, "batch_mean")[:, c].astype(np.float64)
    moving = h.column(L, "moving_mean")[:, c]
    assert list(h.column(L, "step")) == list(range(1, run.steps + 1))
    for k in range(1, len(b) + 1):  # m^k · 0 (the start) + Σ_j (1 − m) · m^(k−j) · b_j
        closed = m ** k * 0.0 + np.sum((1 - m) * m ** np.arange(k - 1, -1, -1) * b[:k])
        np.testing.assert_allclose(moving[k - 1], closed, rtol=1e-4, atol=1e-6)
    s = stop(run, 5)
    k_star = s.numbers["k_star"]
    assert m ** k_star < SETTINGS.tolerance <= m ** (k_star - 1)
    assert s.choices[s.answer] == str(k_star) and len(set(s.choices)) == len(s.choices)
    assert s.numbers["moving_k"] == moving[s.numbers["k_run"] - 1]
    np.testing.assert_allclose(s.numbers["ema_k"], moving[s.numbers["k_run"] - 1], rtol=1e-4, atol=1e-6)


def test_gamma_and_beta_are_the_recorded_ones(run):
    s, h, L, c = stop(run, 4), run.history, SETTINGS.layer, SETTINGS.channel
    gamma, beta = h.column(L, "gamma"), h.column(L, "beta")
    assert (gamma[0] == 1).all() and (beta[0] == 0).all()  # the layer's start
    assert (s.numbers["gamma1"], s.numbers["beta1"]) == (gamma[-1, c], beta[-1, c])
    assert s.numbers["far"] == int(np.abs(gamma[-1] - 1).argmax())
    assert s.choices[s.answer] == ("above 1" if gamma[-1, c] > 1 else "below 1")


def test_precise_statistics_agree_with_the_debuggers(run, data):
    """The tour (experiments.recompute) and the live app's panel (debug.precise/population) are two
    implementations of one definition: retrain the same run and compare at every epoch end."""
    stepper = Stepper(SETTINGS.config(), data)
    for row in run.epochs:
        stepper.run_to_epoch_end()
        assert stepper.step_count == row["end_step"]
        got = compare_at(stepper)
        assert got["moving"] == row["test acc"]
        assert abs(got["precise"] - row["precise test acc"]) <= 2 / len(data.test_labels)
        pop = population_stats(stepper.model, stepper.data.train_images)
        for layer in run.layer_facts:
            np.testing.assert_allclose(row["precise_mean"][layer], pop.target_mean[layer], rtol=1e-4, atol=1e-5)
            np.testing.assert_allclose(row["precise_var"][layer], pop.target_var[layer], rtol=1e-4, atol=1e-5)
    s = stop(run, 7)
    i, dipped = dip_epoch(run.epochs)
    drops = [run.epochs[j - 1]["test acc"] - run.epochs[j]["test acc"] for j in range(1, len(run.epochs))]
    assert dipped == (max(drops) > 0)
    diff = run.epochs[i]["precise test acc"] - run.epochs[i]["test acc"]
    assert s.numbers["diff"] == diff
    assert s.choices[s.answer].startswith("clearly higher" if diff >= 0.01 else "clearly lower" if diff <= -0.01
                                          else "about the same")


def test_dip_is_the_largest_fall_or_else_the_largest_gain():
    rows = [{"test acc": a, "precise test acc": p} for a, p in ((0.5, 0.6), (0.7, 0.7), (0.6, 0.8), (0.4, 0.41))]
    assert dip_epoch(rows) == (3, True)  # 0.6 -> 0.4
    rising = [{"test acc": a, "precise test acc": p} for a, p in ((0.5, 0.52), (0.6, 0.7), (0.7, 0.71))]
    assert dip_epoch(rising) == (1, False)


def torch_twin(state, settings):
    """The finished model with nn.BatchNorm layers holding its γ, β and moving statistics."""
    net = lenet("torch", eps=settings.eps, momentum=settings.momentum)
    names = {"gamma": "weight", "beta": "bias", "moving_mean": "running_mean", "moving_var": "running_var"}
    mine = {}
    for k, v in state.items():
        name, field = k.rsplit(".", 1)
        if field in names:  # the chapter's (1, C[, 1, 1]) buffers -> nn.BatchNorm's (C,)
            field, v = names[field], v.reshape(-1)
        mine[f"{name}.{field}"] = v
    missing = net.load_state_dict(mine, strict=False)
    assert all(k.endswith("num_batches_tracked") for k in missing.missing_keys) and not missing.unexpected_keys
    return net


def accuracy_of(net, data):
    correct = 0
    for start in range(0, len(data.test_labels), 1024):  # the tour's evaluation batches
        X = data.test_images[start:start + 1024].unsqueeze(1).float().div(255)
        correct += int((net(X).argmax(dim=1) == data.test_labels[start:start + 1024]).sum())
    return correct / len(data.test_labels)


def test_train_eval_trap_against_nn_batchnorm(run, data):
    t, s = run.trap, stop(run, 6)
    net = torch_twin(run.model_state, SETTINGS)
    slack = 2 / len(data.test_labels)  # a float32 rounding may flip an argmax
    net.eval()  # nn.BatchNorm under eval() alone: the moving statistics, as with no_grad
    assert abs(accuracy_of(net, data) - t["no_grad_acc"]) <= slack
    assert t["torch_rule_acc"] == t["no_grad_acc"]
    net.train()  # what the chapter's rule does under eval() with gradients on: batch statistics
    with torch.no_grad():
        assert abs(accuracy_of(net, data) - t["eval_alone_acc"]) <= slack
    moved = net.get_submodule(t["layer"]).running_mean.numpy()  # and the statistics moved as nn's do
    np.testing.assert_allclose(t["mean_after"], moved, rtol=1e-4, atol=1e-5)
    assert not np.allclose(t["mean_after"], t["mean_before"])
    chapter = {(r["module"], r["gradients"]): r for r in t["matrix"] if r["rule"].startswith("the chapter")}
    assert chapter[("eval()", "on")]["normalises with"] == "batch statistics"
    assert chapter[("eval()", "on")]["moving statistics change"]
    assert s.answer == 1 and f"{t['eval_alone_acc']:.4f}" in s.reveal


def test_drift_numbers_are_the_recorded_percentiles(run):
    s = stop(run, 1)
    med = {k: run.drift.pct[k][:, 1] for k in ("BN", "no BN")}
    ranges = {k: float(v.max() - v.min()) for k, v in med.items()}
    assert (s.numbers["range_plain"], s.numbers["range_bn"]) == (ranges["no BN"], ranges["BN"])
    ratio = ranges["no BN"] / ranges["BN"]
    assert s.answer == (0 if ratio > 1.25 else 1 if ratio < 0.8 else 2)
    assert s.numbers["acc_bn"] == run.drift.acc["BN"][-1]
    assert s.numbers["layer"] == list(run.layer_facts)[SETTINGS.sigmoid]


def test_every_stop_asks_then_links_to_the_free_app(run):
    assert count() == len(TEXTS) == 8
    for n in range(1, count() + 1):
        s = stop(run, n)
        assert s.question and s.reveal and 0 <= s.answer < len(s.choices) == len(set(s.choices))
        assert "{" not in s.question + s.reveal  # every placeholder filled
        fields = {k: v[0] for k, v in parse_qs(s.link[1:], strict_parsing=True).items()}
        assert s.link.startswith("?") and set(fields) <= LINK_FIELDS
        assert fields["page"] in ("live", "experiments")
        RunConfig(norm=fields["norm"], lr=float(fields["lr"]), batch_size=int(fields["batch_size"]),
                  momentum=float(fields["momentum"]), eps=float(fields["eps"]), seed=int(fields["seed"]))
        if fields["page"] == "live":
            assert fields["panel"] in PANEL_SLUGS and fields["layer"] in run.layer_facts
            assert 0 <= int(fields["channel"]) < run.layer_facts[fields["layer"]]["channels"]
            assert 0 <= int(fields["step"])
    for bad in (0, count() + 1):
        with pytest.raises(ValueError, match="stops 1 to 8"):
            stop(run, bad)


def test_settings_refuse_what_the_tour_cannot_use():
    with pytest.raises(ValueError, match="momentum between 0 and 1"):
        TourSettings(momentum=0.0)
    with pytest.raises(ValueError, match="lr must be between"):
        TourSettings(lr=-1.0)


# --- the page -----------------------------------------------------------------------------------------
def page(**query):
    at = AppTest.from_function(tour_script, default_timeout=600)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def texts(at):
    return [m.value for m in at.markdown]


def test_every_stop_forward_then_back_question_before_reveal(run):
    at = page()
    assert not at.exception
    for n in range(1, count() + 1):
        s = stop(run, n)
        assert at.subheader[0].value == f"Stop {n} of 8: {s.title}"
        assert at.query_params["stop"] == str(n)
        assert s.question in texts(at) and s.reveal not in texts(at)  # the question first
        assert list(at.radio(key=f"tour-answer-{n}").options) == s.choices
        wrong = next(i for i in range(len(s.choices)) if i != s.answer)
        at.radio(key=f"tour-answer-{n}").set_value(s.choices[wrong])
        at.button(key=f"tour-reveal-{n}").click().run()
        assert s.reveal in texts(at) and any(s.link in t for t in texts(at))
        assert any("Not quite" in w.value and s.choices[s.answer] in w.value for w in at.warning)
        if s.figure is not None:
            assert len(at.get("plotly_chart")) == 1
        assert at.button(key="tour-next").disabled == (n == count())
        if n < count():
            at.button(key="tour-next").click().run()
    for n in range(count(), 0, -1):
        s = stop(run, n)
        assert at.subheader[0].value == f"Stop {n} of 8: {s.title}" and at.query_params["stop"] == str(n)
        assert s.reveal in texts(at)  # what the student did is kept
        at.radio(key=f"tour-answer-{n}").set_value(s.choices[s.answer]).run()
        assert any(x.value == "Right." for x in at.success)
        assert at.button(key="tour-back").disabled == (n == 1)
        if n > 1:
            at.button(key="tour-back").click().run()
    assert not at.exception


def test_stop_from_the_url_is_honoured(run):
    at = page(stop="5")
    s = stop(run, 5)
    assert at.subheader[0].value.startswith("Stop 5 of 8") and s.question in texts(at)
    assert not at.warning and at.query_params["stop"] == "5"


@pytest.mark.parametrize("value", ["abc", "0", "9", "2.5", "../etc"])
def test_bad_stop_says_so_and_falls_back_to_stop_1(run, value):
    at = page(stop=value)
    assert not at.exception
    assert any(f"stop={value}" in w.value and "1 to 8" in w.value for w in at.warning)
    assert at.subheader[0].value.startswith("Stop 1 of 8") and at.query_params["stop"] == "1"
    at.button(key="tour-next").click().run()  # and the tour goes on from there
    assert at.subheader[0].value.startswith("Stop 2 of 8") and not at.warning


@pytest.mark.parametrize("value", ["abc", "-1", "1e99"])
def test_bad_seed_says_so_and_keeps_the_tours_seed(run, value):
    at = page(seed=value, stop="2")
    assert any(f"seed={value}" in w.value and f"Using seed {SETTINGS.seed}" in w.value for w in at.warning)
    assert stop(run, 2).question in texts(at)  # the same run as the tour's own seed
