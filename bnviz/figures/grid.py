"""Subplots built in one go: make_subplots' own layout, made once per grid shape, and a figure made
in one go.Figure call.

make_subplots followed by add_trace(row=, col=) and update_xaxes(row=, col=) for every panel
validates the figure again at each call: the histograms' 2x2 figure took 27 ms that way and takes
7 ms from a ready layout, and a page of the app draws one or two such figures per click, for every
student (bench/page_cost.py). The figures are the same as make_subplots' (tests/test_grid.py
compares them).

    g = Grid(2, 2, titles=("input", "x̂", "output", "activation"))
    g.add(go.Bar(x=..., y=...), row=1, col=2)
    g.axis("x", 1, 2)["title"] = {"text": "value"}
    fig = g.figure(height=620)
"""
import copy
import functools

import plotly.graph_objects as go
from plotly.subplots import make_subplots


@functools.lru_cache(maxsize=64)
def _blank(rows, cols, titled, options):
    """make_subplots' layout for this grid (no template), as plain JSON; `titled`: which cells have a title."""
    titles = [f"title {i}" if has else "" for i, has in enumerate(titled)] or None
    layout = make_subplots(rows=rows, cols=cols, subplot_titles=titles, **dict(options)).layout.to_plotly_json()
    layout.pop("template", None)
    return layout


class Grid:
    """A grid of subplots being filled: its layout (a dict to edit) and its traces."""

    def __init__(self, rows, cols, titles=(), **options):
        """`titles` one per cell, row by row ("" for none); `options` as make_subplots takes them
        (shared_xaxes, vertical_spacing, ...)."""
        titled = tuple(bool(t) for t in titles)
        self.rows, self.cols = rows, cols
        self.layout = copy.deepcopy(_blank(rows, cols, titled, tuple(sorted(options.items()))))
        for note, title in zip(self.layout.get("annotations", []), [t for t in titles if t]):
            note["text"] = title
        self.traces = []

    def _number(self, row, col):
        if not (1 <= row <= self.rows and 1 <= col <= self.cols):
            raise ValueError(f"no cell ({row}, {col}) in a {self.rows}x{self.cols} grid")
        n = (row - 1) * self.cols + col
        return "" if n == 1 else str(n)

    def axis(self, which, row, col):
        """The layout dict of cell (row, col)'s "x" or "y" axis, to edit in place."""
        return self.layout[f"{which}axis{self._number(row, col)}"]

    def add(self, trace, row, col):
        """Put `trace` (a go trace) in cell (row, col)."""
        n = self._number(row, col)
        trace.xaxis, trace.yaxis = f"x{n}", f"y{n}"
        self.traces.append(trace)
        return trace

    def note(self, **annotation):
        """Add an annotation (as fig.add_annotation takes it)."""
        self.layout.setdefault("annotations", []).append(annotation)

    def figure(self, **layout):
        """The figure: the grid's layout updated with `layout` (top-level keys), in one call."""
        return go.Figure(data=self.traces, layout={**self.layout, **layout})
