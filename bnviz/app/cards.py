"""The app's experiment cards: pick one, run it (default or quick settings) in bounded chunks with a
progress bar, Pause, Resume and Cancel; see its figure, table and reading beside the published
headline; CSV of the table to download.

A run works like Run on the live page: it goes on in a fragment that, once per tick, takes the
session's training slot, lets the card's worker (bnviz.experiments.chunked) work for about
CHUNK_SECONDS, gives the slot back and redraws the progress. So the page stays responsive, Pause
takes effect within a tick, and a training slot is never held for the whole run. One run at a time
per session; changing the card or its settings, or Cancel, abandons it (its worker thread ends).
Leaving the Cards tab or the page lets it wait where it is, as a Pause.
"""
import dataclasses
import logging

import pandas as pd
import streamlit as st

from ..experiments.catalog import CARDS
from ..experiments.chunked import ChunkedRun
from .charts import chart
from .controls import THREADS_PER_SESSION, TICK_SECONDS, TRAIN_SECONDS
from .diagnostics import action_started
from .language import lang, t

CHUNK_SECONDS = TRAIN_SECONDS  # of each tick (TICK_SECONDS, as Run's), time the card works; the rest draws
log = logging.getLogger("bnviz.app")


# --- callbacks (run before the script reruns) --------------------------------------------------------
def notice(kind, text):
    """A message shown once, above the card (st.warning, st.info, st.error by `kind`)."""
    st.session_state["card_notice"] = (kind, text)


def chosen_settings(card):
    return card.settings(quick=bool(st.session_state.get("card_quick", False)))


def on_run(data):
    """Start the chosen card; refused while this session's run is still going (paused or not)."""
    action_started("card_run")
    ss = st.session_state
    job = ss.get("card_job")
    if job is not None and job.finished:  # it ended since the page was drawn: its result first
        collect(job)
    elif job is not None:
        notice("warning", t("cards.one_at_a_time"))
        return
    card = CARDS[ss.card_name]
    ss.card_job = ChunkedRun(card, data, chosen_settings(card), threads=THREADS_PER_SESSION)
    ss.card_paused = False


def on_pause(pause):
    """Pause (pause=True) or Resume; the intended action travels with the click, as Run's does."""
    action_started("card_pause" if pause else "card_resume")
    st.session_state.card_paused = pause


def on_cancel():
    abandon()
    notice("info", t("cards.cancelled"))


def abandon():
    """Stop this session's run, if any (its worker ends at its next tick) and forget it."""
    job = st.session_state.pop("card_job", None)
    if job is not None:
        job.stop()
    st.session_state.card_paused = False


# --- the tick ---------------------------------------------------------------------------------------
def card_tick(slots):
    """One tick of a running card: a chunk of its work while holding a training slot, then its progress.
    Reads the run from st.session_state each time (Streamlit keeps this function with the session)."""
    ss = st.session_state
    job = ss.get("card_job")
    if job is not None and not job.finished and not ss.get("card_paused"):
        with slots.slot(0.3, urgent=False) as got:  # a click goes first, as the live page's ticks
            if got:
                job.step(CHUNK_SECONDS, stop_early=lambda: slots.busy)
            else:
                st.caption(t("cards.busy"))
    if job is None or job.finished or ss.get("card_paused"):
        st.rerun()  # redraw the whole page: the buttons change, the result shows, the ticks stop
    progress_ui(job, paused=False)


def progress_ui(job, paused):
    done, total = job.progress
    if paused:
        words = t("cards.paused", done=done, total=total)
    else:  # nothing done yet: its first chunk has not had a training slot
        words = t("cards.progress", done=done, total=total) if done else t("cards.waiting")
    st.progress(min(done / total, 1.0), text=words)


def collect(job):
    """A finished run's result (or its error, as a message), and the run forgotten."""
    ss = st.session_state
    ss.pop("card_job", None)
    if job.result is not None:
        ss.card_result = job.result
    elif job.error is not None:
        log.error("card %s failed", job.name, exc_info=job.error)
        notice("error", t("cards.failed", error=job.error))


# --- the tab -----------------------------------------------------------------------------------------
def run_ui(data, name, settings, slots):
    """Run, or (while a run goes on) Pause/Resume and Cancel, and the progress."""
    ss = st.session_state
    job = ss.get("card_job")
    if job is not None and (job.name, job.settings) != (name, settings):  # another card or settings: drop it
        abandon()
        notice("info", t("cards.abandoned", name=job.name))
        job = None
    if job is not None and job.finished:
        collect(job)
        job = None
    if "card_notice" in ss:
        kind, text = ss.pop("card_notice")
        getattr(st, kind)(text)
    paused = bool(ss.get("card_paused"))
    cols = st.columns(3)
    cols[0].button(t("cards.run"), key="card_run", on_click=on_run, args=(data,),  # refused while a run goes on
                   type="primary" if job is None else "secondary", width="stretch")
    if job is None:
        return
    cols[1].button(t("cards.resume") if paused else t("cards.pause"), key="card_pause", on_click=on_pause,
                   args=(not paused,), width="stretch")
    cols[2].button(t("cards.cancel"), key="card_cancel", on_click=on_cancel, width="stretch")
    if paused:
        progress_ui(job, paused=True)
    else:
        st.fragment(run_every=TICK_SECONDS)(card_tick)(slots)


def card_ui(data, slots):
    """The Cards tab of the Experiments page (`slots`: the server's TrainingSlots)."""
    name = st.selectbox(t("cards.card"), list(CARDS), key="card_name",
                        format_func=lambda n, chosen=lang(): f"{n} — {CARDS[n].said('title', chosen)}")
    card = CARDS[name]
    st.markdown(f"**{card.said('question', lang())}**  \n*{card.said('source', lang())}*")
    st.caption(t("cards.published", headline=card.headline(lang())))
    quick = st.toggle(t("cards.quick"), value=False, key="card_quick")
    settings = chosen_settings(card)
    if quick:  # the budget note describes the default settings; say what the quick ones are
        st.caption(t("cards.quick_settings", settings=", ".join(
            f"`{k} = {v}`" for k, v in dataclasses.asdict(settings).items() if v is not None)))  # code names
    else:
        st.caption(t("cards.default_settings", seconds=card.budget_seconds, note=card.said("budget_note", lang())))
    run_ui(data, name, settings, slots)
    result = st.session_state.get("card_result")
    if result is not None and result.name == name:
        chart(card.figure_in(result, lang()), f"card-{name}")
        st.markdown(card.reading_in(result, lang()))
        st.dataframe(pd.DataFrame(card.table_in(result, lang())), hide_index=True)
        table = pd.DataFrame(result.table)  # the CSV keeps the English column names (a file for scripts)
        st.download_button(t("cards.download"), table.to_csv(index=False).encode(),
                           file_name=f"bnviz-{name}.csv", mime="text/csv", key="card_csv")
        st.caption(t("cards.footer", data=result.data, seconds=result.seconds,
                     transfer=card.said("transfer", lang())))
