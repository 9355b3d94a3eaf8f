"""The app's sidebar: run settings, training actions, rewind and breakpoints, and their callbacks.

Callbacks run before the script reruns; each keeps the session usable whatever happens, and turns
any error into a message in the page (never a traceback).
"""
import logging
import os

import streamlit as st

from ..chapter.conventions import chapter_to_torch_momentum
from ..debug.breakpoints import Breakpoints
from ..i18n import LANGUAGES, in_language, text
from ..train.config import RunConfig, available_devices, config_problems
from .diagnostics import action_started
from .language import lang, t
from .links import LANGS, PANEL_SLUGS, SETTINGS
from .panels import PANELS, panel_labels
from .slots import TrainingSlots

# One training at a time per THREADS_PER_SESSION cores: torch's intra-op threads are shared by the
# whole server process, so two trainings on the same cores each run at less than half speed and
# every page slows down. Sessions beyond the limit wait their turn (a tick, or a Step click).
# One thread each: on a busy 2-core server two OpenMP threads per step wait for each other (one
# Step took 457 ms instead of 37 ms; bench/results/classroom_100.txt), and a class needs many
# cheap steps side by side, not one fast one.
THREADS_PER_SESSION = 1
MAX_TRAINING = max(1, (os.cpu_count() or 2) // THREADS_PER_SESSION)
SLOT_WAIT_SECONDS = 90  # a Step click waits this long for its turn before saying the server is busy
TICK_SECONDS = 1.0  # Run mode (and a card's run) redraws at least once a second while it goes on
TRAIN_SECONDS = 0.8  # of each tick, time spent training (the rest draws)
NORM_LABELS = {"custom": "controls.norm.custom", "torch": "controls.norm.torch", "none": "controls.norm.none"}
LANG_LABELS = LANGUAGES  # each language in its own words, whatever the page's
PCT_OF = {"output": "app.view.pct_output", "input": "app.view.pct_input"}
log = logging.getLogger("bnviz.app")


@st.cache_resource
def training_slots():
    """At most MAX_TRAINING sessions train at once; the others wait their turn (no thrashing)."""
    return TrainingSlots(MAX_TRAINING)


def flash(kind, text):
    st.session_state["flash"] = (kind, text)


def guarded(action):
    """Run a button's action; any error becomes a message in the page, and the session is kept."""
    try:
        action()
    except Exception as err:  # noqa: BLE001 — a student must never see a traceback
        log.exception("action failed")
        flash("error", t("controls.failed", error=err))


def joined(problems):
    """config_problems' messages in this session's language, one sentence."""
    chosen = lang()
    return "; ".join(in_language(p, chosen) for p in problems)


def pending_config():
    """The settings in the sidebar as a RunConfig, or (None, problems); a hidden one is the lesson's."""
    ss = st.session_state
    values = {name: ss[name] if name in ss else ss.lesson[name] for name in SETTINGS}
    probe = type("Probe", (), values)
    problems = config_problems(probe)
    return (None, problems) if problems else (RunConfig(**values), [])


# --- callbacks (run before the script reruns) --------------------------------------------------------
def on_reset():
    cfg, problems = pending_config()
    if cfg is None:
        flash("error", t("controls.cannot_reset", problems=joined(problems)))
        return
    guarded(lambda: st.session_state.session.reset(cfg))


def with_slot(action):
    """Run a training action when a training slot is free (see MAX_TRAINING)."""
    with training_slots().slot(SLOT_WAIT_SECONDS) as got:
        if not got:
            flash("warning", t("controls.busy"))
            return
        guarded(action)


def on_step():
    action_started("step")
    with_slot(lambda: st.session_state.session.advance(1))


def on_step_n():
    session, n = st.session_state.session, int(st.session_state.n_steps)
    if n <= 20:
        with_slot(lambda: session.advance(n))
    else:  # long runs go through the fragment so the page stays responsive and pausable
        session.start_running_until(session.stepper.step_count + n)


def on_run_pause(run):
    """Run (run=True) or Pause; the intended action travels with the click, so a click handled
    twice can never undo itself."""
    action_started("run" if run else "pause")
    session = st.session_state.session
    if run and session.diverged:
        flash("error", in_language(session.stopped_because, lang()))
        return
    session.running = run
    session.target_step = None


def on_epoch_end():
    session = st.session_state.session
    session.start_running_until(session.stepper.step_count + session.stepper.steps_per_epoch
                      - session.stepper.batch_in_epoch)


def on_population():
    with_slot(st.session_state.session.compute_population)


def on_precise():
    with_slot(st.session_state.session.compare_precise)


def on_rewind():
    session = st.session_state.session
    target = int(st.session_state.rewind_to)
    with_slot(lambda: session.rewind(min(target, session.stepper.step_count)))


def on_breakpoints():
    ss = st.session_state
    ss.session.breakpoints = Breakpoints(
        loss_jump=ss.bp_jump if ss.bp_jump_on else None, gap=ss.bp_gap if ss.bp_gap_on else None,
        at_step=int(ss.bp_step) if ss.bp_step else None, at_epoch_end=ss.bp_epoch)


# --- widgets ---------------------------------------------------------------------------------------
# A control for a lesson-link field starts at the lesson's value, is disabled when the lesson locks
# it and not drawn when the lesson hides it; its value goes back into the lesson (hence the link).
def shown(lesson, name):
    """Whether the lesson draws the control of `name` (a link field or an action group)."""
    return name not in lesson["hide"]


def locked(lesson, name):
    """Whether the lesson shows the control of `name` disabled."""
    return name in lesson["lock"]


def language_ui(lesson):
    """Sidebar: the language select box (st.session_state["lang"], which the texts follow)."""
    if shown(lesson, "lang"):
        st.sidebar.selectbox(t("app.language"), LANGS, index=LANGS.index(lesson["lang"]), key="lang",
                             format_func=LANG_LABELS.get, disabled=locked(lesson, "lang"))
    else:
        st.session_state["lang"] = lesson["lang"]
    lesson["lang"] = st.session_state["lang"]


def page_ui(lesson, labels, keys=None):
    """Sidebar: the Mode radio over `labels` ({page name: label}, English: the widget's values);
    `keys` ({label: catalogue key}) shows them in the session's language. Returns the page's name."""
    keys = keys or {}
    names = list(labels)
    if lesson["page"] not in names:
        lesson["page"] = names[0]
    if shown(lesson, "page"):
        label = st.sidebar.radio(t("app.mode"), [labels[n] for n in names], index=names.index(lesson["page"]),
                                 key="mode", disabled=locked(lesson, "page"),
                                 format_func=lambda v, chosen=lang(): text(keys[v], chosen) if v in keys else v)
        lesson["page"] = names[[labels[n] for n in names].index(label)]
    return lesson["page"]


def settings_ui(data, lesson):
    """Sidebar: the run's settings; says when they differ from the live run."""
    sb = st.sidebar
    sb.header(t("controls.settings"))

    def setting(name, draw, **kwargs):
        if shown(lesson, name):
            lesson[name] = draw(key=name, disabled=locked(lesson, name), **kwargs)

    norms, devices = list(NORM_LABELS), available_devices()
    setting("norm", sb.selectbox, label=t("controls.model"), options=norms,
            format_func=lambda n, chosen=lang(): text(NORM_LABELS[n], chosen) if n in NORM_LABELS else n,
            index=norms.index(lesson["norm"]))
    setting("lr", sb.number_input, label=t("controls.lr"), value=lesson["lr"], step=0.1, format="%.4g")
    setting("batch_size", sb.number_input, label=t("controls.batch_size"), value=lesson["batch_size"], step=32)
    setting("momentum", sb.number_input, label=t("controls.momentum"), value=lesson["momentum"],
            step=0.01, format="%.4g")
    if shown(lesson, "momentum"):
        sb.caption(t("controls.torch_momentum", momentum=chapter_to_torch_momentum(lesson["momentum"])))
    setting("eps", sb.number_input, label=t("controls.eps"), value=lesson["eps"], format="%.1e")
    setting("seed", sb.number_input, label=t("controls.seed"), value=lesson["seed"], step=1)
    setting("device", sb.selectbox, label=t("controls.device"), options=devices,
            index=devices.index(lesson["device"]) if lesson["device"] in devices else 0)
    cfg, problems = pending_config()
    if problems:
        sb.error(t("controls.fix", problems=joined(problems)))
    elif cfg != st.session_state.session.config:
        sb.warning(t("controls.changed"))
    sb.divider()
    sb.markdown(t("controls.data", data=data.describe(lang())))
    if data.is_subset:
        sb.warning(t("controls.subset"))


def actions_ui(session, lesson):
    """Sidebar: Step, Step N, Run/Pause, Run to end of epoch, Reset (a lesson may lock or hide them)."""
    sb = st.sidebar
    train, reset = shown(lesson, "training"), shown(lesson, "reset")
    if train or reset:
        sb.header(t("controls.training"))
    off = locked(lesson, "training")
    if train:
        c1, c2 = sb.columns(2)
        c1.button(t("controls.step"), on_click=on_step, key="step", width="stretch", help=t("controls.step_help"),
                  disabled=off)
        c2.button(t("controls.pause") if session.running else t("controls.run"), on_click=on_run_pause, args=(not session.running,),
                  key="run", width="stretch", type="primary", disabled=off)
        c3, c4 = sb.columns([1, 1])
        c3.number_input("N", min_value=1, max_value=5000, value=10, key="n_steps", label_visibility="collapsed",
                        disabled=off)
        c4.button(t("controls.step_n"), on_click=on_step_n, key="step_n", width="stretch", disabled=off)
        sb.button(t("controls.epoch"), on_click=on_epoch_end, key="epoch", width="stretch", disabled=off)
    if reset:
        sb.button(t("controls.reset"), on_click=on_reset, key="reset", width="stretch", disabled=locked(lesson, "reset"))
    if train:
        c5, c6 = sb.columns(2)
        c5.number_input(t("controls.rewind_to"), min_value=0, max_value=max(session.stepper.step_count, 0),
                        value=0, key="rewind_to", label_visibility="collapsed", disabled=off,
                        help=t("controls.rewind_to_help"))
        c6.button(t("controls.rewind"), on_click=on_rewind, key="rewind", width="stretch",
                  disabled=off or session.stepper.step_count == 0)
        breakpoints_ui(session)


def view_ui(session, lesson):
    """Which layer, channel and panel to look at (the lesson's, unless the student changes them)."""
    layers = session.history.meta["layers"] if session.has_bn else {}
    names = list(layers) or ["—"]
    cols = st.columns([2, 1, 1, 1])
    layer = lesson["layer"] if lesson["layer"] in layers else names[0]
    if shown(lesson, "layer"):
        layer = cols[0].selectbox(t("app.view.layer"), names, index=names.index(layer), key="layer",
                                  format_func=lambda n, chosen=lang(): layer_label(layers, n, chosen), disabled=locked(lesson, "layer"))
    C = layers[layer]["channels"] if layer in layers else 1
    channel = min(lesson["channel"], C - 1)
    if shown(lesson, "channel"):
        channel = cols[1].number_input(t("app.view.channel"), min_value=0, max_value=C - 1, value=channel, key=f"channel-{C}",
                                       disabled=locked(lesson, "channel"))
    quantity = cols[2].selectbox(t("app.view.heat_map_of"), ["input", "x_hat", "output", "activation"], key="quantity")
    pct_of = cols[3].selectbox(t("app.view.percentiles_of"), ["output", "input"], key="pct_of",
                               format_func=lambda v, chosen=lang(): text(PCT_OF[v], chosen))
    toggles = st.columns(2)
    pooled = toggles[0].toggle(t("app.view.pooled"), value=True, key="pooled", help=t("app.view.pooled_help"))
    all_channels = toggles[1].toggle(t("app.view.first_8"), value=False, key="all_channels")
    panel = PANELS[PANEL_SLUGS.index(lesson["panel"])]
    if shown(lesson, "panel"):
        panel = st.radio(t("app.view.panel"), PANELS, index=PANELS.index(panel), horizontal=True, key="panel",
                         label_visibility="collapsed", format_func=panel_labels(), disabled=locked(lesson, "panel"))
    if layer in layers:
        lesson["layer"], lesson["channel"] = layer, int(channel)
    lesson["panel"] = PANEL_SLUGS[PANELS.index(panel)]
    return {"layer": layer, "channel": int(channel), "quantity": quantity, "pct_of": pct_of,
            "all_channels": all_channels, "pooled": pooled, "panel": panel}


def layer_label(layers, name, chosen="en"):
    """The BN layer select box's words for `name`, in language `chosen`."""
    if name not in layers:
        return text("app.layer.none", chosen)
    return text("app.layer.label", chosen, name=name, kind=layers[name]["kind"], channels=layers[name]["channels"])


def breakpoints_ui(session):
    """Sidebar: when a run stops by itself."""
    bp = session.breakpoints
    with st.sidebar.expander(t("controls.breakpoints")):
        st.caption(t("controls.bp.nan"))
        st.checkbox(t("controls.bp.jump_on"), value=bp.loss_jump is not None, key="bp_jump_on",
                    on_change=on_breakpoints)
        st.number_input(t("controls.bp.jump"), min_value=1.1, max_value=1000.0, value=bp.loss_jump or 5.0,
                        key="bp_jump", on_change=on_breakpoints)
        st.checkbox(t("controls.bp.gap_on"), value=bp.gap is not None, key="bp_gap_on",
                    on_change=on_breakpoints)
        st.number_input(t("controls.bp.gap"), min_value=0.01, max_value=100.0,
                        value=bp.gap or 3.0, key="bp_gap", on_change=on_breakpoints)
        st.number_input(t("controls.bp.step"), min_value=0, value=bp.at_step or 0, key="bp_step",
                        on_change=on_breakpoints)
        st.checkbox(t("controls.bp.epoch"), value=bp.at_epoch_end, key="bp_epoch", on_change=on_breakpoints)


