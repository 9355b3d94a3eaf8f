"""Breakpoints: conditions under which a run stops by itself, with an account of where and why.

Checked after each step against the step's loss and the newest capture records, in the forward
order of the layers, so that the account names the *first* layer and quantity that went wrong.
"""
import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..i18n import Message

# Checked in this order within a layer: what entered, what normalised, what was stored, parameters.
NONFINITE_FIELDS = ("batch_mean", "batch_var", "input_pct", "output_pct", "moving_mean", "moving_var",
                    "gamma", "beta")


@dataclass
class Breakpoints:
    """When a run stops by itself. None switches a condition off."""
    nonfinite: bool = True  # a NaN or Inf in the loss or any captured statistic
    loss_jump: Optional[float] = 5.0  # the loss grows to more than this times the previous step's
    gap: Optional[float] = None  # |moving_mean - batch_mean| / batch std above this, in any channel
    gap_warmup: int = 30  # ...but only after this many steps: the moving stats start at 0 and 1
    at_step: Optional[int] = None  # stop after this step
    at_epoch_end: bool = False  # stop at the end of every epoch


@dataclass
class Hit:
    """A breakpoint that fired."""
    kind: str  # "nonfinite" | "loss_jump" | "gap" | "step" | "epoch_end"
    step: int
    message: str  # the account, in plain words (an i18n.Message: English as str, any language by .text(lang))
    layer: Optional[str] = None
    quantity: Optional[str] = None

    @property
    def fatal(self):
        """NaN/Inf: nothing sensible can follow without a Reset."""
        return self.kind == "nonfinite"


def first_nonfinite(history, step):
    """(layer, field, channel) of the first non-finite captured value at `step`, or None."""
    if history is None:
        return None
    for layer in history.layers:
        steps = history.column(layer, "step")
        if not len(steps) or steps[-1] != step:  # a layer with no record yet (or none left after a rewind)
            continue
        for field in NONFINITE_FIELDS:
            if field not in history.fields(layer):
                continue
            values = np.asarray(history.last(layer, field), dtype=np.float64).reshape(-1)
            bad = np.flatnonzero(~np.isfinite(values))
            if len(bad):
                return layer, field, int(bad[0])
    return None


def biggest_shift(history, step):
    """(layer, shift in batch standard deviations, the catalogue key of its words): the first layer, in forward order, whose
    batch mean moved more than 3 standard deviations of the previous batch; else the largest."""
    best = None
    for layer in history.layers if history is not None else []:
        steps = history.column(layer, "step")
        if len(steps) < 2 or steps[-1] != step:
            continue
        mean, prev_mean = history.column(layer, "batch_mean")[-2:]
        prev_std = np.sqrt(history.column(layer, "batch_var")[-2] + 1e-5)
        shift = float(np.max(np.abs(mean - prev_mean) / prev_std))
        if shift > 3:
            return layer, shift, "debug.shift_jumped"
        if best is None or shift > best[1]:
            best = (layer, shift, "debug.shift_most")
    return best


def check(bp, history, step, loss, prev_loss, epoch_ended, eps=1e-5):
    """The first breakpoint of `bp` that fires after `step`, or None."""
    if bp.nonfinite:
        if not math.isfinite(loss):
            where = first_nonfinite(history, step)
            message = (Message("debug.diverged_loss_at", step=step, loss=loss, layer=where[0], field=where[1],
                               channel=where[2]) if where else Message("debug.diverged_loss", step=step, loss=loss))
            return Hit("nonfinite", step, message,
                       *(where[:2] if where else (None, None)))
        where = first_nonfinite(history, step)
        if where:
            layer, field, c = where
            return Hit("nonfinite", step, Message("debug.diverged_field", step=step, field=field, channel=c,
                                                  layer=layer, loss=loss), layer, field)
    if bp.loss_jump and prev_loss is not None and math.isfinite(prev_loss) and loss > bp.loss_jump * prev_loss:
        shift = biggest_shift(history, step)
        detail = Message(shift[2], layer=shift[0], shift=shift[1]) if shift else ""
        return Hit("loss_jump", step, Message("debug.loss_jump", step=step, prev=prev_loss, loss=loss,
                                              ratio=loss / prev_loss, limit=bp.loss_jump, detail=detail),
                   shift[0] if shift else None, "loss")
    if bp.gap and step > bp.gap_warmup and history is not None:
        for layer in history.layers:
            steps = history.column(layer, "step")
            if not len(steps) or steps[-1] != step:  # no record yet, or none left after a rewind
                continue
            gap = (np.abs(history.last(layer, "moving_mean_before") - history.last(layer, "batch_mean"))
                   / np.sqrt(history.last(layer, "batch_var") + eps))
            c = int(np.argmax(gap))
            if gap[c] > bp.gap:
                return Hit("gap", step, Message("debug.gap", step=step, layer=layer, channel=c, gap=gap[c],
                                                limit=bp.gap), layer, "moving_mean")
    if bp.at_step is not None and step == bp.at_step:
        return Hit("step", step, Message("debug.at_step", step=step))
    if bp.at_epoch_end and epoch_ended:
        return Hit("epoch_end", step, Message("debug.epoch_end", step=step))
    return None
