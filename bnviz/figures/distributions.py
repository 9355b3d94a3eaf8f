"""Figure builders for distributions: histograms now, heat maps and percentile bands over steps.

Each takes a History and returns a plotly Figure (counts, never raw samples); none calls st.*.
`uirevision` keeps a user's zoom while the data underneath updates.
"""
import math

import numpy as np
import plotly.graph_objects as go

from ..capturing.summaries import SATURATION
from ..i18n import text
from .grid import Grid
from .theme import themed

QUANTITY_KEYS = {"input": "figure.quantity.input", "x_hat": "figure.quantity.x_hat",  # in drawing order
                 "output": "figure.quantity.output", "activation": "figure.quantity.activation"}
QUANTITIES = tuple(QUANTITY_KEYS)


def title(quantity, lang="en"):
    """What a quantity is, in words: "input x (before BN)", "x̂ = (x − μ) / √(σ² + ε)", …."""
    return text(QUANTITY_KEYS[quantity], lang)


TITLES = {q: title(q) for q in QUANTITIES}  # English, as before


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
def distributions_now(history, layer, step=None, activation="sigmoid", channel=None, channel_counts=None,
                      lang="en"):
    """Four histograms of one pass of `layer` (newest, or the record at/before `step`).

    All channels pooled, or one channel's: `channel_counts` (quantities, bins + 2) are that
    channel's counts of the same pass (kept for the newest passes of a live run)."""
    i = history.row_at(layer, step)
    quantities = [q for q in QUANTITIES if f"hist_{q}" in history.fields(layer)]
    g = Grid(2, 2, titles=[title(q, lang) if q != "activation" else text("figure.dist.after", lang, activation=activation)
                           for q in quantities])
    step_no = int(history.column(layer, "step")[i])
    notes = []
    for k, q in enumerate(quantities):
        row, col = k // 2 + 1, k % 2 + 1
        counts = history.column(layer, f"hist_{q}")[i] if channel_counts is None else channel_counts[k]
        edges = history.bin_edges(layer, q)
        width = edges[1] - edges[0]
        g.add(go.Bar(x=_centres(edges), y=counts[1:-1], width=width, name=q, showlegend=False,
                     marker_color="#4c78a8", hovertemplate=text("figure.dist.hover", lang)), row, col)
        if q == "x_hat":  # N(0, 1) scaled to counts: total x bin width x density
            xs = np.linspace(edges[0], edges[-1], 200)
            total = counts.sum()
            g.add(go.Scatter(x=xs, y=total * width * np.exp(-xs ** 2 / 2) / math.sqrt(2 * math.pi),
                             mode="lines", line=dict(color="#e45756"), name="N(0, 1)", showlegend=True), row, col)
        g.axis("x", row, col)["title"] = {"text": text("axis.value", lang)}
        g.axis("y", row, col)["title"] = {"text": text("axis.count", lang)}
        if counts[0] or counts[-1]:
            notes.append(text("figure.dist.outside", lang, quantity=title(q, lang).split(" ")[0],
                              below=int(counts[0]), above=int(counts[-1])))
        found = spike(counts, edges) if q == "input" else None
        if found:
            notes.append(text("figure.dist.spike", lang, value=found[0], percent=100 * found[1]))
    used, total = int(history.column(layer, "values_used")[i]), int(history.column(layer, "values_total")[i])
    sat = ""
    if "saturated" in history.fields(layer):
        sat = text("figure.dist.saturated", lang, limit=SATURATION.get(activation, 4.0),
                   percent=100 * float(history.column(layer, "saturated")[i]))
    sample = text("figure.dist.all_values", lang) if used == total else text("figure.dist.sample", lang,
                                                                             used=used, total=total)
    which = (text("word.all_channels", lang) if channel_counts is None else
             text("figure.dist.channel", lang, channel=channel, count=int(channel_counts[0].sum())))
    if notes:
        g.note(text="<br>".join(notes), xref="paper", yref="paper", x=0, y=-0.12, xanchor="left", yanchor="top",
               showarrow=False, align="left", font=dict(size=11))
    return g.figure(title=text("figure.dist.title", lang, layer=layer, step=step_no, which=which, sample=sample,
                               saturated=sat),
                    height=620, margin=dict(t=70, b=110), uirevision=f"dist-{layer}", bargap=0,
                    legend=dict(x=1, y=1.02, xanchor="right", yanchor="bottom", orientation="h"))


@themed
def heatmap_over_steps(history, layer, quantity="input", lang="en"):
    """The histogram of `quantity` at every recorded step: value bins by steps, colour = the share
    of that step's values in the bin (a smaller last batch looks the same as a full one)."""
    counts = history.column(layer, f"hist_{quantity}").astype(float)  # (steps, bins + 2)
    steps = history.column(layer, "step")
    edges = history.bin_edges(layer, quantity)
    outside = counts[:, 0].sum() + counts[:, -1].sum()
    shares = counts[:, 1:-1] / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig = go.Figure(go.Heatmap(x=steps, y=_centres(edges), z=shares.T, colorscale="Viridis",
                               colorbar=dict(title=text("figure.heat.colorbar", lang), tickformat=".0%"),
                               hovertemplate=text("figure.heat.hover", lang)))
    share = outside / max(counts.sum(), 1)
    fig.update_layout(title=text("figure.heat.title", lang, layer=layer, quantity=title(quantity, lang),
                                 low=edges[0], high=edges[-1], percent=100 * share),
                      xaxis_title=text("axis.step", lang), yaxis_title=text("axis.value", lang), height=380,
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
def channel_over_steps(history, layer, channel, quantity="input", lang="en"):
    """One channel's mean and mean ± 1 standard deviation of `quantity` over steps (every value)."""
    steps, mean, sd = channel_moments(history, layer, channel, quantity)
    fig = go.Figure([
        go.Scatter(x=steps, y=mean + sd, mode="lines", line=dict(width=0, color="#4c78a8"),
                   showlegend=False, hoverinfo="skip"),
        go.Scatter(x=steps, y=mean - sd, mode="lines", line=dict(width=0, color="#4c78a8"), fill="tonexty",
                   opacity=0.3, name=text("figure.channel.band", lang)),
        go.Scatter(x=steps, y=mean, mode="lines", line=dict(color="#4c78a8"), name=text("figure.channel.mean", lang))])
    fig.update_layout(title=text("figure.channel.title", lang, layer=layer, channel=channel,
                                 quantity=title(quantity, lang)),
                      xaxis_title=text("axis.step", lang), yaxis_title=text("axis.value", lang),
                      height=380, uirevision=f"chan-{layer}-{channel}-{quantity}", margin=dict(t=60, b=40),
                      legend=dict(orientation="h", y=-0.2))
    return fig


@themed
def percentile_bands(history, layer, which="output", name=None, lang="en"):
    """15th/50th/85th percentiles over steps, the band between 15 and 85 shaded."""
    steps = history.column(layer, "step")
    pct = history.column(layer, f"{which}_pct")
    fig = go.Figure()
    label = name or text("figure.pct.sigmoid_input" if which == "output" else "figure.pct.bn_input", lang)
    add_bands(fig, steps, pct, label, "#4c78a8", lang=lang)
    used = int(history.column(layer, "pct_values")[-1])
    fig.update_layout(title=text("figure.pct.title", lang, layer=layer, used=used, which=text(
                          "figure.pct.of_output" if which == "output" else "figure.pct.bn_input", lang)),
                      xaxis_title=text("axis.step", lang), yaxis_title=text("axis.value", lang), height=340,
                      uirevision=f"pct-{layer}-{which}", margin=dict(t=50, b=40))
    return fig


def add_bands(fig, steps, pct, label, colour, lang="en", **where):
    """Add a p15–p85 band and the median line to `fig`."""
    fig.add_trace(go.Scatter(x=steps, y=pct[:, 2], mode="lines", line=dict(width=0, color=colour),
                             showlegend=False, hoverinfo="skip"), **where)
    fig.add_trace(go.Scatter(x=steps, y=pct[:, 0], mode="lines", line=dict(width=0, color=colour),
                             fill="tonexty", name=text("figure.bands.range", lang, label=label), opacity=0.3),
                  **where)
    fig.add_trace(go.Scatter(x=steps, y=pct[:, 1], mode="lines", line=dict(color=colour),
                             name=text("figure.bands.median", lang, label=label)), **where)
