"""Twin run: the chapter's BatchNorm and nn.BatchNorm trained side by side with the same seed,
initial weights and data order; per step, the largest difference in each statistic.

They are meant to agree on everything except the stored variance: the chapter stores the biased
batch variance in moving_var, PyTorch the unbiased one in running_var. That row is compared twice:
as stored (labelled "meant to differ") and after carrying the chapter layer's unbiased batch
variance through PyTorch's update (see conventions.py).
"""
import numpy as np
import torch

from ..capturing.hooks import CaptureOptions
from ..train.config import RunConfig
from ..train.stepper import Stepper

SAME = ("batch_mean", "batch_var", "moving_mean", "gamma", "beta")


class TwinRun:
    """Two steppers, norm="custom" and norm="torch", stepped together."""

    def __init__(self, data, config=None):
        config = config or RunConfig()
        self.custom = Stepper(RunConfig(**{**config.to_dict(), "norm": "custom"}), data)
        self.torch = Stepper(RunConfig(**{**config.to_dict(), "norm": "torch"}), data)
        with torch.no_grad():  # the same initial weights (and gamma = 1, beta = 0 in both)
            for a, b in zip(self.custom.model.parameters(), self.torch.model.parameters()):
                b.copy_(a.reshape(b.shape))
        options = CaptureOptions(raw_values=0)
        self.caps = (self.custom.start_capture(options), self.torch.start_capture(options))
        self.momentum = config.momentum
        self._converted = {}  # layer -> the chapter's variance carried in PyTorch's convention
        self.rows = []

    def step(self, n=1):
        """Step both n times; returns the rows added (one per step)."""
        added = []
        for _ in range(n):
            a, b = self.custom.step(), self.torch.step()
            added.append(self._compare(a, b))
        self.rows += added
        return added

    def _compare(self, a, b):
        ha, hb = self.caps[0].history, self.caps[1].history
        row = {"step": a.step, "loss": abs(a.loss - b.loss)}
        for field in SAME:
            row[field] = max(float(np.max(np.abs(ha.last(l, field) - hb.last(l, field)))) for l in ha.layers)
        stored, converted = 0.0, 0.0
        m = self.momentum
        for l in ha.layers:
            mv, rv = ha.last(l, "moving_var"), hb.last(l, "moving_var")
            stored = max(stored, float(np.max(np.abs(mv - rv))))
            # PyTorch's update, fed with the chapter layer's own unbiased batch variance.
            prev = self._converted.get(l, np.ones_like(mv, dtype=np.float64))
            self._converted[l] = m * prev + (1 - m) * ha.last(l, "batch_var_unbiased").astype(np.float64)
            converted = max(converted, float(np.max(np.abs(self._converted[l] - rv))))
        row["moving_var as stored (meant to differ: biased vs unbiased)"] = stored
        row["moving_var after conversion"] = converted
        return row
