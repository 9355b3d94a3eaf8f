"""Training slots: how many sessions of one server train at the same moment, fairly.

A Step click waits for a slot; a running session's tick (`urgent=False`) takes one only when no
click is waiting and one comes free within its short wait, and gives it up after its current step
as soon as anybody else is waiting. So one student's Run does not make everybody else's Step wait
for whole ticks.

Clicks are served first come, first served. A plain semaphore is not fair: a released slot goes
to whichever thread the scheduler wakes first, so with a class of 100 some Step clicks waited for
the full SLOT_WAIT_SECONDS while later ones went through (bench/classroom_100.py measured it).

A page's figures are pure Python: while pages are drawn, a Step's training thread, which gives
up the interpreter lock at every tensor operation, waits for it each time (a step took 9x longer
beside four drawing threads). The lock changes hands every millisecond instead of every five
(2-3x less waiting, bench/results/classroom_100.txt). Making pages take turns to draw was tried
and dropped: under overload every Run and Pause then queued behind all pages (p50 8 s).
"""
import collections
import sys
import threading
import time
from contextlib import contextmanager

SWITCH_SECONDS = 0.001  # the interpreter's switch interval on an app server (Python's default: 0.005)


class TrainingSlots:
    """At most `n` holders at once, handed out in arrival order; knows whether anybody waits.

    Each waiter sleeps on its own condition and is woken only when it is its turn: waking all
    of a class's waiters at every release made each of them take the interpreter lock in turn.
    """

    def __init__(self, n):
        self.n = n
        self._held = 0
        self._lock = threading.Lock()
        self._queue = collections.deque()  # the waiters' conditions, oldest first
        self._urgent = collections.deque()  # the same, of the urgent ones only

    @property
    def contended(self):
        """True while somebody waits for a slot."""
        return bool(self._queue)

    @property
    def waiting(self):
        """How many wait for a slot now."""
        return len(self._queue)

    def _next(self):
        """The waiter whose turn it is (clicks first, oldest first), or None."""
        if self._held >= self.n or not self._queue:
            return None
        return self._urgent[0] if self._urgent else self._queue[0]

    def _acquire(self, timeout, urgent):
        deadline = time.monotonic() + timeout
        with self._lock:
            me = threading.Condition(self._lock)
            self._queue.append(me)
            if urgent:
                self._urgent.append(me)
            try:
                while self._next() is not me:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    me.wait(left)
                self._held += 1
                return True
            finally:
                self._queue.remove(me)
                if urgent:
                    self._urgent.remove(me)
                self._wake()  # the next in line may take a free slot now

    def _wake(self):
        nxt = self._next()
        if nxt is not None:
            nxt.notify()

    def _release(self):
        with self._lock:
            self._held -= 1
            self._wake()

    @contextmanager
    def slot(self, timeout, urgent=True):
        """`with slots.slot(t) as got:` — got is False when no slot freed up within t seconds.

        `urgent=False` (a Run tick) lets every waiting urgent caller (a click) go first."""
        got = self._acquire(timeout, urgent)
        try:
            yield got
        finally:
            if got:
                self._release()


def share_interpreter():
    """Let the interpreter lock change hands every SWITCH_SECONDS (once per process)."""
    if sys.getswitchinterval() > SWITCH_SECONDS:
        sys.setswitchinterval(SWITCH_SECONDS)
