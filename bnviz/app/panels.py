"""The app's six panels: each draws one figure or table for the chosen layer and channel.

Streamlit calls live here and in viz_app.py only; the numbers come from bnviz.debug.live_run/history and
the figures from bnviz.figures; the words from bnviz.i18n through language.t().
"""
import streamlit as st

from ..debug.inside import inside_step
from ..figures.distributions import (channel_over_steps, distributions_now, heatmap_over_steps,
                                     percentile_bands)
from ..figures.experiments import precise_figure
from ..figures.statistics import gamma_beta, moving_convergence, training_curves
from . import explain
from .charts import chart
from ..i18n import text
from .language import lang, t

PANELS = ("Distributions now", "Over time", "Moving mean", "γ and β", "Training", "Inside one step",
          "Precise statistics")
PANEL_KEYS = dict(zip(PANELS, (  # the radio's values stay these names; what it shows is translated
    "panel.name.distributions_now", "panel.name.over_time", "panel.name.moving_mean", "panel.name.gamma_beta",
    "panel.name.training", "panel.name.inside_one_step", "panel.name.precise_statistics")))


def panel_labels():
    """The panel radio's format_func: a panel's name in this session's language. The language is
    bound now, when the widget is made: Streamlit (and AppTest) may call a format_func outside
    this session's script run, where st.session_state is not this session's."""
    chosen = lang()
    return lambda name: text(PANEL_KEYS[name], chosen) if name in PANEL_KEYS else name


def needs_records(session, layer):
    """True when there is something to draw for `layer`; otherwise says why."""
    if not session.has_bn:
        st.info(t("explain.no_bn"))
        return False
    h = session.history
    if layer not in h.layers:
        st.info(t("panel.nothing_recorded"))
        return False
    return True


def row_at(session, layer, step):
    """The record index of `layer` at `step` (the newest at or before it); -1 for the newest."""
    return -1 if step is None else session.history.row_at(layer, step)


def distributions_panel(session, view):
    layer = view["layer"]
    facts = session.layer_facts(layer) if session.has_bn and layer in session.history.layers else {}
    st.markdown(explain.distributions(facts.get("activation") or "sigmoid", lang()))
    if not needs_records(session, layer):
        return
    h, counts = session.history, None
    if not view.get("pooled", True):
        step = int(h.column(layer, "step")[row_at(session, layer, view.get("step"))])
        raw = session.raw(layer, step)
        if raw is not None and "channel_hist" in raw:
            counts = raw["channel_hist"][view["channel"]]
        else:
            st.caption(explain.no_channel_histogram(session.raw_keep, lang()))
    chart(distributions_now(h, layer, view.get("step"), facts.get("activation") or "sigmoid",
                            view["channel"], counts, lang=lang()), "dist")


def over_time_panel(session, view):
    st.markdown(t("explain.over_time"))
    if not needs_records(session, view["layer"]):
        return
    if view.get("pooled", True):
        chart(heatmap_over_steps(session.history, view["layer"], view["quantity"], lang=lang()), "heat")
        chart(percentile_bands(session.history, view["layer"], view["pct_of"], lang=lang()), "pct")
    else:
        quantity = view["quantity"] if view["quantity"] != "activation" else "output"
        st.caption(t("explain.channel_over_time"))
        chart(channel_over_steps(session.history, view["layer"], view["channel"], quantity, lang=lang()), "chan")


def convergence_panel(session, view, on_population):
    layer, channel = view["layer"], view["channel"]
    facts = session.layer_facts(layer) if session.has_bn and layer in session.history.layers else {}
    torch_layer = facts.get("torch_layer", False)
    if facts:
        st.markdown(explain.moving_average(facts["momentum"], session.steps_done, torch_layer, lang()))
    if not needs_records(session, layer):
        return
    batch, last = session.batch_sizes()
    st.caption(explain.convergence_legend(batch, last, facts["momentum"], torch_layer, lang()))
    if session.live:
        st.button(t("panel.moving_mean.population_button"), key="population", on_click=on_population,
                  help=t("panel.moving_mean.population_help"))
    steps, target_mean = session.population_series(layer, "target_mean")
    _, target_var = session.population_series(layer, "target_var")
    chart(moving_convergence(session.history, layer, channel, steps, target_mean, target_var, torch_layer,
                             lang=lang()), "conv")
    if len(steps):
        h = session.history
        i = h.row_at(layer, steps[-1])
        kind = t("word.unbiased" if torch_layer else "word.biased")
        _, whole_var = session.population_series(layer, "var")
        st.caption(t("panel.moving_mean.numbers", step=steps[-1], channel=channel,
                     moving_mean=h.column(layer, "moving_mean")[i, channel], target_mean=target_mean[-1, channel],
                     kind=kind, moving_var=h.column(layer, "moving_var")[i, channel],
                     target_var=target_var[-1, channel], whole_var=whole_var[-1, channel]))


def gamma_beta_panel(session, view):
    st.markdown(explain.gamma_beta(lang()))
    if needs_records(session, view["layer"]):
        C = session.history.last(view["layer"], "gamma").shape[0]
        channels = range(min(C, 8)) if view["all_channels"] else [view["channel"]]
        chart(gamma_beta(session.history, view["layer"], channels, lang=lang()), "gb")


def training_panel(session, view):
    st.markdown(t("explain.training"))
    chart(training_curves(session.log, session.epoch_table(), lang=lang()), "train")
    if session.epoch_table():
        headers = {"epoch": t("panel.training.epoch"), "loss": t("panel.training.loss"),
                   "train acc": t("panel.training.train_acc"), "test acc": t("panel.training.test_acc")}
        st.dataframe([{headers.get(k, k): v for k, v in e.items() if k != "end_step"}
                      for e in session.epoch_table()], hide_index=True)


def inside_panel(session, view):
    st.markdown(t("explain.inside"))
    layer, channel = view["layer"], view["channel"]
    if not needs_records(session, layer):
        return
    row = row_at(session, layer, view.get("step"))
    step = int(session.history.column(layer, "step")[row])
    raw = session.raw(layer, step)
    info = inside_step(session.history, raw, layer, channel, session.layer_facts(layer), row=row)
    st.markdown(t("panel.inside.heading", step=info["step"], layer=layer, channel=channel,
                  mode=translated(info["mode"], INSIDE_WORDS), n=info["n"]))
    cols = st.columns(5)
    cols[0].metric(t("panel.inside.mean"), f"{info['mean']:.5f}")
    cols[1].metric(t("panel.inside.variance"), f"{info['var']:.5f}")
    cols[2].metric("ε", f"{info['eps']:g}")
    cols[3].metric("γ", f"{info['gamma']:.5f}")
    cols[4].metric("β", f"{info['beta']:.5f}")
    st.markdown(f"√(σ² + ε) = √({info['var']:.5f} + {info['eps']:g}) = **{info['std']:.5f}**")
    if info["rows"]:
        st.table([{translated(k, INSIDE_WORDS): v for k, v in r.items()} for r in info["rows"]])  # text to copy
    elif session.live:
        st.caption(t("panel.inside.raw_live"))
    else:
        st.caption(t("panel.inside.raw_recording"))
    st.code("\n".join(translated(line, INSIDE_WORDS) for line in info["update"]), language=None)
    if info["checks"]:
        st.caption(t("panel.inside.checks", largest=max(info["checks"])))


def precise_panel(session, view, on_precise):
    st.markdown(t("explain.precise"))
    if not session.has_bn:
        st.info(t("explain.no_bn"))
        return
    if not session.live:
        st.info(t("panel.precise.needs_live"))
        return
    st.button(t("panel.precise.button"), key="precise", on_click=on_precise, help=t("panel.precise.help"))
    if session.precise_log:
        chart(precise_figure(session.precise_log, lang=lang()), "precise")
        st.table([{t("panel.precise.step"): r["step"], t("panel.precise.epoch_end"): r["epoch"] or "",
                   t("panel.precise.acc_moving"): f"{r['moving']:.4f}",
                   t("panel.precise.acc_precise"): f"{r['precise']:.4f}",
                   t("panel.precise.difference"): f"{r['precise'] - r['moving']:+.4f}"} for r in session.precise_log])
    else:
        st.caption(t("panel.precise.when"))


# bnviz.debug.inside writes these phrases in English (the catalogue's English texts); the page
# shows them in its language.
INSIDE_WORDS = ("panel.inside.mode_batch", "panel.inside.mode_moving", "panel.inside.layer_output",
                "panel.inside.update.recorded", "panel.inside.update.unbiased", "panel.inside.update.biased",
                "panel.inside.update.cumulative", "panel.inside.update.unchanged")


def translated(words, keys):
    """`words` with the English text of each catalogue key in `keys` replaced by this session's
    language's; the longest phrases first, so "unbiased …" is never read as "biased …"."""
    if lang() == "en":
        return words
    for key in sorted(keys, key=lambda k: len(text(k, "en")), reverse=True):
        words = words.replace(text(key, "en"), t(key))
    return words


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
