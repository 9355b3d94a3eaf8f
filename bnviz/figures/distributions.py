"""Figure builders for distributions: histograms now, heat maps and percentile bands over steps.

Each takes a History and returns a plotly Figure (counts, never raw samples); none calls st.*.
`uirevision` keeps a user's zoom while the data underneath updates.
"""
import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..capturing.summaries import SATURATION
from .theme import themed

TITLES = {"input": "input x (before BN)", "x_hat": "x̂ = (x − μ) / √(σ² + ε)",
          "output": "output y = γ·x̂ + β", "activation": "after the activation"}


def _centres(edges):
    return (edges[:-1] + edges[1:]) / 2


def spike(counts, edges, min_share=0.1):
    """(value, share) of a bar holding at least `min_share` of all values and 5x the typical
    non-empty bar, or None. Such a bar is real: e.g. a convolution over blank background (zero
    pixels) outputs exactly its bias, the same value for every such position."""
    inside = counts[1:-1].astype(float)
    total = counts.sum()
    if total == 0 or not inside.any():
        return None
    k = int(inside.argmax())
    typical = np.median(inside[inside > 0])
    share = inside[k] / total
    if share >= min_share and inside[k] >= 5 * typical:
        return float((edges[k] + edges[k + 1]) / 2), float(share)
    return None


@themed
def distributions_now(history, layer, step=None, activation="sigmoid", channel=None, channel_counts=None):
    """Four histograms of one pass of `layer` (newest, or the record at/before `step`).

    All channels pooled, or one channel's: `channel_counts` (quantities, bins + 2) are that
    channel's counts of the same pass (kept for the newest passes of a live run)."""
    i = history.row_at(layer, step)
    quantities = [q for q in TITLES if f"hist_{q}" in history.fields(layer)]
    fig = make_subplots(rows=2, cols=2, subplot_titles=[TITLES[q] if q != "activation"
                                                        else f"after the {activation}" for q in quantities])
    step_no = int(history.column(layer, "step")[i])
    notes = []
    for k, q in enumerate(quantities):
        row, col = k // 2 + 1, k % 2 + 1
        counts = history.column(layer, f"hist_{q}")[i] if channel_counts is None else channel_counts[k]
        edges = history.bin_edges(layer, q)
        width = edges[1] - edges[0]
        fig.add_trace(go.Bar(x=_centres(edges), y=counts[1:-1], width=width, name=q, showlegend=False,
                             marker_color="#4c78a8", hovertemplate="%{x:.3f}: %{y} values<extra></extra>"),
                      row=row, col=col)
        if q == "x_hat":  # N(0, 1) scaled to counts: total x bin width x density
            xs = np.linspace(edges[0], edges[-1], 200)
            total = counts.sum()
            fig.add_trace(go.Scatter(x=xs, y=total * width * np.exp(-xs ** 2 / 2) / math.sqrt(2 * math.pi),
                                     mode="lines", line=dict(color="#e45756"), name="N(0, 1)",
                                     showlegend=True), row=row, col=col)
        fig.update_xaxes(title_text="value", row=row, col=col)
        fig.update_yaxes(title_text="count", row=row, col=col)
        if counts[0] or counts[-1]:
            notes.append(f"{TITLES[q].split(' ')[0]}: {int(counts[0])} below, {int(counts[-1])} above the range")
        found = spike(counts, edges) if q == "input" else None
        if found:
            notes.append(f"the tall input bar at {found[0]:.3g} holds {100 * found[1]:.0f}% of the values: real "
                         "(equal values, e.g. a convolution over blank background outputs exactly its bias)")
    used, total = int(history.column(layer, "values_used")[i]), int(history.column(layer, "values_total")[i])
    sat = ""
    if "saturated" in history.fields(layer):
        sat = (f" · saturated (|y| > {SATURATION.get(activation, 4.0):.3g}): "
               f"{100 * float(history.column(layer, 'saturated')[i]):.1f}%")
    sample = "all values" if used == total else f"a random {used:,} of {total:,} values"
    which = "all channels" if channel_counts is None else f"channel {channel} ({int(channel_counts[0].sum()):,} of them)"
    fig.update_layout(title=f"layer {layer}, step {step_no}, {which}: counts of {sample}{sat}",
                      height=620, margin=dict(t=70, b=110), uirevision=f"dist-{layer}", bargap=0,
                      legend=dict(x=1, y=1.02, xanchor="right", yanchor="bottom", orientation="h"))
    if notes:
        fig.add_annotation(text="<br>".join(notes), xref="paper", yref="paper", x=0, y=-0.12,
                           xanchor="left", yanchor="top", showarrow=False, align="left", font=dict(size=11))
    return fig


@themed
def heatmap_over_steps(history, layer, quantity="input"):
    """The histogram of `quantity` at every recorded step: value bins by steps, colour = the share
    of that step's values in the bin (a smaller last batch looks the same as a full one)."""
    counts = history.column(layer, f"hist_{quantity}").astype(float)  # (steps, bins + 2)
    steps = history.column(layer, "step")
    edges = history.bin_edges(layer, quantity)
    outside = counts[:, 0].sum() + counts[:, -1].sum()
    shares = counts[:, 1:-1] / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig = go.Figure(go.Heatmap(x=steps, y=_centres(edges), z=shares.T, colorscale="Viridis",
                               colorbar=dict(title="share of<br>the step's<br>values", tickformat=".0%"),
                               hovertemplate="step %{x}<br>value %{y:.3f}<br>share %{z:.2%}<extra></extra>"))
    share = outside / max(counts.sum(), 1)
    fig.update_layout(title=f"layer {layer}: {TITLES[quantity]} over steps, all channels "
                            f"(fixed range {edges[0]:.3g} … {edges[-1]:.3g}; {100 * share:.2f}% of values "
                            "fell outside it)", xaxis_title="step", yaxis_title="value", height=380,
                      uirevision=f"heat-{layer}-{quantity}", margin=dict(t=60, b=40))
    return fig


def channel_moments(history, layer, channel, quantity="input"):
    """(steps, mean, standard deviation) of one channel's `quantity` at every recorded step, exact:
    from the statistics over every value (input: the batch's; x̂ and the output follow from it)."""
    col = lambda f: history.column(layer, f)[:, channel].astype(np.float64)
    steps, mean, var = history.column(layer, "step"), col("batch_mean"), col("batch_var")
    if quantity == "input":
        return steps, mean, np.sqrt(var)
    eps = history.meta.get("layers", {}).get(layer, {}).get("eps", 1e-5)
    batch = history.column(layer, "batch_stats").astype(bool)
    norm_mean = np.where(batch, mean, col("moving_mean_before"))
    norm_var = np.where(batch, var, col("moving_var_before"))
    scale = 1 / np.sqrt(norm_var + eps)
    m, sd = (mean - norm_mean) * scale, np.sqrt(var) * scale  # x̂ = (x − μ) / √(σ² + ε)
    if quantity == "x_hat":
        return steps, m, sd
    gamma, beta = col("gamma"), col("beta")  # y = γ·x̂ + β
    return steps, gamma * m + beta, np.abs(gamma) * sd


@themed
def channel_over_steps(history, layer, channel, quantity="input"):
    """One channel's mean and mean ± 1 standard deviation of `quantity` over steps (every value)."""
    steps, mean, sd = channel_moments(history, layer, channel, quantity)
    fig = go.Figure([
        go.Scatter(x=steps, y=mean + sd, mode="lines", line=dict(width=0, color="#4c78a8"),
                   showlegend=False, hoverinfo="skip"),
        go.Scatter(x=steps, y=mean - sd, mode="lines", line=dict(width=0, color="#4c78a8"), fill="tonexty",
                   opacity=0.3, name="mean ± 1 standard deviation (biased)"),
        go.Scatter(x=steps, y=mean, mode="lines", line=dict(color="#4c78a8"), name="mean")])
    fig.update_layout(title=f"layer {layer}, channel {channel}: {TITLES[quantity]} over steps "
                            "(every value of each batch)", xaxis_title="step", yaxis_title="value",
                      height=380, uirevision=f"chan-{layer}-{channel}-{quantity}", margin=dict(t=60, b=40),
                      legend=dict(orientation="h", y=-0.2))
    return fig


@themed
def percentile_bands(history, layer, which="output", name=None):
    """15th/50th/85th percentiles over steps, the band between 15 and 85 shaded."""
    steps = history.column(layer, "step")
    pct = history.column(layer, f"{which}_pct")
    fig = go.Figure()
    add_bands(fig, steps, pct, name or ("sigmoid input" if which == "output" else "BN input"), "#4c78a8")
    used = int(history.column(layer, "pct_values")[-1])
    fig.update_layout(title=f"layer {layer}: 15th, 50th and 85th percentiles of the "
                            f"{'BN output (the sigmoid input)' if which == 'output' else 'BN input'}, "
                            f"all channels ({used:,} random values a step)",
                      xaxis_title="step", yaxis_title="value", height=340,
                      uirevision=f"pct-{layer}-{which}", margin=dict(t=50, b=40))
    return fig


def add_bands(fig, steps, pct, label, colour, **where):
    """Add a p15–p85 band and the median line to `fig`."""
    fig.add_trace(go.Scatter(x=steps, y=pct[:, 2], mode="lines", line=dict(width=0, color=colour),
                             showlegend=False, hoverinfo="skip"), **where)
    fig.add_trace(go.Scatter(x=steps, y=pct[:, 0], mode="lines", line=dict(width=0, color=colour),
                             fill="tonexty", name=f"{label}: 15–85th", opacity=0.3), **where)
    fig.add_trace(go.Scatter(x=steps, y=pct[:, 1], mode="lines", line=dict(color=colour),
                             name=f"{label}: median"), **where)
