"""A recording opened for the app: the same read-only interface as a live LiveRun, no model."""
import numpy as np

from .live_run import StepLog


class RecordingView:
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

    raw_keep = 0

    def batch_sizes(self):
        """(images per batch, images in an epoch's last batch; the same where not recorded)."""
        b = int(self.history.meta.get("config", {}).get("batch_size", 256))
        n = self.history.meta.get("train_images")
        return b, (n % b or b) if n else b

    def epoch_table(self):
        return list(self.history.meta.get("epochs", []))

    def population_series(self, layer, field="mean"):
        s = self.history.series
        if "population/step" not in s:
            return np.array([]), np.empty((0, 0))
        key = f"population/{layer}/{field}"
        if key not in s:  # recorded before bnviz kept it (older recordings: mean and var only)
            return np.array([]), np.empty((0, 0))
        return s["population/step"], s[key]

    def describe(self):
        m = self.history.meta
        cfg = m.get("config", {})
        return (f"{self.name}: {len(self.steps):,} recorded steps of norm={cfg.get('norm', '?')}, "
                f"lr={cfg.get('lr', '?')}, batch {cfg.get('batch_size', '?')}; data: {m.get('data', 'unknown')}; "
                f"recorded on {m.get('device', '?')}")
