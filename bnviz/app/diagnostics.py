"""Server diagnostics for load tests: how many sessions are alive and what they hold.

Counts LiveRun objects through a WeakSet (an object count, not RSS: RSS does not shrink after
Python frees memory), and the bytes each holds in its history, snapshots, logs and model. With
BNVIZ_STATS_FILE set, the app writes these numbers as JSON after script runs (at most once a
second), with the server-side time of each clicked action: from its callback's start (a Step's
wait for a training slot included) to the end of the script run that shows its result.
"""
import collections
import gc
import json
import logging
import os
import threading
import time
import uuid

import streamlit as st

from ..debug.live import LIVE

RUN_SECONDS = collections.deque(maxlen=5000)  # server-side durations of recent script runs
ACTION_SECONDS = collections.defaultdict(lambda: collections.deque(maxlen=5000))  # {"step": [s, ...]}
WRITE_EVERY = 1.0  # seconds between two writes of the statistics file
_lock = threading.Lock()
_record_lock = threading.Lock()  # script threads append while one of them copies
_last_write = [0.0]


def rss_bytes():
    """Resident set size of this process (Linux), or 0."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


_last_collect = [time.monotonic()]


def collect_garbage(every_seconds=60):
    """Run the cyclic garbage collector at most once a minute.

    Streamlit's per-session objects refer to each other in cycles, so an expired browser session
    (and the model and history in its state) is freed only by the cyclic collector, which an idle
    server may not run for a long time. bnviz's own objects form no cycle (tested).
    """
    now = time.monotonic()
    if now - _last_collect[0] >= every_seconds:
        _last_collect[0] = now
        gc.collect()


def record_run(seconds):
    """Note how long one script run took on the server."""
    with _record_lock:
        RUN_SECONDS.append(seconds)


def action_started(name):
    """In a button's callback: this run's result is the answer to action `name` (e.g. "step")."""
    st.session_state["bnviz_action"] = (name, time.perf_counter())


def run_finished(started):
    """At the end of a full script run that began (after its callbacks) at `started`: record the
    run's time and, when a click caused it, the click's time from its callback's start, and the
    callback's share of it (`NAME_callback`: for a Step, its wait for a slot and the training)."""
    now = time.perf_counter()
    record_run(now - started)
    name, clicked = st.session_state.pop("bnviz_action", (None, None))
    if name is not None:
        with _record_lock:
            ACTION_SECONDS[name].append(now - clicked)
            ACTION_SECONDS[f"{name}_callback"].append(started - clicked)


def streamlit_sessions():
    """(sessions Streamlit holds, of which connected), or (-1, -1) outside a server."""
    from streamlit.runtime import Runtime
    try:  # no public accessor; AppTest's runtime is a stand-in without one
        manager = Runtime.instance()._session_mgr
        return len(manager.list_sessions()), len(manager.list_active_sessions())
    except (AttributeError, RuntimeError, TypeError):
        return -1, -1


def stats():
    """{"time", "sessions", "session_bytes", "rss_bytes", "streamlit_sessions", "connected",
    "run_seconds", "actions"} of this process."""
    sessions = list(LIVE)
    held, connected = streamlit_sessions()
    with _record_lock:
        runs = list(RUN_SECONDS)
        actions = {name: list(times) for name, times in ACTION_SECONDS.items()}
    return {"time": time.time(), "sessions": len(sessions),
            "session_bytes": sum(s.memory_bytes() for s in sessions), "rss_bytes": rss_bytes(),
            "streamlit_sessions": held, "connected": connected, "run_seconds": runs, "actions": actions}


def write_stats(path, every=None):
    """Write stats() to `path` atomically, at most once per `every` (default WRITE_EVERY) seconds;
    never raises (diagnostics must not break a page)."""
    every = WRITE_EVERY if every is None else every
    now = time.monotonic()
    with _lock:
        if now - _last_write[0] < every:
            return
        _last_write[0] = now
    try:
        tmp = f"{path}.{uuid.uuid4().hex}.tmp"  # each script thread its own temporary file
        with open(tmp, "w") as f:
            json.dump(stats(), f)
        with _lock:
            os.replace(tmp, path)
    except (OSError, ValueError):
        logging.getLogger("bnviz.app.diagnostics").warning("could not write %s", path, exc_info=True)
