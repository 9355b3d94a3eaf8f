"""Training slots: how many sessions of one server train at the same moment, fairly.

A Step click waits for a slot; a running session's tick (`urgent=False`) takes one only when no
click is waiting and one comes free within its short wait, and gives it up after its current step
as soon as anybody else is waiting. So one student's Run does not make everybody else's Step wait
for whole ticks.

A Run tick also gives way to pages being drawn (`page()` counts them): a page is what a student
waits for after a click, and on one server every thread shares one interpreter lock, so a tick
training beside a page makes the page slower. In a busy class a Run then trains a step or so per
tick, and Steps keep answering (bench/results/classroom_100.txt).

With two slots or more, Run ticks hold at most all but one of them (`background`): one slot is
always kept for clicks, so a Step waits for other Steps only, never for a tick's step.

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
import itertools
import sys
import threading
import time
from contextlib import contextmanager

SWITCH_SECONDS = 0.001  # the interpreter's switch interval on an app server (Python's default: 0.005)


class TrainingSlots:
    """At most `n` holders at once, handed out in arrival order; knows whether anybody waits."""

    def __init__(self, n):
        self.n = n
        self.background = max(1, n - 1)  # of them, at most this many held by Run ticks (urgent=False)
        self._held = 0
        self._held_background = 0
        self._queue = collections.deque()  # tickets of the waiters, oldest first
        self._urgent = collections.deque()  # the same, of the urgent ones only
        self._tickets = itertools.count()
        self._cond = threading.Condition()
        self.pages = 0  # full page runs in progress (page())
        self._drawing = threading.local()  # .page: this thread draws a page (a tick inside its own page's run)

    @property
    def contended(self):
        """True while somebody waits for a slot."""
        return bool(self._queue)

    @property
    def busy(self):
        """True while somebody waits for a slot or another page is being drawn: a Run tick stops early.
        (A tick drawn inside its own page's run, as a fragment's first run is, does not count that page.)"""
        return bool(self._queue) or self.pages > getattr(self._drawing, "page", 0)

    @contextmanager
    def page(self):
        """`with slots.page():` around a full page run, so that Run ticks give way to it."""
        with self._cond:
            self.pages += 1
        self._drawing.page = 1
        try:
            yield
        finally:
            self._drawing.page = 0
            with self._cond:
                self.pages -= 1

    @property
    def waiting(self):
        """How many wait for a slot now."""
        return len(self._queue)

    def _my_turn(self, ticket, urgent):
        if self._held >= self.n:
            return False
        if urgent:  # the oldest click; ticks never hold a click back
            return self._urgent[0] == ticket
        if self._held_background >= self.background:  # the last slot is the clicks'
            return False
        return not self._urgent and self._queue[0] == ticket

    def _acquire(self, timeout, urgent):
        deadline = time.monotonic() + timeout
        with self._cond:
            ticket = next(self._tickets)
            self._queue.append(ticket)
            if urgent:
                self._urgent.append(ticket)
            try:
                while not self._my_turn(ticket, urgent):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._cond.wait(left)
                self._held += 1
                self._held_background += not urgent
                return True
            finally:
                self._queue.remove(ticket)
                if urgent:
                    self._urgent.remove(ticket)
                self._cond.notify_all()  # the next in line may take a free slot now

    def _release(self, urgent):
        with self._cond:
            self._held -= 1
            self._held_background -= not urgent
            self._cond.notify_all()

    @contextmanager
    def slot(self, timeout, urgent=True):
        """`with slots.slot(t) as got:` — got is False when no slot freed up within t seconds.

        `urgent=False` (a Run tick) lets every waiting urgent caller (a click) go first."""
        got = self._acquire(timeout, urgent)
        try:
            yield got
        finally:
            if got:
                self._release(urgent)


def share_interpreter():
    """Let the interpreter lock change hands every SWITCH_SECONDS (once per process)."""
    if sys.getswitchinterval() > SWITCH_SECONDS:
        sys.setswitchinterval(SWITCH_SECONDS)
