"""AppTest coverage of the debugger controls and the experiments page."""
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "viz_app.py")


@pytest.fixture
def at(monkeypatch, subset):
    monkeypatch.setenv("BNVIZ_DATA", subset.path)
    app = AppTest.from_file(APP, default_timeout=180).run()
    assert not app.exception
    return app


def session(at):
    return at.session_state.session


def test_lr_50_stops_with_an_account_and_reset_works(at):
    at.number_input(key="lr").set_value(50.0).run()
    at.button(key="reset").click().run()
    at.number_input(key="n_steps").set_value(10).run()
    at.button(key="step_n").click().run()
    assert not at.exception
    assert session(at).stepper.step_count == 2
    assert any("Stopped at step 2: the loss jumped" in w.value for w in at.warning)
    at.number_input(key="lr").set_value(1.0).run()
    at.button(key="reset").click().run()
    at.button(key="step").click().run()
    assert session(at).stepper.step_count == 1 and session(at).hit is None


def test_breakpoint_settings_reach_the_session(at):
    at.checkbox(key="bp_jump_on").uncheck().run()
    at.number_input(key="bp_step").set_value(3).run()
    bp = session(at).breakpoints
    assert bp.loss_jump is None and bp.at_step == 3
    at.number_input(key="n_steps").set_value(10).run()
    at.button(key="step_n").click().run()
    assert session(at).stepper.step_count == 3
    assert any("Stopped at step 3, as asked" in w.value for w in at.warning)
    at.checkbox(key="bp_gap_on").check().run()
    assert session(at).breakpoints.gap == 3.0


def test_rewind_control_goes_back_and_replays_identically(at):
    at.number_input(key="n_steps").set_value(12).run()
    at.button(key="step_n").click().run()
    s = session(at)
    loss = list(s.log.loss)
    at.number_input(key="rewind_to").set_value(5).run()
    at.button(key="rewind").click().run()
    assert not at.exception and s.stepper.step_count == 5 and s.history.last("1", "step") == 5
    at.number_input(key="n_steps").set_value(7).run()
    at.button(key="step_n").click().run()
    assert s.log.loss == loss


def test_precise_statistics_panel(at):
    at.button(key="step").click().run()
    at.radio(key="panel").set_value("Precise statistics").run()
    at.button(key="precise").click().run()
    assert not at.exception
    (row,) = session(at).precise_log
    assert row["step"] == 1
    assert any(f"{row['moving']:.4f}" in str(t.value) for t in at.table)
    assert at.get("plotly_chart")


def test_experiments_mode_matrix_shows_the_trap(at):
    at.radio(key="mode").set_value("Experiments").run()
    at.radio(key="experiment").set_value("Mode matrix").run()
    assert not at.exception
    table = at.table[0].value
    trap = table[table["note"] == "the trap: eval() alone is not enough"]
    assert len(trap) == 1 and trap.iloc[0]["layer"].startswith("the chapter's")
    assert bool(trap.iloc[0]["moving statistics change"])


def test_experiments_figure1_and_twin(at):
    at.radio(key="mode").set_value("Experiments").run()
    at.radio(key="experiment").set_value("Figure 1").run()
    at.number_input(key="f1_steps").set_value(20).run()
    at.button(key="f1_run").click().run()
    assert not at.exception
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = {t.get("name") for t in fig["data"]}
    assert "no BN: test accuracy" in names and "BN: test accuracy" in names
    at.radio(key="experiment").set_value("Twin run").run()
    at.number_input(key="twin_steps").set_value(3).run()
    at.button(key="twin_run").click().run()
    assert not at.exception
    rows = at.session_state.twin.rows
    assert len(rows) == 3 and rows[0]["batch_mean"] < 1e-5


def test_replay_says_precise_needs_a_live_run(at, tmp_path, monkeypatch):
    import bnviz
    from bnviz.debug.live_run import LiveRun
    s = LiveRun(session(at).data, bnviz.RunConfig(batch_size=512))
    s.advance(2)
    (tmp_path / "r.bnviz").write_bytes(bnviz.capturing.recording.to_bytes(s.to_history()))
    monkeypatch.setattr("bnviz.app.replay.RUNS_DIR", tmp_path)
    at.radio(key="mode").set_value("Replay a recording").run()
    at.selectbox(key="server_run").set_value("r.bnviz").run()
    at.radio(key="panel").set_value("Precise statistics").run()
    assert any("need the weights of a live run" in i.value for i in at.info)
