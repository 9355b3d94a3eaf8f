"""Figure builders for statistics over steps: moving vs. batch vs. population, gamma and beta,
and the training curves. Each returns a plotly Figure; none calls st.*."""
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots


def moving_convergence(history, layer, channel, population_steps, population_mean, population_var,
                       torch_layer=False):
    """Per channel: batch statistic (noisy), moving statistic, population statistic; and the gap."""
    steps = history.column(layer, "step")
    var_label = "running_var (PyTorch stores the unbiased one)" if torch_layer else "moving_var (biased)"
    mean_label = "running_mean" if torch_layer else "moving_mean"
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                        subplot_titles=(f"mean of channel {channel}", f"variance of channel {channel}",
                                        "gap: moving − population"))
    for row, batch_f, moving_f, pop, label in (
            (1, "batch_mean", "moving_mean", population_mean, mean_label),
            (2, "batch_var", "moving_var", population_var, var_label)):
        fig.add_trace(go.Scatter(x=steps, y=history.column(layer, batch_f)[:, channel], mode="lines",
                                 line=dict(color="#bab0ac", width=1), name=f"{batch_f} (this batch)"),
                      row=row, col=1)
        fig.add_trace(go.Scatter(x=steps, y=history.column(layer, moving_f)[:, channel], mode="lines",
                                 line=dict(color="#4c78a8", width=2), name=label), row=row, col=1)
        if len(population_steps):
            fig.add_trace(go.Scatter(x=population_steps, y=pop[:, channel], mode="markers",
                                     marker=dict(color="#e45756", size=9, symbol="diamond"),
                                     name="population (whole training set)"), row=row, col=1)
    if len(population_steps):
        idx = np.clip(np.searchsorted(steps, population_steps, side="right") - 1, 0, len(steps) - 1)
        fig.add_trace(go.Scatter(x=population_steps, y=history.column(layer, "moving_mean")[idx, channel]
                                 - population_mean[:, channel], mode="lines+markers", name="mean gap"),
                      row=3, col=1)
        fig.add_trace(go.Scatter(x=population_steps, y=history.column(layer, "moving_var")[idx, channel]
                                 - population_var[:, channel], mode="lines+markers", name="variance gap"),
                      row=3, col=1)
    fig.update_layout(height=700, uirevision=f"conv-{layer}-{channel}", margin=dict(t=40, b=40),
                      legend=dict(orientation="h", y=-0.08))
    fig.update_xaxes(title_text="step", row=3, col=1)
    return fig


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
    return fig


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
    return fig
