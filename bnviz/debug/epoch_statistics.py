"""The statistics a live run computes over the whole training set: population statistics (at
every epoch end and on demand) and test accuracy with moving vs. precise statistics.

An epoch end's computation is a job (a generator) that the app spreads over its Run ticks, a batch
at a time, so the page keeps refreshing; nothing may train the model until it is finished.
"""
import time

import numpy as np

from .population import population_passes, population_stats
from .precise import compare_at


class EpochStatistics:
    """The population and precise-statistics logs of one run, and the pending epoch-end job."""

    def __init__(self):
        self.population_log = []  # Populations at epoch ends and on demand, in step order
        self.precise_log = []  # {"step", "epoch", "moving", "precise"} test accuracies, in step order
        self.job = None  # the epoch-end job, while pending

    # --- the epoch-end job ------------------------------------------------------------------------
    def start_job(self, stepper):
        """Begin the epoch-end job for `stepper`'s current weights (run it with finish/advance)."""
        self.job = self._job(stepper)

    def _job(self, stepper):
        pop = yield from population_passes(stepper.model, stepper.data.train_images, step=stepper.step_count)
        self.add_population(pop)
        self.add_precise(compare_at(stepper, pop))

    def finish_job(self):
        """Run a pending job to its end."""
        if self.job is not None:
            for _ in self.job:
                pass
            self.job = None

    def advance_job(self, seconds):
        """Work on the pending job for up to `seconds`; True when it is finished."""
        start = time.perf_counter()
        for _ in self.job:
            if time.perf_counter() - start >= seconds:
                return False
        self.job = None
        return True

    def cancel_job(self):
        """Drop a pending job (closing it restores the model's BN buffers and modes)."""
        if self.job is not None:
            self.job.close()
            self.job = None

    # --- on demand ----------------------------------------------------------------------------------
    def compute_population(self, stepper):
        """Population statistics of every BN input with `stepper`'s current weights."""
        self.finish_job()
        pop = population_stats(stepper.model, stepper.data.train_images, step=stepper.step_count)
        self.add_population(pop)
        return pop

    def compare_precise(self, stepper):
        """Test accuracy now with the moving vs. recomputed statistics (recomputes the population)."""
        result = compare_at(stepper, self.compute_population(stepper))
        self.add_precise(result)
        return result

    # --- the logs -------------------------------------------------------------------------------------
    def add_population(self, pop):
        self.population_log.append(pop)
        self.population_log.sort(key=lambda p: p.step)

    def add_precise(self, result):
        self.precise_log.append(result)
        self.precise_log.sort(key=lambda r: r["step"])

    def forget_after(self, step):
        """Drop what was computed after `step` (a rewind)."""
        self.population_log = [p for p in self.population_log if p.step <= step]
        self.precise_log = [p for p in self.precise_log if p["step"] <= step]

    def series(self, layer, field="mean"):
        """(steps, values (k, C)) of a population field computed so far for `layer`."""
        if not self.population_log:
            return np.array([]), np.empty((0, 0))
        return (np.array([p.step for p in self.population_log]),
                np.stack([getattr(p, field)[layer] for p in self.population_log]))

    def attach_to(self, history):
        """Put the population statistics into `history.series`, for saving."""
        if self.population_log:
            history.series["population/step"] = np.array([p.step for p in self.population_log])
            for layer in history.layers:
                for field in ("mean", "var", "target_mean", "target_var"):
                    history.series[f"population/{layer}/{field}"] = self.series(layer, field)[1]
