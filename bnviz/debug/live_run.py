"""One learner's live run, as the app drives it: a stepper with capture, a step log, the epoch
statistics (epoch_statistics.py), and a clear account of anything that went wrong. No Streamlit in here: the app only
wires widgets to these methods, and tests drive them directly.
"""
import bisect
import threading
import time

import numpy as np

from ..capturing.hooks import CaptureOptions, raw_at
from ..train.config import RunConfig
from ..train.stepper import Stepper
from .breakpoints import Breakpoints, check
from .epoch_statistics import EpochStatistics
from .live import register
from .rewind import Snapshots

APP_CAPTURE = CaptureOptions(raw_values=8, raw_keep=8, max_records=4096, keep_first=256)


class StepLog:
    """Per-step loss and batch accuracy, as plain floats (one sync per step in the app)."""

    def __init__(self):
        self.step, self.epoch, self.loss, self.acc = [], [], [], []

    def add(self, result):
        self.step.append(result.step)
        self.epoch.append(result.epoch)
        self.loss.append(result.loss)
        self.acc.append(result.accuracy)


class LiveRun:
    """A live training run for one browser session (or one script)."""

    def __init__(self, data, config=None, capture_options=APP_CAPTURE):
        self.data = data
        self.capture_options = capture_options
        # Held while training and while drawing: Streamlit may start a rerun before the previous
        # run's thread has left its training loop, and a page must never show a half-made step.
        self.lock = threading.RLock()
        self.breakpoints = Breakpoints()  # kept across resets: they are the user's settings
        self.reset(config or RunConfig())
        register(self)

    def reset(self, config):
        """Start again from step 0 with `config` (a RunConfig)."""
        with self.lock:
            self._reset(config)

    def _reset(self, config):
        if hasattr(self, "statistics"):
            self.statistics.cancel_job()
        self.config = config
        self.stepper = Stepper(config, self.data)
        self.has_bn = config.norm != "none"
        self.capture = self.stepper.start_capture(self.capture_options) if self.has_bn else None
        self.log = StepLog()
        self.statistics = EpochStatistics()  # population and precise statistics, the epoch-end job
        self.snapshots = Snapshots()
        self.snapshots.maybe_take(self.stepper)  # step 0
        self.running = False
        self.target_step = None  # with running: stop by itself at this step (Step N, epoch end)
        self.hit = None  # the breakpoint that stopped the run, if any

    @property
    def history(self):
        """The capture History (None for the no-BN variant)."""
        return self.capture.history if self.capture else None

    @property
    def population_log(self):
        """Populations at epoch ends and on demand, in step order."""
        return self.statistics.population_log

    @property
    def precise_log(self):
        """Test accuracies with moving vs. precise statistics, in step order."""
        return self.statistics.precise_log

    @property
    def job(self):
        """The pending epoch-end job (None when there is none), spread over Run ticks."""
        return self.statistics.job

    @property
    def population(self):
        """The newest Population (None before the first)."""
        return self.population_log[-1] if self.population_log else None

    @property
    def stopped_because(self):
        """Why training stopped by itself, in plain words (None when it did not)."""
        return self.hit.message if self.hit else None

    @property
    def diverged(self):
        return self.hit is not None and self.hit.fatal

    # --- training ---------------------------------------------------------------------------------
    def advance(self, n=1):
        """Train n steps (fewer if a breakpoint fires); returns how many ran."""
        with self.lock:
            self._step_past_breakpoint()
            self.finish_job()
            return self._step(n, self.breakpoints)

    def _step_past_breakpoint(self):
        if self.hit is not None and not self.hit.fatal:
            self.hit = None  # a breakpoint only stops the run; stepping on clears it

    def finish_job(self):
        """Run a pending epoch-end job to its end (nothing trains before it is done)."""
        self.statistics.finish_job()

    def _step(self, n, breakpoints=None, defer=False):
        done = 0
        for _ in range(n):
            if self.diverged:
                break
            epochs_before = len(self.stepper.epochs)
            result = self.stepper.step()
            prev_loss = self.log.loss[-1] if self.log.loss else None
            self.log.add(result)
            done += 1
            epoch_ended = len(self.stepper.epochs) > epochs_before
            if epoch_ended and self.has_bn:
                self.statistics.start_job(self.stepper)
                if not defer:
                    self.finish_job()
            self.snapshots.maybe_take(self.stepper)
            hit = check(breakpoints or Breakpoints(loss_jump=None), self.history, result.step,
                        self.log.loss[-1], prev_loss, epoch_ended, self.config.eps)
            if hit is not None:
                self.hit, self.running, self.target_step = hit, False, None
                break
            if self.job is not None:  # deferred: the next ticks finish it before training on
                break
        return done

    def rewind(self, step):
        """Go back to `step` (0 <= step <= now): restore the nearest snapshot and replay exactly."""
        with self.lock:
            if not 0 <= step <= self.stepper.step_count:
                raise ValueError(f"can rewind to a step between 0 and {self.stepper.step_count}, not {step}")
            self.statistics.cancel_job()
            snap = self.snapshots.nearest(step)
            self.stepper.restore(snap)
            self.snapshots.forget_after(snap["step"])
            if self.history is not None:
                self.history.truncate(snap["step"])
            keep = bisect.bisect_right(self.log.step, snap["step"])
            for column in (self.log.step, self.log.epoch, self.log.loss, self.log.acc):
                del column[keep:]
            self.statistics.forget_after(snap["step"])
            self.hit, self.running, self.target_step = None, False, None
            self._step(step - snap["step"])  # no breakpoints while replaying the known past
            return step - snap["step"]

    def stepper_at(self, step, progress=None):
        """A separate Stepper standing at `step` (0 <= step <= now), without capture: a copy of the
        live one, or for an earlier step the nearest snapshot replayed exactly as rewind() does.
        The live run is not touched. `progress(done, total)` follows the replay."""
        with self.lock:
            now = self.stepper.step_count
            if not 0 <= step <= now:
                raise ValueError(f"can branch off a step between 0 and {now}, not {step}")
            snap = self.stepper.snapshot() if step == now else self.snapshots.nearest(step)
            copy = Stepper(self.config, self.data, cuda_graphs=False)
            copy.restore(snap)
        for done in range(step - snap["step"]):  # outside the lock: the copy is this caller's own
            copy.step()
            if progress is not None:
                progress(done + 1, step - snap["step"])
        return copy

    def start_running_until(self, step):
        """Run (in the app: tick by tick) until the stepper reaches `step`."""
        if not self.diverged and step > self.stepper.step_count:
            self.target_step, self.running = step, True

    def run_for(self, seconds, max_steps=10_000, stop_early=None):
        """Train until `seconds` have passed (at least one step), the target step, or `stop_early()`
        turns true after a step; returns steps run."""
        start, done = time.perf_counter(), 0
        while done < max_steps and not self.diverged and self.running:  # Pause: at the next step
            if self.job is not None:  # an epoch ended: its statistics first, a slice per tick
                with self.lock:
                    finished = self.statistics.advance_job(seconds - (time.perf_counter() - start))
                if not finished or (stop_early is not None and stop_early()):
                    break
                continue
            if self.target_step is not None and self.stepper.step_count >= self.target_step:
                self.running, self.target_step = False, None
                break
            with self.lock:
                self._step_past_breakpoint()
                done += self._step(1, self.breakpoints, defer=True)
            if time.perf_counter() - start >= seconds or (stop_early is not None and stop_early()):
                break
        if self.job is None and self.target_step is not None and self.stepper.step_count >= self.target_step:
            self.running, self.target_step = False, None  # (an unfinished epoch-end job goes first)
        return done

    def run_to_epoch_end(self):
        """Train to the end of the current epoch."""
        return self.advance(self.stepper.steps_per_epoch - self.stepper.batch_in_epoch)

    def compare_precise(self):
        """Test accuracy now with the moving vs. recomputed statistics (recomputes the population)."""
        with self.lock:
            return self.statistics.compare_precise(self.stepper)

    def compute_population(self):
        """Population statistics of every BN input with the current weights (about a second)."""
        if not self.has_bn:
            return None
        with self.lock:
            return self.statistics.compute_population(self.stepper)

    # --- reading ------------------------------------------------------------------------------------
    def where(self):
        """Where training stands, for the status line."""
        s = self.stepper
        return {"step": s.step_count, "epoch": s.epoch, "batch": s.batch_in_epoch,
                "steps_per_epoch": s.steps_per_epoch, "images_seen": s.images_seen,
                "device": str(s.device)}

    # --- what the panels read (RecordingView offers the same) ------------------------------------------------
    live = True

    @property
    def steps_done(self):
        return self.stepper.step_count

    def layer_facts(self, layer):
        """eps, momentum (chapter's convention), torch_layer, channels of a BN layer."""
        return self.history.meta["layers"][layer]

    def batch_sizes(self):
        """(images per batch, images in an epoch's last batch)."""
        b, n = self.config.batch_size, len(self.data.train_labels)
        return b, n % b or b

    @property
    def raw_keep(self):
        """How many of the newest steps keep raw values and per-channel histograms."""
        return self.capture_options.raw_keep if self.capture else 0

    def raw(self, layer, step=None):
        """Raw values of `layer` at `step` (default newest) as numpy, or None when not kept."""
        return raw_at(self.capture, layer, step) if self.capture else None

    def population_series(self, layer, field="mean"):
        """(steps, (k, C) values) of the population statistics computed so far."""
        return self.statistics.series(layer, field)

    def to_history(self):
        """The history with the step log, epochs and population statistics attached, for saving."""
        h = self.history
        if h is None:
            raise ValueError("the no-BN variant records no BN statistics; nothing to save")
        h.meta.update(config=self.config.to_dict(), data=self.data.describe(), device=str(self.stepper.device),
                      train_images=len(self.data.train_labels),
                      epochs=self.epoch_table())
        h.series.update({"step": np.array(self.log.step), "loss": np.array(self.log.loss),
                         "acc": np.array(self.log.acc)})
        self.statistics.attach_to(h)
        return h

    def epoch_table(self):
        """The chapter's per-epoch lines so far, as rows."""
        per = self.stepper.steps_per_epoch
        return [{"epoch": e.epoch, "end_step": e.epoch * per, "loss": e.loss, "train acc": e.train_acc,
                 "test acc": e.test_acc} for e in self.stepper.epochs]

    def memory_bytes(self):
        """Bytes this session holds: history, snapshots, step log, model and optimiser state."""
        held = self.history.nbytes() if self.history else 0
        model = sum(t.numel() * t.element_size() for t in self.stepper.model.state_dict().values())
        return held + self.snapshots.nbytes() + 4 * 8 * len(self.log.step) + 2 * model
