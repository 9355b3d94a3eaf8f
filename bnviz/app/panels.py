"""The app's six panels: each draws one figure or table for the chosen layer and channel.

Streamlit calls live here and in viz_app.py only; the numbers come from bnviz.debug.live_run/history and
the figures from bnviz.figures_*.
"""
import streamlit as st

from ..debug.inside import inside_step
from ..figures.distributions import (channel_over_steps, distributions_now, heatmap_over_steps,
                                     percentile_bands)
from ..figures.experiments import precise_figure
from ..figures.statistics import gamma_beta, moving_convergence, training_curves
from ..plots.export import find_browser, to_image
from . import explain

PANELS = ("Distributions now", "Over time", "Moving mean", "γ and β", "Training", "Inside one step",
          "Precise statistics")


def chart(fig, name):
    # theme=None: the figure's own template (bnviz's, figures/theme.py), the look of the notebook too.
    # The camera button saves a PNG in the browser; the SVG is drawn on the server only when clicked.
    st.plotly_chart(fig, key=f"chart-{name}", width="stretch", theme=None,
                    config={"toImageButtonOptions": {"format": "png", "filename": f"bnviz-{name}", "scale": 2}})
    if find_browser():
        st.download_button("SVG", lambda: to_image(fig, "svg"), f"bnviz-{name}.svg", "image/svg+xml",
                           key=f"svg-{name}", on_click="ignore", type="tertiary", icon=":material/download:")


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
    return -1 if step is None else session.history.row_at(layer, step)


def distributions_panel(session, view):
    layer = view["layer"]
    facts = session.layer_facts(layer) if session.has_bn and layer in session.history.layers else {}
    st.markdown(explain.distributions(facts.get("activation") or "sigmoid"))
    if not needs_records(session, layer):
        return
    h, counts = session.history, None
    if not view.get("pooled", True):
        step = int(h.column(layer, "step")[row_at(session, layer, view.get("step"))])
        raw = session.raw(layer, step)
        if raw is not None and "channel_hist" in raw:
            counts = raw["channel_hist"][view["channel"]]
        else:
            st.caption(explain.no_channel_histogram(session.raw_keep))
    chart(distributions_now(h, layer, view.get("step"), facts.get("activation") or "sigmoid",
                            view["channel"], counts), "dist")


def over_time_panel(session, view):
    st.markdown(explain.OVER_TIME)
    if not needs_records(session, view["layer"]):
        return
    if view.get("pooled", True):
        chart(heatmap_over_steps(session.history, view["layer"], view["quantity"]), "heat")
        chart(percentile_bands(session.history, view["layer"], view["pct_of"]), "pct")
    else:
        quantity = view["quantity"] if view["quantity"] != "activation" else "output"
        st.caption(explain.CHANNEL_OVER_TIME)
        chart(channel_over_steps(session.history, view["layer"], view["channel"], quantity), "chan")


def convergence_panel(session, view, on_population):
    layer, channel = view["layer"], view["channel"]
    facts = session.layer_facts(layer) if session.has_bn and layer in session.history.layers else {}
    torch_layer = facts.get("torch_layer", False)
    if facts:
        st.markdown(explain.moving_average(facts["momentum"], session.steps_done, torch_layer))
    if not needs_records(session, layer):
        return
    batch, last = session.batch_sizes()
    st.caption(explain.convergence_legend(batch, last, facts["momentum"], torch_layer))
    if session.live:
        st.button("Recompute the population statistics now", key="population", on_click=on_population,
                  help="One pass over the whole training set with the current weights (about a second).")
    steps, target_mean = session.population_series(layer, "target_mean")
    _, target_var = session.population_series(layer, "target_var")
    chart(moving_convergence(session.history, layer, channel, steps, target_mean, target_var, torch_layer), "conv")
    if len(steps):
        h = session.history
        i = h.row_at(layer, steps[-1])
        kind = "unbiased" if torch_layer else "biased"
        _, whole_var = session.population_series(layer, "var")
        st.caption(f"At step {steps[-1]}, channel {channel}: moving mean {h.column(layer, 'moving_mean')[i, channel]:.5f}, "
                   f"average batch mean {target_mean[-1, channel]:.5f}; moving variance ({kind}) "
                   f"{h.column(layer, 'moving_var')[i, channel]:.5f}, average batch variance ({kind}) "
                   f"{target_var[-1, channel]:.5f}. The variance over every training value (biased) is "
                   f"{whole_var[-1, channel]:.5f}: it also holds the spread between the batches' means.")


def gamma_beta_panel(session, view):
    st.markdown(explain.gamma_beta())
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
