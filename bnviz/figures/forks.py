"""Figure builders for a fork (bnviz.experiments.fork): its loss and batch accuracy over the
original's, and its histograms at one BN layer position over the original's (no st.*)."""
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import text
from .theme import themed

COLOURS = {"before": "#999999", "original": "#4c78a8", "fork": "#e45756"}


@themed
def fork_curves(result, before=None, change=None, lang="en"):
    """The fork's loss and batch accuracy overlaid on the original's (a ForkResult).

    `before` optionally adds the original's curve up to the fork ({"steps", "loss", "acc"} lists);
    `change` is the change in words (default: result.change, English)."""
    change = change or result.change
    fig = make_subplots(rows=1, cols=2, subplot_titles=(text("experiments.fork.fig.loss", lang),
                                                        text("experiments.fork.fig.acc", lang)))
    for col, key in ((1, "loss"), (2, "acc")):
        if before:
            fig.add_trace(go.Scatter(x=before["steps"], y=before[key], name=text("experiments.fork.fig.before", lang),
                                     line=dict(color=COLOURS["before"]), showlegend=col == 1), row=1, col=col)
        fig.add_trace(go.Scatter(x=result.steps, y=result.original[key], name=text("experiments.fork.fig.original", lang),
                                 line=dict(color=COLOURS["original"]), showlegend=col == 1), row=1, col=col)
        fig.add_trace(go.Scatter(x=result.steps, y=result.fork[key],
                                 name=text("experiments.fork.fig.fork", lang, change=change),
                                 line=dict(color=COLOURS["fork"], dash="dash"), showlegend=col == 1), row=1, col=col)
    fig.add_vline(x=result.start_step, line_dash="dot", line_color="#666666")
    fig.update_xaxes(title_text=text("axis.step", lang))
    fig.update_layout(title=text("experiments.fork.fig.title", lang, step=result.start_step, change=change),
                      height=400, margin=dict(t=70, b=40), uirevision="fork-curves")
    return fig


@themed
def fork_histogram_figure(position, start_step, batch_step, change, lang="en"):
    """Input and output of the module at one BN layer position, the fork's over the original's
    (a PositionHistograms: shared bins, shares of all values)."""
    layer = position.layer
    fig = make_subplots(rows=1, cols=2, subplot_titles=(text("experiments.fork.fig.input", lang, layer=layer),
                                                        text("experiments.fork.fig.output", lang, layer=layer)))
    names = {"original": text("experiments.fork.fig.original", lang),
             "fork": text("experiments.fork.fig.fork", lang, change=change)}
    for col, quantity in ((1, "input"), (2, "output")):
        edges = np.asarray(position.edges[quantity])
        centres, widths = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
        for who in ("original", "fork"):
            fig.add_trace(go.Bar(x=centres, y=position.shares[quantity][who], width=widths, name=names[who],
                                 marker=dict(color=COLOURS[who], line=dict(width=0)), opacity=0.55,
                                 showlegend=col == 1, legendgroup=who), row=1, col=col)
    fig.update_xaxes(title_text=text("experiments.fork.fig.value", lang))
    fig.update_yaxes(title_text=text("experiments.fork.fig.share", lang), tickformat=".1%", col=1)
    fig.update_yaxes(tickformat=".1%", col=2)
    fig.update_layout(barmode="overlay", bargap=0, height=400, margin=dict(t=70, b=40), uirevision="fork-hist",
                      title=text("experiments.fork.fig.hist_title", lang, step=start_step, change=change,
                                 layer=layer, batch_step=batch_step))
    return fig
