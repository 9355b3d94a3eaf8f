"""Figure builders for statistics over steps: moving vs. batch vs. population, gamma and beta,
and the training curves. Each returns a plotly Figure; none calls st.*."""
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .theme import themed


@themed
def moving_convergence(history, layer, channel, target_steps, target_mean, target_var, torch_layer=False):
    """Per channel, like for like: the batch statistic (noisy), the moving statistic, and what the
    moving statistic estimates (population.py: the average batch statistic over the training set,
    current weights); and the gap between the last two. The variance is the one the layer stores:
    biased for the chapter's BatchNorm, unbiased (n/(n−1)) for nn.BatchNorm's running_var."""
    steps = history.column(layer, "step")
    if torch_layer:
        mean_label, var_label = "running_mean", "running_var (unbiased)"
        batch_var_field, batch_var_label = "batch_var_unbiased", "batch variance, unbiased (this batch)"
    else:
        mean_label, var_label = "moving_mean", "moving_var (biased)"
        batch_var_field, batch_var_label = "batch_var", "batch variance, biased (this batch)"
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                        subplot_titles=(f"mean of channel {channel}", f"variance of channel {channel} "
                                        f"({'unbiased' if torch_layer else 'biased'})",
                                        "gap: moving − average over the training set's batches"))
    for row, batch_f, batch_label, moving_f, target, label in (
            (1, "batch_mean", "batch mean (this batch)", "moving_mean", target_mean, mean_label),
            (2, batch_var_field, batch_var_label, "moving_var", target_var, var_label)):
        fig.add_trace(go.Scatter(x=steps, y=history.column(layer, batch_f)[:, channel], mode="lines",
                                 line=dict(color="#bab0ac", width=1), name=batch_label), row=row, col=1)
        fig.add_trace(go.Scatter(x=steps, y=history.column(layer, moving_f)[:, channel], mode="lines",
                                 line=dict(color="#4c78a8", width=2), name=label), row=row, col=1)
        if len(target_steps):
            fig.add_trace(go.Scatter(x=target_steps, y=target[:, channel], mode="markers",
                                     marker=dict(color="#e45756", size=9, symbol="diamond"),
                                     name="average over the training set's batches (current weights)",
                                     showlegend=row == 1), row=row, col=1)
    if len(target_steps):
        idx = np.clip(np.searchsorted(steps, target_steps, side="right") - 1, 0, len(steps) - 1)
        fig.add_trace(go.Scatter(x=target_steps, y=history.column(layer, "moving_mean")[idx, channel]
                                 - target_mean[:, channel], mode="lines+markers", name="mean gap"),
                      row=3, col=1)
        fig.add_trace(go.Scatter(x=target_steps, y=history.column(layer, "moving_var")[idx, channel]
                                 - target_var[:, channel], mode="lines+markers", name="variance gap"),
                      row=3, col=1)
    fig.update_layout(height=700, uirevision=f"conv-{layer}-{channel}", margin=dict(t=40, b=40),
                      legend=dict(orientation="h", y=-0.08))
    fig.update_xaxes(title_text="step", row=3, col=1)
    fig.update_yaxes(title_text="mean", row=1, col=1)
    fig.update_yaxes(title_text="variance", row=2, col=1)
    fig.update_yaxes(title_text="moving − average", row=3, col=1)
    return fig


@themed
def gamma_beta(history, layer, channels):
    """gamma and beta of the chosen channels over steps."""
    steps = history.column(layer, "step")
    fig = make_subplots(rows=1, cols=2, subplot_titles=("γ (scale)", "β (shift)"))
    for c in channels:
        fig.add_trace(go.Scatter(x=steps, y=history.column(layer, "gamma")[:, c], mode="lines",
                                 name=f"γ[{c}]", legendgroup=str(c)), row=1, col=1)
        fig.add_trace(go.Scatter(x=steps, y=history.column(layer, "beta")[:, c], mode="lines",
                                 name=f"β[{c}]", legendgroup=str(c), showlegend=False), row=1, col=2)
    fig.update_layout(height=360, uirevision=f"gb-{layer}", margin=dict(t=40, b=40))
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text="γ", row=1, col=1)
    fig.update_yaxes(title_text="β", row=1, col=2)
    return fig


@themed
def training_curves(log, epochs):
    """Loss and accuracy per step, and the chapter's per-epoch train/test accuracy."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("loss", "accuracy"))
    fig.add_trace(go.Scatter(x=log.step, y=log.loss, mode="lines", name="batch loss",
                             line=dict(color="#bab0ac")), row=1, col=1)
    fig.add_trace(go.Scatter(x=log.step, y=log.acc, mode="lines", name="batch accuracy (train)",
                             line=dict(color="#bab0ac")), row=1, col=2)
    if epochs:
        ends = [e["end_step"] for e in epochs]
        fig.add_trace(go.Scatter(x=ends, y=[e["loss"] for e in epochs], mode="lines+markers",
                                 name="epoch mean loss"), row=1, col=1)
        fig.add_trace(go.Scatter(x=ends, y=[e["train acc"] for e in epochs], mode="lines+markers",
                                 name="epoch train acc"), row=1, col=2)
        fig.add_trace(go.Scatter(x=ends, y=[e["test acc"] for e in epochs], mode="lines+markers",
                                 name="test acc (prediction mode)"), row=1, col=2)
    fig.update_layout(height=360, uirevision="training", margin=dict(t=40, b=40))
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text="cross-entropy", row=1, col=1)
    fig.update_yaxes(title_text="share correct", row=1, col=2)
    return fig
