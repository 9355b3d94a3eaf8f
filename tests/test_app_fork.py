"""The live page's "Fork from here" through AppTest: a fork's curves and histograms appear, the live
run's step and numbers stay those of a run that never forked, and bad values give a message."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

import bnviz

APP = str(Path(__file__).resolve().parent.parent / "viz_app.py")


@pytest.fixture
def at(monkeypatch, subset):
    monkeypatch.setenv("BNVIZ_DATA", subset.path)  # the shipped subset keeps it fast
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not app.exception
    assert not app.get("number_input") or "fork_steps" not in [w.key for w in app.number_input]  # closed: no controls
    app.toggle(key="fork_open").set_value(True).run()
    return app


def fork_charts(at):
    """{title: figure} of the fork's charts."""
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return {f["layout"]["title"]["text"]: f for f in figs
            if f["layout"].get("title", {}).get("text", "").startswith("Fork at step")}


@pytest.fixture
def app_threads():
    """Torch threads as the app trains (floating-point sums may differ in the last bit with another count)."""
    from bnviz.app.controls import THREADS_PER_SESSION
    before = torch.get_num_threads()
    torch.set_num_threads(THREADS_PER_SESSION)
    yield
    torch.set_num_threads(before)


def values(v):
    import base64
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v, dtype=float)


def test_a_fork_overlays_its_curves_and_histograms_and_the_live_run_is_unchanged(at, subset, app_threads):
    for _ in range(3):
        at.button(key="step").click().run()
    session = at.session_state.session
    at.selectbox(key="fork_change").set_value("lr").run()
    at.number_input(key="fork_factor").set_value(10.0).run()
    at.number_input(key="fork_steps").set_value(3).run()
    at.button(key="fork_run").click().run()
    assert not at.exception and not at.error
    made = at.session_state.fork
    result = made["result"]
    charts = fork_charts(at)
    curves = charts["Fork at step 3: lr x 10"]
    hist = charts["Fork at step 3: lr x 10; net[1] on the batch of step 7"]
    fork_loss = next(t for t in curves["data"] if t["name"] == "fork: lr x 10")
    np.testing.assert_array_equal(values(fork_loss["y"]), result.fork["loss"])
    before = next(t for t in curves["data"] if t["name"] == "before the fork")
    np.testing.assert_array_equal(values(before["y"]), session.log.loss)  # the run's own 3 steps
    bars = [t for t in hist["data"] if t["type"] == "bar"]
    assert [t["name"] for t in bars] == ["original", "fork: lr x 10"] * 2
    np.testing.assert_array_equal(values(bars[1]["y"]), made["hists"].layers["1"].shares["input"]["fork"])
    assert "share" in hist["layout"]["yaxis"]["title"]["text"]

    # A run that never forked (with the app's torch threads): the same losses, and the fork's
    # original continues it exactly.
    plain = bnviz.Stepper(bnviz.RunConfig(device="cpu"), subset)
    plain_loss = [plain.step().loss for _ in range(6)]
    assert session.stepper.step_count == 3 and session.log.loss == plain_loss[:3]
    assert result.original["loss"] == plain_loss[3:]
    at.button(key="step").click().run()  # the live run goes on as if nothing happened
    assert session.log.loss == plain_loss[:4]
    plain_at_4 = bnviz.Stepper(bnviz.RunConfig(device="cpu"), subset)
    plain_at_4.run(4)
    for k, v in plain_at_4.model.state_dict().items():
        assert torch.equal(session.stepper.model.state_dict()[k], v), k

    # From a rewind point: step 1, with its one step of history before it.
    at.number_input(key="fork_at_4").set_value(1).run()
    at.selectbox(key="fork_change").set_value("group").run()
    at.button(key="fork_run").click().run()
    assert not at.exception and not at.error
    result = at.session_state.fork["result"]
    assert result.start_step == 1 and result.original["loss"] == plain_loss[1:4]
    assert at.session_state.fork["before"]["loss"] == plain_loss[:1]
    at.selectbox(key="fork_layer").set_value("13").run()
    assert "Fork at step 1: BN -> GroupNorm; net[13] on the batch of step 5" in fork_charts(at)
    assert session.stepper.step_count == 4


def test_bad_fork_values_give_a_message_and_keep_the_run(at):
    at.button(key="step").click().run()
    at.number_input(key="fork_factor").set_value(0.0).run()
    at.button(key="fork_run").click().run()
    assert not at.exception
    assert any("k must be a number above 0" in e.value for e in at.error)
    assert "fork" not in at.session_state and at.session_state.session.stepper.step_count == 1
    at.selectbox(key="fork_change").set_value("batch").run()
    at.number_input(key="fork_batch").set_value(0).run()
    at.button(key="fork_run").click().run()
    assert any("batch size must be a whole number from 1 to 6,000" in e.value for e in at.error)
    at.selectbox(key="norm").set_value("none").run()
    at.button(key="reset").click().run()
    at.selectbox(key="fork_change").set_value("frozen").run()
    at.button(key="fork_run").click().run()
    assert not at.exception and any("no BN layer to replace or freeze" in e.value for e in at.error)
    at.selectbox(key="fork_change").set_value("lr").run()  # the learning rate forks a run without BN
    at.number_input(key="fork_factor").set_value(2.0).run()
    at.number_input(key="fork_steps").set_value(2).run()
    at.button(key="fork_run").click().run()
    assert not at.exception and not at.error and "Fork at step 0: lr x 2" in fork_charts(at)
    assert any("no BN layer: no histograms" in i.value for i in at.info)


def test_a_fork_in_chinese_shows_no_english_sentence(monkeypatch, subset):
    from test_i18n import english_left  # the i18n tests' scanner of every rendered text
    monkeypatch.setenv("BNVIZ_DATA", subset.path)
    zh = AppTest.from_file(APP, default_timeout=120)
    zh.query_params["lang"] = "zh"
    zh.run()
    zh.toggle(key="fork_open").set_value(True).run()
    zh.button(key="step").click().run()
    for change in ("lr", "none"):
        zh.selectbox(key="fork_change").set_value(change).run()
        zh.number_input(key="fork_steps").set_value(2).run()
        zh.button(key="fork_run").click().run()
        assert not zh.exception and not zh.error
        assert english_left(zh) == {}
    titles = {json.loads(c.proto.spec)["layout"].get("title", {}).get("text") for c in zh.get("plotly_chart")}
    assert "第 1 步的分叉：批量规范化 → 无；net[1]，第 4 步的小批量" in titles


def test_a_fork_from_step_0_before_any_step(at):
    at.selectbox(key="fork_change").set_value("frozen").run()
    at.number_input(key="fork_steps").set_value(2).run()
    at.button(key="fork_run").click().run()
    assert not at.exception and not at.error
    made = at.session_state.fork
    assert made["result"].steps == [1, 2] and made["before"]["steps"] == []
    assert made["hists"].layers["1"].modules == {"original": "BatchNorm", "fork": "FrozenStats"}
    assert at.session_state.session.stepper.step_count == 0
    at.button(key="fork_clear").click().run()
    assert "fork" not in at.session_state and not fork_charts(at)
