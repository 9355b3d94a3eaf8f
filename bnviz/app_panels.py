"""The app's six panels: each draws one figure or table for the chosen layer and channel.

Streamlit calls live here and in viz_app.py only; the numbers come from bnviz.session/history and
the figures from bnviz.figures_*.
"""
import numpy as np
import streamlit as st

from . import explain
from .figures_dist import distributions_now, heatmap_over_steps, percentile_bands
from .figures_experiments import precise_figure
from .figures_stats import gamma_beta, moving_convergence, training_curves
from .inside import inside_step

PANELS = ("Distributions now", "Over time", "Moving mean", "γ and β", "Training", "Inside one step",
          "Precise statistics")


def chart(fig, name):
    st.plotly_chart(fig, key=f"chart-{name}", width="stretch")


def needs_records(session, layer):
    """True when there is something to draw for `layer`; otherwise says why."""
    if not session.has_bn:
        st.info(explain.NO_BN)
        return False
    h = session.history
    if layer not in h.layers:
        st.info("Nothing recorded yet: press **Step** (or **Run**) to train one batch.")
        return False
    return True


def row_at(session, layer, step):
    """The record index of `layer` at `step` (the newest at or before it); -1 for the newest."""
    if step is None:
        return -1
    steps = session.history.column(layer, "step")
    return max(0, int(np.searchsorted(steps, step, side="right")) - 1)


def distributions_panel(session, view):
    st.markdown(explain.DISTRIBUTIONS)
    if needs_records(session, view["layer"]):
        chart(distributions_now(session.history, view["layer"], view.get("step")), "dist")


def over_time_panel(session, view):
    st.markdown(explain.OVER_TIME)
    if needs_records(session, view["layer"]):
        chart(heatmap_over_steps(session.history, view["layer"], view["quantity"]), "heat")
        chart(percentile_bands(session.history, view["layer"], view["pct_of"]), "pct")


def convergence_panel(session, view, on_population):
    layer, channel = view["layer"], view["channel"]
    facts = session.layer_facts(layer) if session.has_bn and layer in session.history.layers else {}
    st.markdown(explain.convergence(facts.get("momentum") or 0.9, session.steps_done))
    if not needs_records(session, layer):
        return
    if session.live:
        st.button("Recompute the population statistics now", key="population", on_click=on_population,
                  help="One pass over the whole training set with the current weights (about a second).")
    steps, pop_mean = session.population_series(layer, "mean")
    _, pop_var = session.population_series(layer, "var")
    chart(moving_convergence(session.history, layer, channel, steps, pop_mean, pop_var,
                             facts.get("torch_layer", False)), "conv")
    if len(steps):
        h = session.history
        i = np.searchsorted(h.column(layer, "step"), steps[-1], side="right") - 1
        st.caption(f"At step {steps[-1]}: moving mean {h.column(layer, 'moving_mean')[i, channel]:.5f}, "
                   f"population mean {pop_mean[-1, channel]:.5f}; moving variance "
                   f"{h.column(layer, 'moving_var')[i, channel]:.5f}, population variance (biased) "
                   f"{pop_var[-1, channel]:.5f}.")


def gamma_beta_panel(session, view):
    st.markdown(explain.GAMMA_BETA)
    if needs_records(session, view["layer"]):
        C = session.history.last(view["layer"], "gamma").shape[0]
        channels = range(min(C, 8)) if view["all_channels"] else [view["channel"]]
        chart(gamma_beta(session.history, view["layer"], channels), "gb")


def training_panel(session, view):
    st.markdown(explain.TRAINING)
    chart(training_curves(session.log, session.epoch_table()), "train")
    if session.epoch_table():
        st.dataframe([{k: v for k, v in e.items() if k != "end_step"} for e in session.epoch_table()],
                     hide_index=True)


def inside_panel(session, view):
    st.markdown(explain.INSIDE)
    layer, channel = view["layer"], view["channel"]
    if not needs_records(session, layer):
        return
    row = row_at(session, layer, view.get("step"))
    step = int(session.history.column(layer, "step")[row])
    raw = session.raw(layer, step)
    info = inside_step(session.history, raw, layer, channel, session.layer_facts(layer), row=row)
    st.markdown(f"**Step {info['step']}, layer {layer}, channel {channel}** — normalised with {info['mode']}, "
                f"over n = {info['n']:,} values per channel.")
    cols = st.columns(5)
    cols[0].metric("μ (mean)", f"{info['mean']:.5f}")
    cols[1].metric("σ² (variance)", f"{info['var']:.5f}")
    cols[2].metric("ε", f"{info['eps']:g}")
    cols[3].metric("γ", f"{info['gamma']:.5f}")
    cols[4].metric("β", f"{info['beta']:.5f}")
    st.markdown(f"√(σ² + ε) = √({info['var']:.5f} + {info['eps']:g}) = **{info['std']:.5f}**")
    if info["rows"]:
        st.table(info["rows"])  # plain text a student can copy
    elif session.live:
        st.caption("Raw values are kept for the newest 8 steps only; step again to see them.")
    else:
        st.caption("Recordings keep the statistics, not the raw values; open a live run to see x → x̂ → y.")
    st.code("\n".join(info["update"]), language=None)
    if info["checks"]:
        st.caption(f"Largest difference between the arithmetic above and what the layer recorded: "
                   f"{max(info['checks']):.2g} (float32 rounding).")


def precise_panel(session, view, on_precise):
    st.markdown(explain.PRECISE)
    if not session.has_bn:
        st.info(explain.NO_BN)
        return
    if not session.live:
        st.info("Precise statistics need the weights of a live run; recordings keep only statistics. "
                "Switch to *Live training* to compare.")
        return
    st.button("Compare now", key="precise", on_click=on_precise,
              help="Recompute the statistics over the training set and test both (a few seconds).")
    if session.precise_log:
        chart(precise_figure(session.precise_log), "precise")
        st.table([{"step": r["step"], "epoch end": r["epoch"] or "", "test acc, moving stats": f"{r['moving']:.4f}",
                   "test acc, precise stats": f"{r['precise']:.4f}",
                   "difference": f"{r['precise'] - r['moving']:+.4f}"} for r in session.precise_log])
    else:
        st.caption("Computed at every epoch end, or now with the button.")


def panels_ui(session, view, on_population, on_precise=None):
    """Draw the panel chosen in `view["panel"]`."""
    panel = view["panel"]
    if panel == "Precise statistics":
        return precise_panel(session, view, on_precise)
    if panel == "Distributions now":
        distributions_panel(session, view)
    elif panel == "Over time":
        over_time_panel(session, view)
    elif panel == "Moving mean":
        convergence_panel(session, view, on_population)
    elif panel == "γ and β":
        gamma_beta_panel(session, view)
    elif panel == "Training":
        training_panel(session, view)
    else:
        inside_panel(session, view)
