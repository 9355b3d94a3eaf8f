"""What drawing a page of the app costs the server: the live panels' figures, built as bnviz builds
them now and as it built them before (make_subplots, one add_trace/update per panel, plotly_white's
whole template put on twice: by the builder and again by the app's chart()), side by side in one
process; then one Step click through AppTest (the real script run).

    python bench/page_cost.py [--repeats 30] [--clicks 20]

Times are process CPU (one torch thread), the minimum and the median over repeats: a class of 100
on one server is CPU-bound (bench/classroom_100.py), so CPU per page is what decides how many
students one server answers. The "before" builders are reproduced here from commit 437fd34's
figures/distributions.py and figures/statistics.py (same traces, same texts: tests/test_grid.py
shows the two routes give the same figure).
"""
import json
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import torch
from plotly.subplots import make_subplots

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from timing import setup  # noqa: E402
from bnviz import RunConfig  # noqa: E402
from bnviz.debug.live_run import LiveRun  # noqa: E402
from bnviz.figures import theme  # noqa: E402
from bnviz.figures.distributions import (QUANTITIES, _centres, distributions_now, heatmap_over_steps,  # noqa: E402
                                         percentile_bands, title)
from bnviz.figures.statistics import gamma_beta, moving_convergence, training_curves  # noqa: E402
from bnviz.i18n import text  # noqa: E402

pio.templates["bnviz-whole"] = go.layout.Template(pio.templates["plotly_white"], layout=theme.template().layout)


def before_theme(fig):
    """The theme as applied before: plotly_white's whole template (with bnviz's layout), twice."""
    fig.update_layout(template="bnviz-whole")
    fig.update_layout(template="bnviz-whole")
    return fig


def before_distributions(history, layer, lang="en"):
    """distributions_now's figure as 437fd34 built it (its notes left out: none on these passes)."""
    i = history.row_at(layer, None)
    quantities = [q for q in QUANTITIES if f"hist_{q}" in history.fields(layer)]
    fig = make_subplots(rows=2, cols=2, subplot_titles=[
        title(q, lang) if q != "activation" else text("figure.dist.after", lang, activation="sigmoid")
        for q in quantities])
    for k, q in enumerate(quantities):
        row, col = k // 2 + 1, k % 2 + 1
        counts = history.column(layer, f"hist_{q}")[i]
        edges = history.bin_edges(layer, q)
        width = edges[1] - edges[0]
        fig.add_trace(go.Bar(x=_centres(edges), y=counts[1:-1], width=width, name=q, showlegend=False,
                             marker_color="#4c78a8", hovertemplate=text("figure.dist.hover", lang)), row=row, col=col)
        if q == "x_hat":
            xs = np.linspace(edges[0], edges[-1], 200)
            fig.add_trace(go.Scatter(x=xs, y=counts.sum() * width * np.exp(-xs ** 2 / 2) / math.sqrt(2 * math.pi),
                                     mode="lines", line=dict(color="#e45756"), name="N(0, 1)"), row=row, col=col)
        fig.update_xaxes(title_text=text("axis.value", lang), row=row, col=col)
        fig.update_yaxes(title_text=text("axis.count", lang), row=row, col=col)
    fig.update_layout(title="…", height=620, margin=dict(t=70, b=110), uirevision=f"dist-{layer}", bargap=0,
                      legend=dict(x=1, y=1.02, xanchor="right", yanchor="bottom", orientation="h"))
    return before_theme(fig)


def before_gamma_beta(history, layer, channels, lang="en"):
    """gamma_beta's figure as 437fd34 built it."""
    steps = history.column(layer, "step")
    fig = make_subplots(rows=1, cols=2, subplot_titles=(text("figure.gb.gamma", lang), text("figure.gb.beta", lang)))
    for c in channels:
        fig.add_trace(go.Scatter(x=steps, y=history.column(layer, "gamma")[:, c], mode="lines", name=f"γ[{c}]",
                                 legendgroup=str(c)), row=1, col=1)
        fig.add_trace(go.Scatter(x=steps, y=history.column(layer, "beta")[:, c], mode="lines", name=f"β[{c}]",
                                 legendgroup=str(c), showlegend=False), row=1, col=2)
    fig.update_layout(height=360, uirevision=f"gb-{layer}", margin=dict(t=40, b=40))
    fig.update_xaxes(title_text=text("axis.step", lang))
    fig.update_yaxes(title_text="γ", row=1, col=1)
    fig.update_yaxes(title_text="β", row=1, col=2)
    return before_theme(fig)


def chars(name):
    """Characters of JSON that template `name` adds to every figure."""
    return len(json.dumps(pio.templates[name].to_plotly_json()))


def cpu_ms(fn, repeats):
    """(min, median) process CPU milliseconds of fn(), with the figure's JSON made as Streamlit makes it."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        pio.to_json(fn().to_dict(), validate=False)
        times.append(1000 * (time.process_time() - start))
    return min(times), statistics.median(times)


def main():
    args, data = setup(__doc__, repeats=30, clicks=20)
    torch.set_num_threads(1)
    session = LiveRun(data, RunConfig())
    session.advance(30)
    h = session.history
    h.flush()
    layer = "1"
    steps, pm = session.population_series(layer, "target_mean")
    _, pv = session.population_series(layer, "target_var")
    pairs = [("histograms (Distributions now)", lambda: before_distributions(h, layer),
              lambda: theme.apply(distributions_now(h, layer))),
             ("gamma and beta", lambda: before_gamma_beta(h, layer, [0, 1, 2]),
              lambda: theme.apply(gamma_beta(h, layer, [0, 1, 2])))]
    print(f"figures, process CPU ms per figure incl. its JSON (min / median of {args.repeats}):")
    for label, before, now in pairs:
        (b_min, b_med), (n_min, n_med) = cpu_ms(before, args.repeats), cpu_ms(now, args.repeats)
        print(f"  {label:32} before {b_min:6.1f} / {b_med:6.1f}   now {n_min:6.1f} / {n_med:6.1f}   "
              f"now/before {n_med / b_med:.2f}")
    for label, build in (("heat map over steps", lambda: heatmap_over_steps(h, layer)),
                         ("percentile bands", lambda: percentile_bands(h, layer)),
                         ("moving mean convergence", lambda: moving_convergence(h, layer, 0, steps, pm, pv)),
                         ("training curves", lambda: training_curves(session.log, session.epoch_table()))):
        n_min, n_med = cpu_ms(lambda: theme.apply(build()), args.repeats)
        print(f"  {label:32} now {n_min:6.1f} / {n_med:6.1f}")
    fig = go.Figure(go.Bar(x=[1, 2], y=[3, 4]))
    whole = cpu_ms(lambda: fig.update_layout(template="bnviz-whole"), args.repeats)
    small = cpu_ms(lambda: fig.update_layout(template=theme.NAME), args.repeats)
    print(f"putting the template on a figure: plotly_white's whole {whole[1]:.1f} ms, bnviz's {small[1]:.1f} ms "
          f"(median; {chars('bnviz-whole'):,} vs {chars(theme.NAME):,}"
          f" characters of JSON per figure)")

    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "viz_app.py"), default_timeout=120).run()
    for panel in ("Distributions now", "Moving mean"):
        at.radio(key="panel").set_value(panel).run()
        times = []
        for _ in range(args.clicks):
            start = time.process_time()
            at.button(key="step").click().run()
            times.append(1000 * (time.process_time() - start))
        assert not at.exception
        print(f"AppTest Step click (train one step + the whole page), panel {panel!r:20}: process CPU median "
              f"{statistics.median(times):6.1f} ms, min {min(times):6.1f} ms over {len(times)} clicks")


if __name__ == "__main__":
    main()
