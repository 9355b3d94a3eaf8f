"""A card's run in bounded chunks: the card runs unchanged in a worker thread, which parks at a
progress tick once a chunk's time is up, until the caller lets it go on with `step()`.

    run = ChunkedRun(card, data, settings)
    while not run.finished:      # the app: one step per fragment tick, while holding a training slot
        run.step(0.8)            # returns when the worker has parked again (or finished, or failed)
    run.result                   # the CardResult (or run.error)

Not calling `step()` is Pause (the worker waits, its partial state kept); `stop()` abandons the
run (the worker raises a private exception at its next tick and ends). The cards need no change:
every card reports its progress through its Ticker, and the Ticker's callback is where the worker
parks. A chunk is at least one tick of work, so a chunk runs over its time by up to one unit
(a training step, or an epoch end's evaluation).

While parked the worker keeps torch's global CPU generator's state aside and puts it back when it
goes on, so that other sessions' draws between chunks do not change a card that draws from it
(dropout). Only the CPU generator: a card on a GPU, and draws made by other threads *during* a
chunk, are not covered (two sessions training at once share the generator, as before).

The worker holds no reference to its ChunkedRun, so a run nobody holds any more (a closed browser
session) is stopped by a finaliser; a worker parked longer than `idle_seconds` ends by itself too.
"""
import threading
import time
import weakref

import torch

IDLE_SECONDS = 3600.0  # a paused run nobody resumes for this long ends itself (its thread and model go)


class _Abandoned(BaseException):
    """Raised inside the worker's tick to end an abandoned run; a BaseException, so that no card's
    `except Exception` can swallow it."""


class _Handoff:
    """What the caller and the worker share: the go/park flags, the progress and the outcome."""

    def __init__(self, idle_seconds):
        self.cond = threading.Condition()
        self.idle_seconds = idle_seconds
        self.go = False  # the worker may work (a chunk was released and has not ended yet)
        self.stopping = False  # abandon at the next tick
        self.finished = False  # the worker has ended (result, error, or abandoned)
        self.chunk_start = self.chunk_end = 0.0  # perf_counter time after which the worker parks at its next tick
        self.stop_early = None  # or a callable: park at the next tick when it returns True
        self.done, self.total = 0, 1
        self.busy_seconds = 0.0  # time spent working, all chunks together (not parked time)
        self.rng_state = None  # the global CPU generator's state while parked (see park())
        self.result = self.error = None

    def stop(self):
        with self.cond:
            self.stopping = True
            self.cond.notify_all()

    def park(self):
        """In the worker: end this chunk and wait for the next one (or for stop)."""
        with self.cond:
            self.go = False
            self.cond.notify_all()
            # Other sessions draw from torch's global generator while this run is parked; dropout
            # cards draw from it too, so a run keeps its own stream across chunks (one at a time).
            self.rng_state = torch.get_rng_state()
            if not self.cond.wait_for(lambda: self.go or self.stopping, self.idle_seconds):
                self.stopping = True
            if self.stopping:
                raise _Abandoned
            torch.set_rng_state(self.rng_state)

    def progress(self, done, total):
        """The card's Ticker callback, in the worker: record progress; park when the chunk is up."""
        self.done, self.total = done, total
        if self.stopping:
            raise _Abandoned
        if time.perf_counter() >= self.chunk_end or (self.stop_early is not None and self.stop_early()):
            self.busy_seconds += time.perf_counter() - self.chunk_start
            self.park()

    def release(self, seconds, stop_early):
        """In the caller: let the worker run one chunk of about `seconds`."""
        with self.cond:
            self.chunk_start = time.perf_counter()
            self.chunk_end = self.chunk_start + seconds
            self.stop_early = stop_early
            self.go = True
            self.cond.notify_all()
            self.cond.wait_for(lambda: not self.go or self.finished)


def _work(handoff, card, data, settings, threads):
    torch.set_num_threads(threads)  # OpenMP's thread count is per thread: set it in the thread that trains
    try:
        with handoff.cond:  # the first chunk starts with the first step()
            if not handoff.cond.wait_for(lambda: handoff.go or handoff.stopping, handoff.idle_seconds):
                handoff.stopping = True
            if handoff.stopping:
                raise _Abandoned
        result = card.run(data, settings, progress=handoff.progress)
        handoff.busy_seconds += time.perf_counter() - handoff.chunk_start
        result.seconds = handoff.busy_seconds  # the time worked, not the time paused
        handoff.result = result
    except _Abandoned:
        pass
    except Exception as err:  # noqa: BLE001 — the caller shows it; the worker just ends
        handoff.error = err
    finally:
        with handoff.cond:
            handoff.finished, handoff.go = True, False
            handoff.cond.notify_all()


class ChunkedRun:
    """One card's run, worked through in chunks released by `step()`; see the module's docstring.

    Args:
        card: a Card. data: a FashionMNIST. settings: the card's settings.
        threads: torch threads of the worker (the app's THREADS_PER_SESSION).
        idle_seconds: a run left parked this long ends itself.
    """

    def __init__(self, card, data, settings, threads=1, idle_seconds=IDLE_SECONDS):
        self.name, self.settings = card.name, settings
        self._handoff = _Handoff(idle_seconds)
        self._thread = threading.Thread(target=_work, args=(self._handoff, card, data, settings, threads),
                                        name=f"bnviz-card-{card.name}", daemon=True)
        self._thread.start()  # it waits for the first step()
        weakref.finalize(self, self._handoff.stop)  # nobody holds the run any more: end its worker

    def step(self, seconds=0.8, stop_early=None):
        """Let the worker work for about `seconds` (less once `stop_early()` is True); returns when it
        has parked at a tick, finished or failed. Does nothing once the run has ended."""
        if not self.finished:
            self._handoff.release(seconds, stop_early)

    def stop(self, timeout=10.0):
        """Abandon the run: the worker ends at its next tick (now, if parked). Waits up to `timeout`."""
        self._handoff.stop()
        self._thread.join(timeout)

    @property
    def finished(self):
        """True once the worker has ended: with a result, an error, or abandoned."""
        return self._handoff.finished

    @property
    def abandoned(self):
        """True once the run was stopped (or idled out) before it had a result or an error."""
        return self._handoff.stopping and self._handoff.result is None and self._handoff.error is None

    @property
    def progress(self):
        """(done, total) units of work, as the card's Ticker counted them so far."""
        return self._handoff.done, self._handoff.total

    @property
    def result(self):
        """The CardResult once finished (its `seconds`: time worked, pauses left out), else None."""
        return self._handoff.result

    @property
    def error(self):
        """The exception the card raised, or None."""
        return self._handoff.error

    @property
    def thread(self):
        """The worker thread (for tests: it is gone once the run has ended)."""
        return self._thread
