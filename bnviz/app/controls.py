"""The app's sidebar: run settings, training actions, rewind and breakpoints, and their callbacks.

Callbacks run before the script reruns; each keeps the session usable whatever happens, and turns
any error into a message in the page (never a traceback).
"""
import logging
import os

import streamlit as st

from ..chapter.conventions import chapter_to_torch_momentum
from ..debug.breakpoints import Breakpoints
from ..train.config import RunConfig, available_devices, config_problems
from .diagnostics import action_started
from .links import LANGS, PANEL_SLUGS, SETTINGS
from .panels import PANELS
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
NORM_LABELS = {"custom": "the chapter's BatchNorm", "torch": "nn.BatchNorm2d / 1d", "none": "no BN"}
LANG_LABELS = {"en": "English", "zh": "中文"}
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
        flash("error", f"That did not work: {err}. Your session is kept; change the settings or press Reset.")


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
        flash("error", "Cannot reset with these settings: " + "; ".join(problems) + ".")
        return
    guarded(lambda: st.session_state.session.reset(cfg))


def with_slot(action):
    """Run a training action when a training slot is free (see MAX_TRAINING)."""
    with training_slots().slot(SLOT_WAIT_SECONDS) as got:
        if not got:
            flash("warning", "The server is busy training for other students; press Step again in a moment.")
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
        flash("error", session.stopped_because)
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
        st.sidebar.selectbox("Language / 语言", LANGS, index=LANGS.index(lesson["lang"]), key="lang",
                             format_func=LANG_LABELS.get, disabled=locked(lesson, "lang"))
    else:
        st.session_state["lang"] = lesson["lang"]
    lesson["lang"] = st.session_state["lang"]


def page_ui(lesson, labels):
    """Sidebar: the Mode radio over `labels` ({page name: label}); returns the page's name."""
    names = list(labels)
    if lesson["page"] not in names:
        lesson["page"] = names[0]
    if shown(lesson, "page"):
        label = st.sidebar.radio("Mode", [labels[n] for n in names], index=names.index(lesson["page"]),
                                 key="mode", disabled=locked(lesson, "page"))
        lesson["page"] = names[[labels[n] for n in names].index(label)]
    return lesson["page"]


def settings_ui(data, lesson):
    """Sidebar: the run's settings; says when they differ from the live run."""
    sb = st.sidebar
    sb.header("Settings")

    def setting(name, draw, **kwargs):
        if shown(lesson, name):
            lesson[name] = draw(key=name, disabled=locked(lesson, name), **kwargs)

    norms, devices = list(NORM_LABELS), available_devices()
    setting("norm", sb.selectbox, label="Model", options=norms, format_func=NORM_LABELS.get,
            index=norms.index(lesson["norm"]))
    setting("lr", sb.number_input, label="Learning rate", value=lesson["lr"], step=0.1, format="%.4g")
    setting("batch_size", sb.number_input, label="Batch size", value=lesson["batch_size"], step=32)
    setting("momentum", sb.number_input, label="BN momentum (chapter's convention)", value=lesson["momentum"],
            step=0.01, format="%.4g")
    if shown(lesson, "momentum"):
        sb.caption(f"PyTorch's equivalent: momentum = {chapter_to_torch_momentum(lesson['momentum']):.4g}")
    setting("eps", sb.number_input, label="BN eps", value=lesson["eps"], format="%.1e")
    setting("seed", sb.number_input, label="Seed", value=lesson["seed"], step=1)
    setting("device", sb.selectbox, label="Device", options=devices,
            index=devices.index(lesson["device"]) if lesson["device"] in devices else 0)
    cfg, problems = pending_config()
    if problems:
        sb.error("Fix before Reset: " + "; ".join(problems) + ".")
    elif cfg != st.session_state.session.config:
        sb.warning("Settings changed — press **Reset** to start a new run with them.")
    sb.divider()
    sb.markdown("**Data**: " + data.describe())
    if data.is_subset:
        sb.warning("This is the small subset shipped with bnviz, not the full data set: numbers will "
                   "differ from the chapter's. Install `dataset-fashion-mnist` for the full set.")


def actions_ui(session, lesson):
    """Sidebar: Step, Step N, Run/Pause, Run to end of epoch, Reset (a lesson may lock or hide them)."""
    sb = st.sidebar
    train, reset = shown(lesson, "training"), shown(lesson, "reset")
    if train or reset:
        sb.header("Training")
    off = locked(lesson, "training")
    if train:
        c1, c2 = sb.columns(2)
        c1.button("Step", on_click=on_step, key="step", width="stretch", help="Train one batch", disabled=off)
        c2.button("Pause" if session.running else "Run", on_click=on_run_pause, args=(not session.running,),
                  key="run", width="stretch", type="primary", disabled=off)
        c3, c4 = sb.columns([1, 1])
        c3.number_input("N", min_value=1, max_value=5000, value=10, key="n_steps", label_visibility="collapsed",
                        disabled=off)
        c4.button("Step N", on_click=on_step_n, key="step_n", width="stretch", disabled=off)
        sb.button("Run to end of epoch", on_click=on_epoch_end, key="epoch", width="stretch", disabled=off)
    if reset:
        sb.button("Reset", on_click=on_reset, key="reset", width="stretch", disabled=locked(lesson, "reset"))
    if train:
        c5, c6 = sb.columns(2)
        c5.number_input("Rewind to step", min_value=0, max_value=max(session.stepper.step_count, 0),
                        value=0, key="rewind_to", label_visibility="collapsed", disabled=off,
                        help="Go back to an earlier step; stepping forward again gives the same numbers.")
        c6.button("Rewind", on_click=on_rewind, key="rewind", width="stretch",
                  disabled=off or session.stepper.step_count == 0)
        breakpoints_ui(session)


def view_ui(session, lesson):
    """Which layer, channel and panel to look at (the lesson's, unless the student changes them)."""
    layers = session.history.meta["layers"] if session.has_bn else {}
    names = list(layers) or ["—"]
    cols = st.columns([2, 1, 1, 1])
    layer = lesson["layer"] if lesson["layer"] in layers else names[0]
    if shown(lesson, "layer"):
        layer = cols[0].selectbox("BN layer", names, index=names.index(layer), key="layer",
                                  format_func=lambda n: layer_label(layers, n), disabled=locked(lesson, "layer"))
    C = layers[layer]["channels"] if layer in layers else 1
    channel = min(lesson["channel"], C - 1)
    if shown(lesson, "channel"):
        channel = cols[1].number_input("Channel", min_value=0, max_value=C - 1, value=channel, key=f"channel-{C}",
                                       disabled=locked(lesson, "channel"))
    quantity = cols[2].selectbox("Heat map of", ["input", "x_hat", "output", "activation"], key="quantity")
    pct_of = cols[3].selectbox("Percentiles of", ["output", "input"], key="pct_of",
                               format_func={"output": "sigmoid input (BN output)", "input": "BN input"}.get)
    toggles = st.columns(2)
    pooled = toggles[0].toggle("Histograms: all channels pooled", value=True, key="pooled",
                               help="Off: *Distributions now* and *Over time* show the chosen channel only.")
    all_channels = toggles[1].toggle("γ and β: first 8 channels", value=False, key="all_channels")
    panel = PANELS[PANEL_SLUGS.index(lesson["panel"])]
    if shown(lesson, "panel"):
        panel = st.radio("Panel", PANELS, index=PANELS.index(panel), horizontal=True, key="panel",
                         label_visibility="collapsed", disabled=locked(lesson, "panel"))
    if layer in layers:
        lesson["layer"], lesson["channel"] = layer, int(channel)
    lesson["panel"] = PANEL_SLUGS[PANELS.index(panel)]
    return {"layer": layer, "channel": int(channel), "quantity": quantity, "pct_of": pct_of,
            "all_channels": all_channels, "pooled": pooled, "panel": panel}


def layer_label(layers, name):
    """The BN layer select box's words for `name`."""
    if name not in layers:
        return "no BN layer in this model"
    return f"net[{name}] · {layers[name]['kind']}, {layers[name]['channels']} channels"


def breakpoints_ui(session):
    """Sidebar: when a run stops by itself."""
    bp = session.breakpoints
    with st.sidebar.expander("Breakpoints"):
        st.caption("A NaN or Inf in the loss or any statistic always stops the run.")
        st.checkbox("Loss jumps to more than", value=bp.loss_jump is not None, key="bp_jump_on",
                    on_change=on_breakpoints)
        st.number_input("× the previous step's loss", min_value=1.1, max_value=1000.0, value=bp.loss_jump or 5.0,
                        key="bp_jump", on_change=on_breakpoints)
        st.checkbox("Moving mean further from the batch mean than", value=bp.gap is not None, key="bp_gap_on",
                    on_change=on_breakpoints)
        st.number_input("batch standard deviations (after step 30)", min_value=0.01, max_value=100.0,
                        value=bp.gap or 3.0, key="bp_gap", on_change=on_breakpoints)
        st.number_input("Stop at step (0: off)", min_value=0, value=bp.at_step or 0, key="bp_step",
                        on_change=on_breakpoints)
        st.checkbox("Stop at every epoch end", value=bp.at_epoch_end, key="bp_epoch", on_change=on_breakpoints)


