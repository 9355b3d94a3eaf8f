"""The server statistics a load bench reads (BNVIZ_STATS_FILE): per-click timings, sessions, bytes."""
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from bnviz.app import diagnostics

APP = str(Path(__file__).resolve().parent.parent / "viz_app.py")


def test_each_step_click_is_timed_and_the_session_counted(monkeypatch, subset, tmp_path):
    stats_path = tmp_path / "stats.json"
    monkeypatch.setenv("BNVIZ_DATA", subset.path)
    monkeypatch.setenv("BNVIZ_STATS_FILE", str(stats_path))
    monkeypatch.setattr(diagnostics, "WRITE_EVERY", 0.0)  # every run writes (the server: once a second)
    monkeypatch.setattr(diagnostics, "RUN_SECONDS", type(diagnostics.RUN_SECONDS)(maxlen=5000))
    monkeypatch.setattr(diagnostics, "ACTION_SECONDS", type(diagnostics.ACTION_SECONDS)(diagnostics.ACTION_SECONDS.default_factory))
    at = AppTest.from_file(APP, default_timeout=120).run()
    clicks = 3
    for _ in range(clicks):
        at.button(key="step").click().run()
    assert not at.exception
    stats = json.loads(stats_path.read_text())
    session = at.session_state.session
    assert session.stepper.step_count == clicks
    steps, callbacks = stats["actions"]["step"], stats["actions"]["step_callback"]
    assert len(steps) == len(callbacks) == clicks  # one timing per click, none for the first page load
    assert all(0 <= c <= s for s, c in zip(steps, callbacks))  # the callback is part of the click's time
    assert len(stats["run_seconds"]) == clicks + 1  # the page load and one full run per click
    assert stats["sessions"] >= 1 and stats["session_bytes"] >= session.memory_bytes() > 0


def test_the_statistics_file_is_written_at_most_once_per_interval(tmp_path):
    path = tmp_path / "stats.json"
    diagnostics.write_stats(path, every=0.0)
    first = path.read_text()
    diagnostics.record_run(123.0)  # a run the next write would show
    diagnostics.write_stats(path, every=3600.0)  # within the interval: not written
    assert path.read_text() == first
    diagnostics.write_stats(path, every=0.0)
    assert 123.0 in json.loads(path.read_text())["run_seconds"]
