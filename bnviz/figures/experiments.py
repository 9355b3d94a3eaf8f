"""Figure builders for the experiments: Figure 1, the twin run, precise statistics (no st.*)."""
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import text
from .distributions import add_bands
from .theme import themed

COLOURS = {"BN": "#4c78a8", "no BN": "#e45756"}
NET_KEYS = {"BN": "figure.net.bn", "no BN": "figure.net.no_bn"}


@themed
def figure1_figure(result, lang="en"):
    """Percentile bands of the chosen sigmoid's input and test accuracy, both nets."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        text("figure.fig1.pct_title", lang, sigmoid=result.sigmoid), text("figure.fig1.acc_title", lang)))
    for k, pct in result.pct.items():
        net = text(NET_KEYS[k], lang) if k in NET_KEYS else k
        add_bands(fig, result.steps, pct, text("figure.fig1.net", lang, net=net, lr=result.lrs[k]), COLOURS[k],
                  lang=lang, row=1, col=1)
        fig.add_trace(go.Scatter(x=result.eval_steps, y=result.acc[k], mode="lines+markers",
                                 name=text("figure.fig1.acc", lang, net=net), line=dict(color=COLOURS[k])),
                      row=1, col=2)
    fig.update_layout(height=420, uirevision="figure1", margin=dict(t=50, b=40))
    fig.update_xaxes(title_text=text("axis.step", lang))
    return fig


# The twin run's columns (bnviz.experiments.twin) that are words; the others are code names.
TWIN_KEYS = {"loss": "figure.twin.loss",
             "moving_var as stored (meant to differ: biased vs unbiased)": "figure.twin.stored",
             "moving_var after conversion": "figure.twin.converted"}


def twin_label(column, lang="en"):
    """A twin-run column's name in `lang` (code names such as `batch_mean` stay as they are)."""
    return text(TWIN_KEYS[column], lang) if column in TWIN_KEYS else column


@themed
def twin_figure(rows, lang="en"):
    """Largest difference per statistic per step, on a log scale."""
    fig = go.Figure()
    if rows:
        for key in [k for k in rows[0] if k != "step"]:
            fig.add_trace(go.Scatter(x=[r["step"] for r in rows], y=[max(r[key], 1e-12) for r in rows],
                                     mode="lines+markers", name=twin_label(key, lang),
                                     line=dict(dash="dot" if "meant to differ" in key else "solid")))
    fig.update_layout(title=text("figure.twin.title", lang), yaxis_type="log",
                      xaxis_title=text("axis.step", lang), height=400, uirevision="twin", margin=dict(t=50, b=40))
    return fig


@themed
def precise_figure(records, lang="en"):
    """Test accuracy with the moving statistics vs. recomputed (precise) ones, per check."""
    steps = [r["step"] for r in records]
    fig = go.Figure([go.Scatter(x=steps, y=[r["moving"] for r in records], mode="lines+markers",
                                name=text("figure.precise.moving", lang)),
                     go.Scatter(x=steps, y=[r["precise"] for r in records], mode="lines+markers",
                                name=text("figure.precise.precise", lang))])
    fig.update_layout(title=text("figure.precise.title", lang), xaxis_title=text("axis.step", lang), height=360,
                      uirevision="precise",
                      margin=dict(t=50, b=40))
    return fig
