"""Server diagnostics for load tests: how many sessions are alive and what they hold.

Counts LiveRun objects through a WeakSet (an object count, not RSS: RSS does not shrink after
Python frees memory), and the bytes each holds in its history, snapshots, logs and model. With
BNVIZ_STATS_FILE set, the app writes these numbers as JSON on every script run.
"""
import collections
import gc
import json
import logging
import os
import threading
import time
import uuid

from ..debug.live import LIVE

RUN_SECONDS = collections.deque(maxlen=5000)  # server-side durations of recent script runs
_lock = threading.Lock()


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
    RUN_SECONDS.append(seconds)


def stats():
    """{"time", "sessions", "session_bytes", "rss_bytes", "runs", "run_seconds"} of this process."""
    sessions = list(LIVE)
    return {"time": time.time(), "sessions": len(sessions),
            "session_bytes": sum(s.memory_bytes() for s in sessions), "rss_bytes": rss_bytes(),
            "run_seconds": list(RUN_SECONDS)}


def write_stats(path):
    """Write stats() to `path` atomically; never raises (diagnostics must not break a page)."""
    try:
        tmp = f"{path}.{uuid.uuid4().hex}.tmp"  # each script thread its own temporary file
        with open(tmp, "w") as f:
            json.dump(stats(), f)
        with _lock:
            os.replace(tmp, path)
    except (OSError, ValueError):
        logging.getLogger("bnviz.app.diagnostics").warning("could not write %s", path, exc_info=True)
