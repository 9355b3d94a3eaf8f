"""The app through streamlit.testing.v1.AppTest: controls, panels, variants, bad settings."""
import base64
import json
from pathlib import Path

import numpy as np
import plotly.io as pio
import pytest
import torch
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "viz_app.py")
PANELS = ["Distributions now", "Over time", "Moving mean", "γ and β", "Training", "Inside one step"]


@pytest.fixture
def at(monkeypatch, subset):
    # The shipped subset keeps each app test fast; the browser test uses the full data.
    monkeypatch.setenv("BNVIZ_DATA", subset.path)
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not app.exception
    return app


def charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def values(v):
    """Plotly 6 sends numpy arrays as {"bdata": base64, "dtype": ...}; lists stay lists."""
    if isinstance(v, dict) and "bdata" in v:
        arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return arr.reshape(v["shape"]) if "shape" in v else arr
    return np.asarray(v)


def session(at):
    return at.session_state.session


def test_starts_and_says_which_data(at):
    text = " ".join(m.value for m in at.sidebar.markdown)
    assert "SUBSET" in text and "6,000 training" in text
    assert session(at).stepper.step_count == 0
    assert any("Nothing recorded yet" in i.value for i in at.info)


def test_step_advances_and_charts_change(at):
    at.button(key="step").click().run()
    assert session(at).stepper.step_count == 1
    first = charts(at)
    at.button(key="step").click().run()
    assert not at.exception and session(at).stepper.step_count == 2
    assert "step 2" in at.get("progress")[0].proto.text
    assert charts(at) != first
    at.number_input(key="n_steps").set_value(5).run()
    at.button(key="step_n").click().run()
    assert session(at).stepper.step_count == 7


def test_the_histogram_shown_is_the_recorded_one(at):
    at.button(key="step").click().run()
    fig = charts(at)[0]
    h = session(at).history
    np.testing.assert_array_equal(values(fig["data"][0]["y"]), h.last("1", "hist_input")[1:-1])
    x_hat = next(t for t in fig["data"] if t.get("name") == "x_hat")
    np.testing.assert_array_equal(values(x_hat["y"]), h.last("1", "hist_x_hat")[1:-1])


def test_reset_applies_new_settings_and_flags_pending_ones(at):
    at.button(key="step").click().run()
    at.selectbox(key="norm").set_value("torch").run()
    at.number_input(key="lr").set_value(0.5).run()
    assert any("press **Reset**" in w.value for w in at.sidebar.warning)
    at.button(key="reset").click().run()
    cfg = session(at).config
    assert (cfg.norm, cfg.lr, session(at).stepper.step_count) == ("torch", 0.5, 0)
    assert not any("press **Reset**" in w.value for w in at.sidebar.warning)


@pytest.mark.parametrize("norm", ["custom", "torch", "none"])
def test_every_panel_renders_for_every_variant(at, norm):
    at.selectbox(key="norm").set_value(norm).run()
    at.button(key="reset").click().run()
    at.button(key="step").click().run()
    for panel in PANELS:
        at.radio(key="panel").set_value(panel).run()
        assert not at.exception, panel
        if norm == "none" and panel != "Training":
            assert any("no BatchNorm layer" in i.value for i in at.info), panel
        elif panel == "Inside one step":
            assert "recorded:" in at.get("code")[0].proto.code_text
        else:
            assert charts(at), panel


def test_moving_mean_panel_population_button(at):
    at.button(key="step").click().run()
    at.radio(key="panel").set_value("Moving mean").run()
    at.button(key="population").click().run()
    assert not at.exception
    fig = charts(at)[0]
    names = [t.get("name") for t in fig["data"]]
    assert "average over the training set's batches (current weights)" in names
    pop = session(at).population
    assert pop is not None and pop.step == 1


def test_run_then_pause(at):
    at.button(key="run").click().run()  # the fragment trains one tick on this rerun
    assert session(at).running and session(at).stepper.step_count > 0
    assert at.button(key="run").label == "Pause"
    at.button(key="run").click().run()
    assert not session(at).running and at.button(key="run").label == "Run"


def test_run_to_end_of_epoch_stops_there(at):
    s = session(at)
    at.button(key="epoch").click().run()
    # AppTest does not fire run_every timers: rerun by hand, as ticks would. Every tick makes
    # progress (a step, or a slice of the epoch-end statistics), so a bound on ticks, not on time.
    for _ in range(300):
        if not s.running:
            break
        at.run()
    assert s.stepper.step_count == s.stepper.steps_per_epoch and not s.running
    assert s.epoch_table() and s.population is not None  # population recomputed at the epoch end


@pytest.mark.parametrize("key,value,words", [("lr", 0.0, "lr must be between"),
                                             ("lr", -1.0, "lr must be between"),
                                             ("batch_size", 1, "batch_size must be between"),
                                             ("momentum", 1.5, "momentum must be between")])
def test_bad_settings_give_a_message_and_keep_the_session(at, key, value, words):
    at.button(key="step").click().run()
    at.number_input(key=key).set_value(value).run()
    assert any(words in e.value for e in at.sidebar.error)
    at.button(key="reset").click().run()
    assert not at.exception
    assert any("Cannot reset" in e.value for e in at.error)
    assert session(at).stepper.step_count == 1  # the run the student had is still there


def test_divergence_is_explained_not_a_traceback(at):
    at.button(key="step").click().run()
    with torch.no_grad():  # force a divergence: a NaN weight makes every later number NaN
        session(at).stepper.model[0].weight[0, 0, 0, 0] = float("nan")
    at.number_input(key="n_steps").set_value(5).run()
    at.button(key="step_n").click().run()
    assert not at.exception and session(at).stepper.step_count == 2  # stopped at the first bad step
    assert any("diverged at step 2" in e.value and "lower the learning rate" in e.value.lower() for e in at.error)
    at.button(key="run").click().run()  # Run refuses, with the reason
    assert not session(at).running
    at.number_input(key="lr").set_value(1.0).run()
    at.button(key="reset").click().run()
    at.button(key="step").click().run()
    assert session(at).stepper.step_count == 1 and not session(at).stopped_because


def test_moving_mean_panel_states_this_runs_numbers(at):
    """The numbers beside the chart come from this run: its steps, batch size and last batch."""
    for _ in range(3):
        at.button(key="step").click().run()
    at.radio(key="panel").set_value("Moving mean").run()
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert f"0.9^3 = **{0.9 ** 3:.3g}**" in text and "**10 steps**" in text
    assert "which 256 images" in text and "last batch has 112" in text  # 6,000 = 23 x 256 + 112
    assert "(1 + m)/(1 − m) = 19 independent batches" in text


def test_one_channel_distributions_are_standardised(at):
    """Per channel, x̂ recorded for one channel of a real batch: its counts come from that
    channel's values only, and the pooled toggle switches back to all channels."""
    at.button(key="step").click().run()
    at.toggle(key="pooled").set_value(False).run()
    at.number_input(key="channel-6").set_value(2).run()
    assert not at.exception
    fig = charts(at)[0]
    assert "channel 2" in fig["layout"]["title"]["text"]
    s = session(at)
    raw = s.raw("1")
    counts = raw["channel_hist"][2]
    assert counts.sum(axis=1).min() == counts.sum(axis=1).max()  # each quantity counts the same values
    pooled = s.history.last("1", "hist_input")
    assert np.array_equal(raw["channel_hist"].sum(axis=0)[0], pooled)
    at.toggle(key="pooled").set_value(True).run()
    assert "all channels" in charts(at)[0]["layout"]["title"]["text"]


def test_an_experiment_card_runs_in_the_app(at):
    """The Cards tab runs a card (quick settings) and shows its figure, reading and table; the
    table is the card's own result, and the CSV download holds the same rows."""
    at.sidebar.radio(key="mode").set_value("Experiments").run()
    at.radio(key="experiment").set_value("Cards").run()
    at.selectbox(key="card_name").set_value("bias").run()
    at.toggle(key="card_quick").set_value(True).run()
    at.button(key="card_run").click().run()
    for _ in range(200):  # the run goes in chunks, one per tick; AppTest's ticks are reruns by hand
        if "card_job" not in at.session_state:
            break
        at.run()
    assert not at.exception and not at.error
    result = at.session_state.card_result
    assert result.name == "bias" and charts(at)
    drawn = at.get("plotly_chart")[0].proto  # drawn as every chart of the app: bnviz's template, PNG, SVG
    assert drawn.theme == "" and json.loads(drawn.config)["toImageButtonOptions"]["filename"] == "bnviz-card-bias"
    assert charts(at)[0]["layout"]["template"]["layout"]["colorway"] == list(pio.templates["bnviz"].layout.colorway)
    shown = at.dataframe[0].value
    assert list(shown.columns) == list(result.table[0].keys()) and len(shown) == len(result.table)
