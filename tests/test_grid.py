"""bnviz.figures.grid draws what plotly's make_subplots draws (the oracle), in one go.Figure call."""
import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly.subplots import make_subplots

from bnviz.figures.grid import Grid

SHAPES = [  # (rows, cols, titles, make_subplots options): the shapes the builders use, and odd ones
    (2, 2, ("input", "x̂", "output", "after sigmoid"), {}),
    (2, 2, ("input", "x̂", "output"), {}),  # three panels in a 2x2 grid (no activation)
    (3, 1, ("mean", "variance", "gap"), {"shared_xaxes": True, "vertical_spacing": 0.07}),
    (1, 2, ("γ", "β"), {}),
    (1, 3, ("a", "", "c"), {}),  # a cell without a title
    (2, 1, (), {"shared_xaxes": True, "vertical_spacing": 0.08}),
]


def spec(fig):
    return json.loads(pio.to_json(fig, validate=False))


@pytest.mark.parametrize("rows, cols, titles, options", SHAPES)
def test_a_grid_figure_equals_make_subplots(rows, cols, titles, options):
    expected = make_subplots(rows=rows, cols=cols, subplot_titles=list(titles) or None, **options)
    g = Grid(rows, cols, titles, **options)
    for row in range(1, rows + 1):
        for col in range(1, cols + 1):
            y = [row, col, row * col]
            expected.add_trace(go.Scatter(x=[1, 2, 3], y=y, name=f"{row}{col}"), row=row, col=col)
            g.add(go.Scatter(x=[1, 2, 3], y=y, name=f"{row}{col}"), row, col)
            expected.update_xaxes(title_text=f"x {row}{col}", row=row, col=col)
            g.axis("x", row, col)["title"] = {"text": f"x {row}{col}"}
            expected.update_yaxes(title_text=f"y {row}{col}", row=row, col=col)
            g.axis("y", row, col)["title"] = {"text": f"y {row}{col}"}
    expected.update_layout(height=500, margin=dict(t=40, b=40), title="a grid")
    expected.add_annotation(text="a note", xref="paper", yref="paper", x=0, y=-0.1, showarrow=False)
    g.note(text="a note", xref="paper", yref="paper", x=0, y=-0.1, showarrow=False)
    assert spec(g.figure(height=500, margin=dict(t=40, b=40), title="a grid")) == spec(expected)


def test_two_grids_of_one_shape_do_not_share_their_layout():
    a, b = Grid(1, 2, ("a", "b")), Grid(1, 2, ("c", "d"))
    a.axis("x", 1, 1)["title"] = {"text": "only a"}
    assert "title" not in b.axis("x", 1, 1)
    assert [n["text"] for n in b.layout["annotations"]] == ["c", "d"]


def test_a_cell_outside_the_grid_is_refused():
    with pytest.raises(ValueError, match="no cell"):
        Grid(1, 2).add(go.Scatter(), 2, 1)
