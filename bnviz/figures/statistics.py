"""Figure builders for statistics over steps: moving vs. batch vs. population, gamma and beta,
and the training curves. Each returns a plotly Figure; none calls st.*."""
import numpy as np
import plotly.graph_objects as go

from ..i18n import text
from .grid import Grid
from .theme import themed


@themed
def moving_convergence(history, layer, channel, target_steps, target_mean, target_var, torch_layer=False,
                       lang="en"):
    """Per channel, like for like: the batch statistic (noisy), the moving statistic, and what the
    moving statistic estimates (population.py: the average batch statistic over the training set,
    current weights); and the gap between the last two. The variance is the one the layer stores:
    biased for the chapter's BatchNorm, unbiased (n/(n−1)) for nn.BatchNorm's running_var."""
    steps = history.column(layer, "step")
    if torch_layer:
        mean_label, var_label = "running_mean", text("figure.conv.running_var", lang)
        batch_var_field, batch_var_label = "batch_var_unbiased", text("figure.conv.batch_var_unbiased", lang)
    else:
        mean_label, var_label = "moving_mean", text("figure.conv.moving_var", lang)
        batch_var_field, batch_var_label = "batch_var", text("figure.conv.batch_var_biased", lang)
    kind = text("word.unbiased" if torch_layer else "word.biased", lang)
    g = Grid(3, 1, shared_xaxes=True, vertical_spacing=0.07,
             titles=(text("figure.conv.mean_title", lang, channel=channel),
                     text("figure.conv.var_title", lang, channel=channel, kind=kind), text("figure.conv.gap_title", lang)))
    for row, batch_f, batch_label, moving_f, target, label in (
            (1, "batch_mean", text("figure.conv.batch_mean", lang), "moving_mean", target_mean, mean_label),
            (2, batch_var_field, batch_var_label, "moving_var", target_var, var_label)):
        g.add(go.Scatter(x=steps, y=history.column(layer, batch_f)[:, channel], mode="lines",
                         line=dict(color="#bab0ac", width=1), name=batch_label), row, 1)
        g.add(go.Scatter(x=steps, y=history.column(layer, moving_f)[:, channel], mode="lines",
                         line=dict(color="#4c78a8", width=2), name=label), row, 1)
        if len(target_steps):
            g.add(go.Scatter(x=target_steps, y=target[:, channel], mode="markers",
                             marker=dict(color="#e45756", size=9, symbol="diamond"),
                             name=text("figure.conv.target", lang), showlegend=row == 1), row, 1)
    if len(target_steps):
        idx = np.clip(np.searchsorted(steps, target_steps, side="right") - 1, 0, len(steps) - 1)
        g.add(go.Scatter(x=target_steps, y=history.column(layer, "moving_mean")[idx, channel] - target_mean[:, channel],
                         mode="lines+markers", name=text("figure.conv.mean_gap", lang)), 3, 1)
        g.add(go.Scatter(x=target_steps, y=history.column(layer, "moving_var")[idx, channel] - target_var[:, channel],
                         mode="lines+markers", name=text("figure.conv.var_gap", lang)), 3, 1)
    g.axis("x", 3, 1)["title"] = {"text": text("axis.step", lang)}
    for row, key in ((1, "axis.mean"), (2, "axis.variance"), (3, "axis.moving_minus_average")):
        g.axis("y", row, 1)["title"] = {"text": text(key, lang)}
    return g.figure(height=700, uirevision=f"conv-{layer}-{channel}", margin=dict(t=40, b=40),
                    legend=dict(orientation="h", y=-0.08))


@themed
def gamma_beta(history, layer, channels, lang="en"):
    """gamma and beta of the chosen channels over steps."""
    steps = history.column(layer, "step")
    g = Grid(1, 2, titles=(text("figure.gb.gamma", lang), text("figure.gb.beta", lang)))
    for c in channels:
        g.add(go.Scatter(x=steps, y=history.column(layer, "gamma")[:, c], mode="lines", name=f"γ[{c}]",
                         legendgroup=str(c)), 1, 1)
        g.add(go.Scatter(x=steps, y=history.column(layer, "beta")[:, c], mode="lines", name=f"β[{c}]",
                         legendgroup=str(c), showlegend=False), 1, 2)
    for col, name in ((1, "γ"), (2, "β")):
        g.axis("x", 1, col)["title"] = {"text": text("axis.step", lang)}
        g.axis("y", 1, col)["title"] = {"text": name}
    return g.figure(height=360, uirevision=f"gb-{layer}", margin=dict(t=40, b=40))


@themed
def training_curves(log, epochs, lang="en"):
    """Loss and accuracy per step, and the chapter's per-epoch train/test accuracy."""
    g = Grid(1, 2, titles=(text("figure.training.loss", lang), text("figure.training.accuracy", lang)))
    g.add(go.Scatter(x=log.step, y=log.loss, mode="lines", name=text("figure.training.batch_loss", lang),
                     line=dict(color="#bab0ac")), 1, 1)
    g.add(go.Scatter(x=log.step, y=log.acc, mode="lines", name=text("figure.training.batch_acc", lang),
                     line=dict(color="#bab0ac")), 1, 2)
    if epochs:
        ends = [e["end_step"] for e in epochs]
        g.add(go.Scatter(x=ends, y=[e["loss"] for e in epochs], mode="lines+markers",
                         name=text("figure.training.epoch_loss", lang)), 1, 1)
        g.add(go.Scatter(x=ends, y=[e["train acc"] for e in epochs], mode="lines+markers",
                         name=text("figure.training.epoch_train_acc", lang)), 1, 2)
        g.add(go.Scatter(x=ends, y=[e["test acc"] for e in epochs], mode="lines+markers",
                         name=text("figure.training.test_acc", lang)), 1, 2)
    for col, key in ((1, "axis.cross_entropy"), (2, "axis.share_correct")):
        g.axis("x", 1, col)["title"] = {"text": text("axis.step", lang)}
        g.axis("y", 1, col)["title"] = {"text": text(key, lang)}
    return g.figure(height=360, uirevision="training", margin=dict(t=40, b=40))
