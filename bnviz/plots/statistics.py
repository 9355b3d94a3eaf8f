"""Statistics over steps: moving vs. batch vs. population, γ and β, the training curves (the app's
*Moving mean*, *γ and β* and *Training* panels)."""
from types import SimpleNamespace

import numpy as np

from ..figures.statistics import gamma_beta as gamma_beta_figure
from ..figures.statistics import moving_convergence, training_curves
from .source import check_channel, check_layer, history_of


def population(history, layer, field):
    """(steps, (k, C) values) of the population statistics saved in `history.series` (a LiveRun's
    epoch ends and `python -m bnviz record` keep them), empty when there are none."""
    s = history.series
    key = f"population/{layer}/{field}"
    if "population/step" not in s or key not in s:
        return np.array([]), np.empty((0, 0))
    return s["population/step"], s[key]


def moving(history, layer, channel=0, lang="en"):
    """The batch statistic, the moving one and what it estimates, like for like (the Moving mean panel).

    The estimate (the average batch statistic over the training set with the current weights) is
    drawn where the history holds it: a LiveRun's or a recording's epoch ends.

    Args:
        history: a History, a LiveRun or a capture.
        layer: a BN layer's name.
        channel: the channel to follow.
    Returns:
        A plotly Figure: mean, variance (in the layer's own convention) and their gaps.
    """
    h = history_of(history)
    layer = check_layer(h, layer)
    channel = check_channel(h, layer, channel)
    torch_layer = bool(h.meta.get("layers", {}).get(layer, {}).get("torch_layer", False))
    steps, target_mean = population(h, layer, "target_mean")
    _, target_var = population(h, layer, "target_var")
    return moving_convergence(h, layer, channel, steps, target_mean, target_var, torch_layer, lang=lang)


def gamma_beta(history, layer, channels=None, lang="en"):
    """γ and β of a layer's channels over steps.

    Args:
        history: a History, a LiveRun or a capture.
        layer: a BN layer's name.
        channels: channel numbers (default: the first 8, as the app).
    Returns:
        A plotly Figure.
    """
    h = history_of(history)
    layer = check_layer(h, layer)
    C = h.last(layer, "gamma").shape[0]
    channels = range(min(C, 8)) if channels is None else [check_channel(h, layer, c) for c in channels]
    return gamma_beta_figure(h, layer, channels, lang=lang)


def training(history, lang="en"):
    """Loss and accuracy per step, with the chapter's per-epoch lines.

    Args:
        history: a History holding the step log (a LiveRun's `run.to_history()`, a recording from
            `python -m bnviz record`), or the LiveRun itself.
    Returns:
        A plotly Figure.
    """
    h = history_of(history)
    missing = [k for k in ("step", "loss", "acc") if k not in h.series]
    if missing:
        raise ValueError(f"this history has no step log ({', '.join(missing)} missing from history.series): "
                         "a capture records BN layers only; use a LiveRun (or its run.to_history()), a "
                         "recording from `python -m bnviz record`, or set history.series['step'], "
                         "['loss'] and ['acc'] to arrays from your own loop")
    s = h.series
    log = SimpleNamespace(step=s["step"], loss=s["loss"], acc=s["acc"])
    return training_curves(log, list(h.meta.get("epochs", [])), lang=lang)
