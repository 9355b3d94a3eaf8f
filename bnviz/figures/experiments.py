"""Figure builders for the experiments: Figure 1, the twin run, precise statistics (no st.*)."""
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .distributions import add_bands
from .theme import themed

COLOURS = {"BN": "#4c78a8", "no BN": "#e45756"}


@themed
def figure1_figure(result):
    """Percentile bands of the chosen sigmoid's input and test accuracy, both nets."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        f"input of sigmoid #{result.sigmoid}: 15th, 50th, 85th percentiles", "test accuracy"))
    for k, pct in result.pct.items():
        add_bands(fig, result.steps, pct, f"{k} (lr {result.lrs[k]:g})", COLOURS[k], row=1, col=1)
        fig.add_trace(go.Scatter(x=result.eval_steps, y=result.acc[k], mode="lines+markers",
                                 name=f"{k}: test accuracy", line=dict(color=COLOURS[k])), row=1, col=2)
    fig.update_layout(height=420, uirevision="figure1", margin=dict(t=50, b=40))
    fig.update_xaxes(title_text="step")
    return fig


@themed
def twin_figure(rows):
    """Largest difference per statistic per step, on a log scale."""
    fig = go.Figure()
    if rows:
        for key in [k for k in rows[0] if k != "step"]:
            fig.add_trace(go.Scatter(x=[r["step"] for r in rows], y=[max(r[key], 1e-12) for r in rows],
                                     mode="lines+markers", name=key,
                                     line=dict(dash="dot" if "meant to differ" in key else "solid")))
    fig.update_layout(title="chapter's BN vs nn.BatchNorm: largest absolute difference", yaxis_type="log",
                      xaxis_title="step", height=400, uirevision="twin", margin=dict(t=50, b=40))
    return fig


@themed
def precise_figure(records):
    """Test accuracy with the moving statistics vs. recomputed (precise) ones, per check."""
    steps = [r["step"] for r in records]
    fig = go.Figure([go.Scatter(x=steps, y=[r["moving"] for r in records], mode="lines+markers",
                                name="moving statistics (what prediction mode uses)"),
                     go.Scatter(x=steps, y=[r["precise"] for r in records], mode="lines+markers",
                                name="recomputed over the training set (precise)")])
    fig.update_layout(title="test accuracy", xaxis_title="step", height=360, uirevision="precise",
                      margin=dict(t=50, b=40))
    return fig
