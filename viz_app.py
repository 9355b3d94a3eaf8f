"""bnviz: step through the training of the chapter's LeNet and watch Batch Normalization work.

    streamlit run viz_app.py

Each browser session trains its own model (held by a registry that releases it after the tab's
time-to-live; st.session_state keeps a weak proxy); the data set is loaded once and shared
read-only. Training runs in a fragment that does a bounded number of steps per tick, so the
page stays responsive and Pause takes effect within a second. A session's first run reads its
lesson link (bnviz.app.links: settings, page, view, step, lock, hide) and every run writes the page's
state back to the URL, so the address bar is always a link to what is shown.
"""
import logging
import os
import time
import uuid
import weakref

import streamlit as st
import torch
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from bnviz.app.controls import (THREADS_PER_SESSION, TICK_SECONDS, TRAIN_SECONDS, actions_ui, flash, language_ui,
                                on_population, on_precise, page_ui, settings_ui, training_slots, view_ui)
from bnviz.app.diagnostics import collect_garbage, run_finished, write_stats
from bnviz.app.distributed import distributed_ui
from bnviz.app.experiments import experiments_ui
from bnviz.app.forks import fork_ui
from bnviz.app.language import lang, t
from bnviz.app.lesson import (copy_link_ui, lesson_config, link_state, locks_ui, notices_ui, open_lesson,
                              start_lesson, write_url)
from bnviz.app.panels import panels_ui
from bnviz.app.registry import SessionRegistry
from bnviz.app.replay import replay_sidebar_ui, replay_step_ui
from bnviz.app.slots import share_interpreter
from bnviz.app.tour import tour_ui
from bnviz.data.fashion_mnist import BadDataError, DataNotFoundError, load_fashion_mnist
from bnviz.debug.live_run import LiveRun
from bnviz.i18n import CATALOGUES, in_language, text
from bnviz.distributed.reading import is_distributed

log = logging.getLogger("bnviz.app")


@st.cache_resource(show_spinner=False)  # the spinner is main()'s, in the session's language
def shared_data(path):
    """The data set, loaded once per server (per data path) and shared read-only by every session."""
    return load_fashion_mnist(path)


# --- sessions ------------------------------------------------------------------------------------
@st.cache_resource
def session_registry():
    """Every live LiveRun of this server (st.session_state holds only a weak proxy)."""
    return SessionRegistry()


def browser_session_active(session_id):
    """Whether a browser is still connected to that Streamlit session."""
    return not Runtime.exists() or Runtime.instance().is_active_session(session_id)


def current_session(data, lesson):
    """This browser session's LiveRun (made on its first run, with the lesson's settings); releases
    closed tabs' Sessions."""
    ctx = get_script_run_ctx()
    key = st.session_state.setdefault("bnviz_key", uuid.uuid4().hex)  # unique even where ids repeat
    registry = session_registry()
    session = registry.get_or_create(key, lambda: LiveRun(data, lesson_config(lesson)),
                                     ctx.session_id if ctx else key)
    st.session_state.session = weakref.proxy(session)  # for callbacks; the registry owns it
    registry.reap(browser_session_active, st.get_option("server.disconnectedSessionTTL"))
    return session


# --- pages ----------------------------------------------------------------------------------------
def status_ui(session):
    w = session.where()
    st.progress(w["batch"] / w["steps_per_epoch"],
                text=t("app.status", step=w["step"], epoch=w["epoch"], batch=w["batch"],
                       steps_per_epoch=w["steps_per_epoch"], images_seen=w["images_seen"], device=w["device"])
                     + (t("app.status.running") if session.running else ""))
    if session.job is not None:
        st.caption(t("app.status.epoch_end"))
    if session.hit is not None:
        (st.error if session.hit.fatal else st.warning)(in_language(session.stopped_because, lang()))


def live_ui(session, view):
    """Status and panel. While running, a fragment trains a bounded slice per tick and redraws;
    while paused, a plain call (no fragment whose late deltas could race a full rerun)."""
    if session.running:
        st.fragment(run_every=TICK_SECONDS)(running_tick)(view)
    else:
        draw_live(st.session_state.session, view)


def running_tick(view):
    """One Run tick. Streamlit keeps this function with the browser session, so it reads the
    LiveRun through st.session_state's weak proxy: a closed tab's model must not outlive its TTL."""
    session = st.session_state.session
    if session.running:
        slots = training_slots()
        with slots.slot(0.3, urgent=False) as got:  # a click goes first
            if got:
                try:  # a slice of steps; stop early when another student waits for a slot or a page
                    session.run_for(TRAIN_SECONDS, stop_early=lambda: slots.busy)
                except Exception as err:  # noqa: BLE001
                    log.exception("training failed")
                    session.running = False
                    flash("error", t("app.training_stopped", error=err))
            else:
                st.caption(t("app.busy"))
    if not session.running:
        st.rerun()  # redraw the whole page: the Run button changes and the ticks stop
    draw_live(session, view)


def draw_live(session, view):
    try:
        with session.lock:  # never draw while another run of this session is mid-step
            status_ui(session)
            panels_ui(session, view, on_population, on_precise)
    except Exception:  # noqa: BLE001 — a panel that fails says so; the session is kept
        log.exception("a panel failed")
        st.error(t("app.panel_failed"))


def live_page(data, session, lesson):
    """Live training: settings, actions, the status line and a panel over this session's run, and a fork of it."""
    settings_ui(data, lesson)
    actions_ui(session, lesson)
    if "flash" in st.session_state:
        kind, text = st.session_state.pop("flash")
        getattr(st, kind)(text)
    view = view_ui(session, lesson)
    live_ui(session, view)
    fork_ui(session, lesson, view)
    collect_garbage()


# A lesson link's page name -> (the Mode radio's label, the page). A page missing here falls back to
# live with a notice.
PAGES = {
    "live": ("Live training", live_page),
    "experiments": ("Experiments", lambda data, session, lesson: experiments_ui(data)),
    "replay": ("Replay a recording", lambda data, session, lesson: replay_ui(lesson)),
    "tour": ("Guided tour", lambda data, session, lesson: tour_ui(data, lesson=lesson)),
}
MODE_KEYS = {"Live training": "app.mode.live", "Experiments": "app.mode.experiments",
             "Replay a recording": "app.mode.replay", "Guided tour": "app.mode.tour"}  # label -> its words


def main():
    with training_slots().page():  # Run ticks give way while a page is drawn
        draw_page()


def draw_page():
    started = time.perf_counter()
    lesson = start_lesson(tuple(PAGES))  # the link's state, read on the session's first run (no element drawn)
    chosen = st.session_state.get("lang", lesson["lang"])  # the select box's, once it exists; else the link's
    st.set_page_config(page_title=text("app.page_title", chosen if chosen in CATALOGUES else "en"), layout="wide")
    if torch.get_num_threads() != THREADS_PER_SESSION:
        torch.set_num_threads(THREADS_PER_SESSION)
    share_interpreter()
    language_ui(lesson)
    st.title(t("app.title"))
    try:
        with st.spinner(t("app.loading")):
            data = shared_data(os.environ.get("BNVIZ_DATA"))
    except (DataNotFoundError, BadDataError) as err:
        st.error(t("app.data_failed", error=err))
        st.stop()
    session = current_session(data, lesson)
    open_lesson(session)
    name = page_ui(lesson, {name: label for name, (label, _) in PAGES.items()}, MODE_KEYS)
    locks_ui(lesson)
    link_box = st.sidebar.container()
    notices_ui()
    PAGES[name][1](data, session, lesson)
    state = link_state(lesson, session)
    copy_link_ui(link_box, state)
    write_url(state)
    if os.environ.get("BNVIZ_STATS_FILE"):  # load tests read the server's numbers here
        run_finished(started)
        write_stats(os.environ["BNVIZ_STATS_FILE"])


def replay_ui(lesson):
    """Replay mode: the same panels over a recording, scrubbed with a slider."""
    replay_sidebar_ui()
    replay = st.session_state.get("replay")
    if replay is None:
        st.info(t("app.replay.open"))
        return
    if is_distributed(replay.history):  # per-replica and global statistics, drift, SyncBatchNorm
        distributed_ui(replay.history)
        st.divider()
        st.caption(t("app.replay.below"))
    step = replay_step_ui(replay)
    view = view_ui(replay, lesson)
    view["step"] = step
    if view["panel"] in ("Distributions now", "Inside one step"):
        st.caption(t("app.replay.record_at", step=step))
    panels_ui(replay, view, on_population=None)


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001 — st.rerun/st.stop are BaseExceptions and pass through
        log.exception("the page failed")
        st.error(t("app.page_failed"))
