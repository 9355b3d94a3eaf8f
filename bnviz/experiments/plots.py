"""Plotly figure helpers the cards share (no st.*): curves in panels, and bars per variant."""
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import from_english

PALETTE = ("#4c78a8", "#e45756", "#54a24b", "#f58518", "#b279a2", "#72b7b2", "#9d755d", "#eeca3b",
           "#ff9da6", "#bab0ac")


def curves_figure(curves, title, panels=None, y_titles=None, log_y=(), log_x=(), x_title="step"):
    """One subplot per panel; each curve {"x", "y", "panel"[, "dash"]} a line, one colour per
    label across panels (the label is the text before ': ')."""
    panels = panels or sorted({c.get("panel", "") for c in curves.values()})
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=panels)
    colours, shown = {}, set()
    for name, c in curves.items():
        if c.get("panel", panels[0]) not in panels:
            continue
        group = name.split(": ")[0]
        colour = colours.setdefault(group, PALETTE[len(colours) % len(PALETTE)])
        col = panels.index(c.get("panel", panels[0])) + 1
        fig.add_trace(go.Scatter(x=c["x"], y=c["y"], mode="lines+markers" if len(c["x"]) < 30 else "lines",
                                 name=group, legendgroup=group, showlegend=group not in shown,
                                 line=dict(color=colour, dash=c.get("dash", "solid"))), row=1, col=col)
        shown.add(group)
    for i, panel in enumerate(panels, 1):
        if panel in log_y:
            fig.update_yaxes(type="log", row=1, col=i)
        fig.update_xaxes(type="log" if panel in log_x else "linear", title_text=x_title, row=1, col=i)
        if y_titles and panel in y_titles:
            fig.update_yaxes(title_text=y_titles[panel], row=1, col=i)
    fig.update_layout(title=title, height=420, margin=dict(t=70, b=40))
    return fig


def bars_figure(rows, x, ys, title, y_title=None, published=None):
    """Grouped bars: one bar per row for each column in `ys`; `published` adds horizontal lines
    {label: value} for the published numbers."""
    fig = go.Figure([go.Bar(x=[str(r[x]) for r in rows], y=[r[y] for r in rows], name=y,
                            marker_color=PALETTE[i % len(PALETTE)]) for i, y in enumerate(ys)])
    for i, (label, value) in enumerate((published or {}).items()):
        fig.add_hline(y=value, line_dash="dot", annotation_text=label,
                      line_color=PALETTE[(i + 3) % len(PALETTE)])
    fig.update_layout(title=title, barmode="group", height=420, yaxis_title=y_title,
                      margin=dict(t=70, b=40))
    return fig


def combine(*figures, titles=None):
    """Figures side by side in one (their traces copied into subplots)."""
    fig = make_subplots(rows=1, cols=len(figures), subplot_titles=titles)
    for i, f in enumerate(figures, 1):
        for trace in f.data:
            fig.add_trace(trace, row=1, col=i)
    fig.update_layout(height=420, margin=dict(t=70, b=40))
    return fig


def translated(fig, keys, lang="en"):
    """`fig` with every word that is the English text of one of `keys` (trace names, titles, subplot
    titles, axis titles, annotations) in `lang`; the data untouched. English returns `fig` as it is."""
    if lang == "en":
        return fig
    say = lambda words: from_english(words, keys, lang)  # noqa: E731
    for trace in fig.data:
        if trace.name:
            trace.name = say(trace.name)
    for note in fig.layout.annotations:
        note.text = say(note.text)
    if fig.layout.title.text:
        fig.layout.title.text = say(fig.layout.title.text)
    for axis in [k for k in fig.layout if k.startswith(("xaxis", "yaxis"))]:
        title = fig.layout[axis].title
        if title.text:
            title.text = say(title.text)
    return fig
