"""The Experiments page's cards through AppTest: a run goes in chunks (one per tick), shows its
progress, pauses and resumes, refuses a second Run, ends with the card's own result; Cancel and a
change of settings end its worker; a failing card says so and the page stays usable."""
import dataclasses
import threading
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from bnviz.experiments.catalog import CARDS

APP = str(Path(__file__).resolve().parent.parent / "viz_app.py")
MAX_TICKS = 400  # AppTest does not fire run_every timers: each at.run() is one tick (a bound on ticks, not time)


@pytest.fixture
def at(monkeypatch, subset):
    monkeypatch.setenv("BNVIZ_DATA", subset.path)
    monkeypatch.setattr("bnviz.app.cards.CHUNK_SECONDS", 0.0)  # one Ticker tick per chunk: many chunks
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    app.sidebar.radio(key="mode").set_value("Experiments").run()
    app.radio(key="experiment").set_value("Cards").run()
    assert not app.exception
    return app


def card_threads():
    return [t for t in threading.enumerate() if t.name.startswith("bnviz-card-")]


def start(at, name="bias"):
    at.selectbox(key="card_name").set_value(name).run()
    at.toggle(key="card_quick").set_value(True).run()
    at.button(key="card_run").click().run()  # the fragment works one chunk on this rerun
    assert not at.exception and not at.error
    return at.session_state.card_job


def progress_text(at):
    return at.get("progress")[0].proto.text


def test_a_card_runs_in_chunks_pauses_resumes_and_shows_its_result(at, subset):
    job = start(at)
    done, total = job.progress
    assert 0 < done < total and progress_text(at) == f"{done:,} of {total:,}"
    assert at.button(key="card_pause").label == "Pause" and not job.finished

    at.button(key="card_run").click().run()  # one run at a time per session
    assert at.session_state.card_job is job
    assert any("one run at a time" in w.value for w in at.warning)

    at.button(key="card_pause").click().run()
    assert at.button(key="card_pause").label == "Resume"
    paused_at = job.progress
    for _ in range(3):  # ticks while paused do nothing; the worker waits, its state kept
        at.run()
    assert job.progress == paused_at and job.thread.is_alive() and "paused at" in progress_text(at)

    at.button(key="card_pause").click().run()  # Resume
    for _ in range(MAX_TICKS):
        if "card_job" not in at.session_state:
            break
        at.run()
    assert not at.exception and not at.error and "card_result" in at.session_state
    assert not job.thread.is_alive()
    result = at.session_state.card_result
    card = CARDS["bias"]
    torch.set_num_threads(1)  # the app's, in the worker too
    expected = card.run(subset, card.settings(quick=True))  # the same card, straight through
    assert result.table == expected.table and result.settings == expected.settings
    assert at.get("plotly_chart")  # the figure
    shown = at.dataframe[0].value
    assert len(shown) == len(expected.table) and list(shown.columns) == list(expected.table[0])
    assert shown["final test acc"].tolist() == [r["final test acc"] for r in expected.table]
    assert any(f"{result.seconds:.1f} s" in c.value for c in at.caption)
    assert "card_pause" not in [b.key for b in at.button]  # nothing runs now


def test_cancel_ends_the_worker(at):
    job = start(at)
    at.button(key="card_cancel").click().run()
    assert "card_job" not in at.session_state and not job.thread.is_alive() and job.abandoned
    assert any("cancelled" in i.value for i in at.info) and not card_threads()


def test_changing_the_settings_abandons_the_run(at):
    job = start(at)
    at.toggle(key="card_quick").set_value(False).run()
    assert "card_job" not in at.session_state and not job.thread.is_alive()
    assert any("the card or its settings changed" in i.value for i in at.info)
    job = start(at, "dropout")  # another card's run starts afresh
    at.selectbox(key="card_name").set_value("bias").run()
    assert not job.thread.is_alive() and not card_threads()


def test_a_failing_card_says_so_and_the_page_stays(at, monkeypatch):
    def compute(data, settings, ticker):
        ticker.tick()
        raise RuntimeError("out of memory")

    monkeypatch.setitem(CARDS, "bias", dataclasses.replace(CARDS["bias"], compute=compute))
    job = start(at)
    for _ in range(10):
        if "card_job" not in at.session_state:
            break
        at.run()
    assert not at.exception and any("could not finish: out of memory" in e.value for e in at.error)
    assert not job.thread.is_alive() and "card_result" not in at.session_state
    at.selectbox(key="card_name").set_value("momentum").run()  # the page goes on
    assert not at.exception and not at.error


def test_the_run_controls_in_chinese(monkeypatch, subset):
    """Running, paused, refused and cancelled: every word in Chinese (the i18n tests' page scan)."""
    import test_i18n  # its page scan; imported as a module so that pytest does not collect its tests twice
    monkeypatch.setenv("BNVIZ_DATA", subset.path)
    monkeypatch.setattr("bnviz.app.cards.CHUNK_SECONDS", 0.0)
    zh = AppTest.from_file(APP, default_timeout=120)
    zh.query_params["lang"] = "zh"
    zh.run()
    zh.sidebar.radio(key="mode").set_value("Experiments").run()
    left = {}
    job = start(zh)
    left.update(test_i18n.english_left(zh))
    zh.button(key="card_run").click().run()  # refused
    assert zh.warning
    left.update(test_i18n.english_left(zh))
    zh.button(key="card_pause").click().run()
    assert "已暂停" in progress_text(zh)
    left.update(test_i18n.english_left(zh))
    zh.toggle(key="card_quick").set_value(False).run()  # abandoned
    assert zh.info and not job.thread.is_alive()
    left.update(test_i18n.english_left(zh))
    start(zh)
    zh.button(key="card_cancel").click().run()
    left.update(test_i18n.english_left(zh))
    assert not zh.exception and left == {}
