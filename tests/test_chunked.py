"""A card run in chunks (bnviz.experiments.chunked, the app's way) gives the same result as the card
run straight through; Pause and Resume change nothing; an abandoned run's worker thread ends."""
import dataclasses
import gc
import threading
import time

import pytest
import torch

from bnviz.experiments.catalog import get_card
from bnviz.experiments.chunked import ChunkedRun


@pytest.fixture
def one_thread():
    """Both runs with one torch thread (the app's), so that they can agree bit for bit."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def straight(name, data):
    card = get_card(name)
    return card.run(data, card.settings(quick=True, device="cpu"))


def chunked(name, data, between=None, seconds=0.0):
    """Run in chunks of `seconds` (0: one tick each); `between(run, chunk)` is called between chunks."""
    card = get_card(name)
    run = ChunkedRun(card, data, card.settings(quick=True, device="cpu"), threads=1)
    chunks, seen = 0, []
    while not run.finished:
        run.step(seconds)
        chunks += 1
        seen.append(run.progress)
        if between is not None:
            between(run, chunks)
    run.thread.join(10)
    assert not run.thread.is_alive() and run.error is None
    return run, chunks, seen


def same_result(a, b):
    """Tables and curves equal exactly (NaN where both are NaN), the same data and settings."""
    assert a.name == b.name and a.settings == b.settings and a.data == b.data
    assert _nan_safe(a.table) == _nan_safe(b.table)
    assert _nan_safe(a.curves) == _nan_safe(b.curves)
    assert _nan_safe(a.summary) == _nan_safe(b.summary)


def _nan_safe(value):
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, dict):
        return {k: _nan_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nan_safe(v) for v in value]
    return value


@pytest.mark.parametrize("name", ["bias", "dropout"])  # dropout draws its masks from the global generator
def test_a_chunked_run_equals_the_straight_run(name, subset, one_thread):
    expected = straight(name, subset)
    run, chunks, seen = chunked(name, subset)
    same_result(run.result, expected)
    total = get_card(name).settings(quick=True).work(get_card(name).settings(quick=True).take(subset))
    assert chunks >= total  # one tick per chunk: the run really went in pieces
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1] == (total, total)
    assert 0 < run.result.seconds


def test_pause_then_resume_gives_the_same_result(subset, one_thread):
    """Pauses of a second, and other work drawing from torch's global generator between chunks (as
    other sessions do) while the dropout card trains."""
    expected = straight("dropout", subset)

    def pause(run, chunk):
        torch.rand(10)  # another session's draws, between every two chunks
        if chunk in (5, 37):  # in the BN run, and in the dropout run
            done = run.progress
            time.sleep(1.0)
            assert run.progress == done and not run.finished and run.thread.is_alive()  # parked, kept

    run, _, _ = chunked("dropout", subset, between=pause)
    same_result(run.result, expected)


def test_stop_ends_the_worker_parked_or_fresh(subset):
    card = get_card("bias")
    parked = ChunkedRun(card, subset, card.settings(quick=True, device="cpu"))
    parked.step(0.0)
    parked.step(0.0)
    assert parked.thread.is_alive() and parked.progress[0] == 2
    parked.stop()
    assert not parked.thread.is_alive() and parked.finished and parked.abandoned and parked.result is None
    parked.step(0.0)  # a step after the end does nothing
    fresh = ChunkedRun(card, subset, card.settings(quick=True, device="cpu"))  # never stepped
    fresh.stop()
    assert not fresh.thread.is_alive()
    assert not any(t.name.startswith("bnviz-card-") for t in threading.enumerate())


def test_a_run_nobody_holds_ends_its_worker(subset):
    """A closed browser session drops its state: the finaliser stops the parked worker."""
    card = get_card("bias")
    run = ChunkedRun(card, subset, card.settings(quick=True, device="cpu"))
    run.step(0.0)
    thread = run.thread
    del run
    gc.collect()
    thread.join(10)
    assert not thread.is_alive()


def test_a_run_parked_too_long_ends_itself(subset):
    card = get_card("bias")
    run = ChunkedRun(card, subset, card.settings(quick=True, device="cpu"), idle_seconds=0.2)
    run.step(0.0)
    run.thread.join(10)
    assert not run.thread.is_alive() and run.finished and run.abandoned


def test_a_failing_card_reports_its_error(subset):
    """The card's own exception comes back to the caller; the worker ends."""
    def compute(data, settings, ticker):
        ticker.tick()
        ticker.tick()
        raise ValueError("no such layer")

    card = dataclasses.replace(get_card("bias"), compute=compute)
    run = ChunkedRun(card, subset, card.settings(quick=True, device="cpu"))
    run.step(0.0)
    assert not run.finished and run.progress[0] == 1
    run.step(0.0)
    run.step(0.0)
    run.thread.join(10)
    assert run.finished and not run.thread.is_alive() and run.result is None
    assert isinstance(run.error, ValueError) and str(run.error) == "no such layer"
