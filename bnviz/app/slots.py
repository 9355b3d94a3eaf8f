"""Training slots: how many sessions of one server train at the same moment, fairly.

A Step click waits for a slot; a running session's tick takes one only if it is free at once, and
gives it up after its current step as soon as anybody else is waiting. So one student's Run does
not make everybody else's Step wait for whole ticks.
"""
import threading
from contextlib import contextmanager


class TrainingSlots:
    """At most `n` holders at once; knows whether anybody is waiting."""

    def __init__(self, n):
        self.n = n
        self._sem = threading.BoundedSemaphore(n)
        self._waiting = 0
        self._lock = threading.Lock()

    @property
    def contended(self):
        """True while somebody waits for a slot."""
        return self._waiting > 0

    @contextmanager
    def slot(self, timeout):
        """`with slots.slot(t) as got:` — got is False when no slot freed up within t seconds."""
        with self._lock:
            self._waiting += 1
        try:
            got = self._sem.acquire(timeout=timeout)
        finally:
            with self._lock:
                self._waiting -= 1
        try:
            yield got
        finally:
            if got:
                self._sem.release()
