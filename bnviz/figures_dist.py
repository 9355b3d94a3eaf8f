"""Figure builders for distributions: histograms now, heat maps and percentile bands over steps.

Each takes a History and returns a plotly Figure (counts, never raw samples); none calls st.*.
`uirevision` keeps a user's zoom while the data underneath updates.
"""
import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

TITLES = {"input": "input x (before BN)", "x_hat": "x̂ = (x − μ) / √(σ² + ε)",
          "output": "output y = γ·x̂ + β", "activation": "after the activation"}


def _centres(edges):
    return (edges[:-1] + edges[1:]) / 2


def _row_index(history, layer, step):
    steps = history.column(layer, "step")
    if step is None:
        return len(steps) - 1
    return int(np.searchsorted(steps, step, side="right")) - 1


def distributions_now(history, layer, step=None, activation="sigmoid"):
    """Four histograms of one pass of `layer` (newest, or the record at/before `step`)."""
    i = _row_index(history, layer, step)
    quantities = [q for q in TITLES if f"hist_{q}" in history.fields(layer)]
    fig = make_subplots(rows=2, cols=2, subplot_titles=[TITLES[q] if q != "activation"
                                                        else f"after the {activation}" for q in quantities])
    step_no = int(history.column(layer, "step")[i])
    notes = []
    for k, q in enumerate(quantities):
        row, col = k // 2 + 1, k % 2 + 1
        counts = history.column(layer, f"hist_{q}")[i]
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
        if counts[0] or counts[-1]:
            notes.append(f"{TITLES[q].split(' ')[0]}: {counts[0]} below, {counts[-1]} above the range")
    used, total = int(history.column(layer, "values_used")[i]), int(history.column(layer, "values_total")[i])
    sat = ""
    if "saturated" in history.fields(layer):
        sat = f" · saturated (|y| > 4): {100 * float(history.column(layer, 'saturated')[i]):.1f}%"
    sample = "all values" if used == total else f"{used:,} of {total:,} values, evenly strided"
    fig.update_layout(title=f"layer {layer}, step {step_no}: counts of {sample}{sat}",
                      height=520, margin=dict(t=70, b=30), uirevision=f"dist-{layer}", bargap=0,
                      legend=dict(orientation="h", y=-0.08))
    if notes:
        fig.add_annotation(text="; ".join(notes), xref="paper", yref="paper", x=0, y=-0.12,
                           showarrow=False, font=dict(size=11))
    return fig


def heatmap_over_steps(history, layer, quantity="input"):
    """The histogram of `quantity` at every recorded step: bins by steps, colour = count."""
    counts = history.column(layer, f"hist_{quantity}")  # (steps, bins + 2)
    steps = history.column(layer, "step")
    edges = history.bin_edges(layer, quantity)
    outside = counts[:, 0].sum() + counts[:, -1].sum()
    fig = go.Figure(go.Heatmap(x=steps, y=_centres(edges), z=counts[:, 1:-1].T, colorscale="Viridis",
                               colorbar=dict(title="count"),
                               hovertemplate="step %{x}<br>value %{y:.3f}<br>count %{z}<extra></extra>"))
    share = outside / max(counts.sum(), 1)
    fig.update_layout(title=f"layer {layer}: {TITLES[quantity]} over steps "
                            f"(fixed range {edges[0]:.3g} … {edges[-1]:.3g}; {100 * share:.2f}% of values "
                            "fell outside it)", xaxis_title="step", yaxis_title="value", height=380,
                      uirevision=f"heat-{layer}-{quantity}", margin=dict(t=60, b=40))
    return fig


def percentile_bands(history, layer, which="output", name=None):
    """15th/50th/85th percentiles over steps, the band between 15 and 85 shaded."""
    steps = history.column(layer, "step")
    pct = history.column(layer, f"{which}_pct")
    fig = go.Figure()
    add_bands(fig, steps, pct, name or ("sigmoid input" if which == "output" else "BN input"), "#4c78a8")
    fig.update_layout(title=f"layer {layer}: 15th, 50th and 85th percentiles of the "
                            f"{'BN output (the sigmoid input)' if which == 'output' else 'BN input'}",
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
