"""Server diagnostics for load tests: how many sessions are alive and what they hold.

Counts Session objects through a WeakSet (an object count, not RSS: RSS does not shrink after
Python frees memory), and the bytes each holds in its history, snapshots, logs and model. With
BNVIZ_STATS_FILE set, the app writes these numbers as JSON on every script run.
"""
import json
import os
import time
import weakref

LIVE = weakref.WeakSet()  # every Session alive in this process


def register(session):
    LIVE.add(session)


def rss_bytes():
    """Resident set size of this process (Linux), or 0."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def stats():
    """{"time", "sessions", "session_bytes", "rss_bytes"} of this process now."""
    sessions = list(LIVE)
    return {"time": time.time(), "sessions": len(sessions),
            "session_bytes": sum(s.memory_bytes() for s in sessions), "rss_bytes": rss_bytes()}


def write_stats(path):
    """Write stats() to `path` atomically."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(stats(), f)
    os.replace(tmp, path)
