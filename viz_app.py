"""bnviz: step through the training of the chapter's LeNet and watch Batch Normalization work.

    streamlit run viz_app.py

Each browser session trains its own model (st.session_state); the data set is loaded once and
shared read-only. Training runs in a fragment that does a bounded number of steps per tick, so the
page stays responsive and Pause takes effect within a second.
"""
import logging
import os
import threading

import streamlit as st

from bnviz.app_panels import PANELS, panels_ui
from bnviz.app_experiments import experiments_ui
from bnviz.app_replay import replay_sidebar_ui, replay_step_ui
from bnviz.breakpoints import Breakpoints
from bnviz.config import RunConfig, available_devices, config_problems
from bnviz.conventions import chapter_to_torch_momentum
from bnviz.data import BadDataError, DataNotFoundError, load_fashion_mnist
from bnviz.session import Session

TICK_SECONDS = 1.0  # charts refresh at least once a second while running
TRAIN_SECONDS = 0.8  # of each tick, time spent training (the rest draws)
MAX_TRAINING = max(1, (os.cpu_count() or 2))  # sessions training at the same moment (one per core)
NORM_LABELS = {"custom": "the chapter's BatchNorm", "torch": "nn.BatchNorm2d / 1d", "none": "no BN"}
log = logging.getLogger("bnviz.app")


@st.cache_resource(show_spinner="Loading Fashion-MNIST…")
def shared_data():
    """The data set, loaded once per server and shared read-only by every session."""
    return load_fashion_mnist()


@st.cache_resource
def training_slots():
    """At most MAX_TRAINING sessions train at once; the others wait their turn (no thrashing)."""
    return threading.BoundedSemaphore(MAX_TRAINING)


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
    """The settings in the sidebar as a RunConfig, or (None, problems)."""
    ss = st.session_state
    values = dict(norm=ss.norm, lr=ss.lr, batch_size=ss.batch_size, momentum=ss.momentum, eps=ss.eps,
                  seed=ss.seed, device=ss.device)
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


def on_step():
    guarded(lambda: st.session_state.session.step(1))


def on_step_n():
    session, n = st.session_state.session, int(st.session_state.n_steps)
    if n <= 20:
        guarded(lambda: session.step(n))
    else:  # long runs go through the fragment so the page stays responsive and pausable
        session.run_until(session.stepper.step_count + n)


def on_run_pause(run):
    """Run (run=True) or Pause; the intended action travels with the click, so a click handled
    twice can never undo itself."""
    session = st.session_state.session
    if run and session.diverged:
        flash("error", session.stopped_because)
        return
    session.running = run
    session.target_step = None


def on_epoch_end():
    session = st.session_state.session
    session.run_until(session.stepper.step_count + session.stepper.steps_per_epoch
                      - session.stepper.batch_in_epoch)


def on_population():
    guarded(st.session_state.session.compute_population)


def on_precise():
    guarded(st.session_state.session.compare_precise)


def on_rewind():
    session = st.session_state.session
    target = int(st.session_state.rewind_to)
    guarded(lambda: session.rewind(min(target, session.stepper.step_count)))


def on_breakpoints():
    ss = st.session_state
    ss.session.breakpoints = Breakpoints(
        loss_jump=ss.bp_jump if ss.bp_jump_on else None, gap=ss.bp_gap if ss.bp_gap_on else None,
        at_step=int(ss.bp_step) if ss.bp_step else None, at_epoch_end=ss.bp_epoch)


# --- widgets --------------------------------------------------------------------------------------
def settings_ui(data):
    """Sidebar: the run's settings; says when they differ from the live run."""
    sb = st.sidebar
    sb.header("Settings")
    d = RunConfig()
    sb.selectbox("Model", list(NORM_LABELS), format_func=NORM_LABELS.get, key="norm")
    sb.number_input("Learning rate", value=d.lr, step=0.1, format="%.4g", key="lr")
    sb.number_input("Batch size", value=d.batch_size, step=32, key="batch_size")
    sb.number_input("BN momentum (chapter's convention)", value=d.momentum, step=0.01, format="%.4g",
                    key="momentum")
    sb.caption(f"PyTorch's equivalent: momentum = {chapter_to_torch_momentum(st.session_state.momentum):.4g}")
    sb.number_input("BN eps", value=d.eps, format="%.1e", key="eps")
    sb.number_input("Seed", value=d.seed, step=1, key="seed")
    sb.selectbox("Device", available_devices(), key="device")
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


def actions_ui(session):
    """Sidebar: Step, Step N, Run/Pause, Run to end of epoch, Reset."""
    sb = st.sidebar
    sb.header("Training")
    c1, c2 = sb.columns(2)
    c1.button("Step", on_click=on_step, key="step", width="stretch", help="Train one batch")
    c2.button("Pause" if session.running else "Run", on_click=on_run_pause, args=(not session.running,),
              key="run", width="stretch", type="primary")
    c3, c4 = sb.columns([1, 1])
    c3.number_input("N", min_value=1, max_value=5000, value=10, key="n_steps", label_visibility="collapsed")
    c4.button("Step N", on_click=on_step_n, key="step_n", width="stretch")
    sb.button("Run to end of epoch", on_click=on_epoch_end, key="epoch", width="stretch")
    sb.button("Reset", on_click=on_reset, key="reset", width="stretch")
    c5, c6 = sb.columns(2)
    c5.number_input("Rewind to step", min_value=0, max_value=max(session.stepper.step_count, 0),
                    value=0, key="rewind_to", label_visibility="collapsed",
                    help="Go back to an earlier step; stepping forward again gives the same numbers.")
    c6.button("Rewind", on_click=on_rewind, key="rewind", width="stretch",
              disabled=session.stepper.step_count == 0)
    breakpoints_ui(session)


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


def view_ui(session):
    """Which layer, channel and panel to look at."""
    layers = session.history.meta["layers"] if session.has_bn else {}
    cols = st.columns([2, 1, 1, 1])
    names = list(layers) or ["—"]
    layer = cols[0].selectbox("BN layer", names, key="layer", format_func=lambda n: layer_label(layers, n))
    C = layers[layer]["channels"] if layer in layers else 1
    channel = cols[1].number_input("Channel", min_value=0, max_value=C - 1, value=0, key=f"channel-{C}")
    quantity = cols[2].selectbox("Heat map of", ["input", "x_hat", "output", "activation"], key="quantity")
    pct_of = cols[3].selectbox("Percentiles of", ["output", "input"], key="pct_of",
                               format_func={"output": "sigmoid input (BN output)", "input": "BN input"}.get)
    all_channels = st.toggle("γ and β: first 8 channels", value=False, key="all_channels")
    panel = st.radio("Panel", PANELS, horizontal=True, key="panel", label_visibility="collapsed")
    return {"layer": layer, "channel": int(channel), "quantity": quantity, "pct_of": pct_of,
            "all_channels": all_channels, "panel": panel}


def layer_label(layers, name):
    if name not in layers:
        return "no BN layer in this model"
    return f"net[{name}] · {layers[name]['kind']}, {layers[name]['channels']} channels"


def status_ui(session):
    w = session.where()
    st.progress(w["batch"] / w["steps_per_epoch"],
                text=f"**step {w['step']}** · epoch {w['epoch']} (batch {w['batch']} of {w['steps_per_epoch']}) · "
                     f"{w['images_seen']:,} images seen · device **{w['device']}**"
                     + (" · running…" if session.running else ""))
    if session.hit is not None:
        (st.error if session.hit.fatal else st.warning)(session.stopped_because)


def live_ui(session, view):
    """Status and panel; while running, a fragment trains a bounded slice per tick and redraws."""

    @st.fragment(run_every=TICK_SECONDS if session.running else None)
    def live():
        if session.running:
            slots = training_slots()
            if slots.acquire(timeout=0.3):
                try:
                    session.run_for(TRAIN_SECONDS)
                except Exception as err:  # noqa: BLE001
                    log.exception("training failed")
                    session.running = False
                    flash("error", f"Training stopped: {err}. Press Reset to start again.")
                finally:
                    slots.release()
            else:
                st.caption("The server is busy with other sessions; training resumes in a moment.")
            if not session.running:
                st.rerun()  # redraw the whole page: the Run button and the timer change
        with session.lock:  # never draw while another run of this session is mid-step
            status_ui(session)
            panels_ui(session, view, on_population, on_precise)

    live()


def main():
    st.set_page_config(page_title="bnviz — Batch Normalization, step by step", layout="wide")
    st.title("Batch Normalization, step by step")
    try:
        data = shared_data()
    except (DataNotFoundError, BadDataError) as err:
        st.error(f"Fashion-MNIST could not be loaded.\n\n{err}")
        st.stop()
    if "session" not in st.session_state:
        st.session_state.session = Session(data, RunConfig())
    session = st.session_state.session
    mode = st.sidebar.radio("Mode", ["Live training", "Experiments", "Replay a recording"], key="mode")
    if mode == "Replay a recording":
        replay_ui()
        return
    if mode == "Experiments":
        experiments_ui(data)
        return
    settings_ui(data)
    actions_ui(session)
    if "flash" in st.session_state:
        kind, text = st.session_state.pop("flash")
        getattr(st, kind)(text)
    view = view_ui(session)
    live_ui(session, view)


def replay_ui():
    """Replay mode: the same panels over a recording, scrubbed with a slider."""
    replay_sidebar_ui()
    replay = st.session_state.get("replay")
    if replay is None:
        st.info("Open a recording in the sidebar: upload a `.bnviz` file written by "
                "`python -m bnviz record ...`, or pick one from `runs/` on this server.")
        return
    step = replay_step_ui(replay)
    view = view_ui(replay)
    view["step"] = step
    if view["panel"] in ("Distributions now", "Inside one step"):
        st.caption(f"Showing the record at step {step}; the panels over time show the whole recording.")
    panels_ui(replay, view, on_population=None)


if __name__ == "__main__":
    main()
