"""The app's figures for notebooks and scripts: each takes a History and returns a Plotly figure
(issue 15).

    from bnviz import plots
    plots.distributions(run.history, "1")      # the four histograms at the newest step
    plots.save(fig, "figure.svg")               # PNG or SVG, drawn by kaleido in a local Chromium
    plots.moving(run.history, "1", lang="zh")  # the figures' words in Chinese (English by default)

A History comes from `bnviz.capture(model)`, a `bnviz.LiveRun` or `bnviz.load_recording(path)`;
the LiveRun or the capture itself may be passed too (they also keep each channel's newest values).
"""
from .distributions import distributions, heatmap, percentiles
from .export import find_browser, save, to_image
from .inside import inside_step
from .statistics import gamma_beta, moving, training

__all__ = ["distributions", "heatmap", "percentiles", "moving", "gamma_beta", "training", "inside_step",
           "save", "to_image", "find_browser"]
