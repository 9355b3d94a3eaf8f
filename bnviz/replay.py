"""A recording opened for the app: the same read-only interface as a live Session, no model."""
import numpy as np

from .session import StepLog


class Replay:
    """Read-only source of panels built from a loaded History (a .bnviz recording)."""
    live = False
    running = False
    stopped_because = None

    def __init__(self, history, name):
        self.history, self.name = history, name
        self.has_bn = bool(history.layers)
        self.log = StepLog()
        s = history.series
        if "step" in s:
            self.log.step, self.log.loss, self.log.acc = (s["step"].tolist(), s["loss"].tolist(), s["acc"].tolist())
            self.log.epoch = [0] * len(self.log.step)

    @property
    def steps(self):
        """Every recorded step, in order."""
        return np.unique(np.concatenate([self.history.column(l, "step") for l in self.history.layers]))

    @property
    def steps_done(self):
        return int(self.steps[-1]) if len(self.steps) else 0

    def layer_facts(self, layer):
        return self.history.meta["layers"][layer]

    def raw(self, layer, step=None):
        return None  # raw values are not saved in recordings

    def epoch_table(self):
        return list(self.history.meta.get("epochs", []))

    def population_series(self, layer, field="mean"):
        s = self.history.series
        if "population/step" not in s:
            return np.array([]), np.empty((0, 0))
        return s["population/step"], s[f"population/{layer}/{field}"]

    def describe(self):
        m = self.history.meta
        cfg = m.get("config", {})
        return (f"{self.name}: {len(self.steps):,} recorded steps of norm={cfg.get('norm', '?')}, "
                f"lr={cfg.get('lr', '?')}, batch {cfg.get('batch_size', '?')}; data: {m.get('data', 'unknown')}; "
                f"recorded on {m.get('device', '?')}")
