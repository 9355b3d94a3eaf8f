"""The live page's "Fork from here": branch a counterfactual off this session's run, at its step or
an earlier one (a rewind point), train the original's and the fork's copies on the same batches with
a progress bar, and overlay the fork's curves and histograms on the original's.

The live run is never changed: the fork trains copies (LiveRun.stepper_at, bnviz.experiments.fork).
A fork holds a training slot while it trains, like a Step, with THREADS_PER_SESSION torch threads
set in this thread, the one that trains.
"""
import logging

import streamlit as st
import torch

from ..experiments.fork import ForkChange, fork
from ..experiments.fork_histograms import fork_histograms
from ..figures.forks import fork_curves, fork_histogram_figure
from ..i18n import text
from .charts import chart
from .controls import SLOT_WAIT_SECONDS, THREADS_PER_SESSION, layer_label, locked, shown, training_slots
from .language import lang, t

MAX_FORK_STEPS = 200  # per fork: two copies train these many steps while the session holds its slot
MAX_FACTOR = 1000.0  # the largest lr x k
CHANGES = {"lr": "experiments.fork.change.lr", "group": "experiments.fork.change.group",  # value -> words
           "layer": "experiments.fork.change.layer", "none": "experiments.fork.change.none",
           "frozen": "experiments.fork.change.frozen", "batch": "experiments.fork.change.batch"}
NEEDS_BN = ("group", "layer", "none", "frozen")
log = logging.getLogger("bnviz.app")


def fork_change(kind, factor, batch_size):
    """The ForkChange that the chosen change and its value describe."""
    if kind == "lr":
        return ForkChange(lr_factor=float(factor))
    if kind == "batch":
        return ForkChange(batch_size=int(batch_size))
    if kind == "frozen":
        return ForkChange(frozen_stats=True)
    return ForkChange(norm=kind)


def whole(value):
    """Whether `value` is a whole number (a number input may hold 12.5)."""
    return float(value).is_integer()


def fork_problems(session, kind, factor, batch_size, steps, at_step):
    """What stops this fork, in this session's words (empty when nothing does)."""
    problems, now, images = [], session.stepper.step_count, len(session.data.train_labels)
    if not whole(at_step) or not 0 <= at_step <= now:
        problems.append(t("experiments.fork.bad_step", now=now, value=at_step))
    if not whole(steps) or not 1 <= steps <= MAX_FORK_STEPS:
        problems.append(t("experiments.fork.bad_steps", top=MAX_FORK_STEPS, value=steps))
    if kind == "lr" and not 0 < factor <= MAX_FACTOR:  # (a NaN fails both comparisons)
        problems.append(t("experiments.fork.bad_factor", top=MAX_FACTOR, value=factor))
    if kind == "batch" and (not whole(batch_size) or not 1 <= batch_size <= images):
        problems.append(t("experiments.fork.bad_batch", top=images, value=batch_size))
    if kind in NEEDS_BN and not session.has_bn:
        problems.append(t("experiments.fork.no_bn"))
    return problems


def run_fork(session, change, steps, at_step):
    """Train the fork (holding a training slot) and keep its numbers in st.session_state.fork."""
    bar = st.progress(0.0, text=t("experiments.fork.waiting"))
    try:
        with training_slots().slot(SLOT_WAIT_SECONDS) as got:
            if not got:
                st.warning(t("controls.busy"))
                return
            if torch.get_num_threads() != THREADS_PER_SESSION:
                torch.set_num_threads(THREADS_PER_SESSION)
            base = session.stepper_at(at_step, progress=lambda done, total: bar.progress(
                done / total, text=t("experiments.fork.replaying", step=at_step)))
            result = fork(base, change, steps, progress=lambda done, total: bar.progress(
                done / total, text=t("experiments.fork.progress", done=done, total=total)))
            hists = fork_histograms(base, result)
    except Exception as err:  # noqa: BLE001 — a student never sees a traceback; the live run is a copy away
        log.exception("fork failed")
        st.error(t("experiments.fork.failed", error=err))
        return
    finally:
        bar.empty()
    result.models.clear()  # the figures need only the numbers
    run_log = session.log
    before = [i for i, s in enumerate(run_log.step) if s <= at_step]
    st.session_state.fork = {
        "result": result, "change": change, "hists": hists, "config": session.config,
        "test_images": len(session.data.test_labels),
        "before": {"steps": [run_log.step[i] for i in before], "loss": [run_log.loss[i] for i in before],
                   "acc": [run_log.acc[i] for i in before]}}


def on_clear():
    st.session_state.pop("fork", None)


def fork_ui(session, lesson, view):
    """The "Fork from here" toggle under the live panels, and the fork's controls and results while it is
    on (a lesson that hides training hides it)."""
    if not shown(lesson, "training"):
        return
    made = st.session_state.get("fork")
    if made is not None and made["config"] != session.config:  # a fork of other settings: not this run's
        made = None
    # A toggle, not an expander: a closed expander's widgets are still made on every page run, and in a
    # class of 100 every page run counts (bench/page_cost.py); the fork's controls cost nothing until opened.
    if not st.toggle(t("experiments.fork.title"), value=made is not None, key="fork_open"):
        return
    with st.container(border=True, key="fork_box"):
        st.markdown(t("experiments.fork.intro"))
        now = session.stepper.step_count
        c = st.columns(4)
        at_step = c[0].number_input(t("experiments.fork.from_step"), min_value=0, max_value=now, value=now,
                                    key=f"fork_at_{now}", help=t("experiments.fork.from_step_help"))
        kind = c[1].selectbox(t("experiments.fork.change"), list(CHANGES), key="fork_change",
                              format_func=lambda k, chosen=lang(): text(CHANGES[k], chosen))
        factor = batch_size = None
        if kind == "lr":
            factor = c[2].number_input(t("experiments.fork.factor"), value=10.0, step=1.0, format="%g",
                                       key="fork_factor")
        elif kind == "batch":
            batch_size = c[2].number_input(t("experiments.fork.batch_size"), value=64, step=32, key="fork_batch")
        steps = c[3].number_input(t("experiments.fork.steps"), min_value=1, max_value=MAX_FORK_STEPS, value=20,
                                  key="fork_steps")
        if session.running:
            st.caption(t("experiments.fork.pause_first"))
        if st.button(t("experiments.fork.run"), key="fork_run", disabled=session.running or locked(lesson, "training")):
            problems = fork_problems(session, kind, factor, batch_size, steps, at_step)
            for problem in problems:
                st.error(problem)
            if not problems:
                run_fork(session, fork_change(kind, factor, batch_size), int(steps), int(at_step))
                made = st.session_state.get("fork")
        if made is not None:
            fork_result_ui(session, made, view)


def fork_result_ui(session, made, view):
    """The fork's curves over the original's, and its histograms at one BN layer position."""
    result, hists = made["result"], made["hists"]
    change = made["change"].describe(lang())
    chart(fork_curves(result, made["before"], change, lang=lang()), "fork-curves")
    if result.fork_diverged_at is not None:
        st.warning(t("experiments.fork.diverged", step=result.fork_diverged_at))
    elif result.test_acc:
        st.caption(t("experiments.fork.test_acc", step=result.steps[-1], original=result.test_acc["original"],
                     fork=result.test_acc["fork"], images=made["test_images"]))
    if not hists.layers:
        st.info(t("experiments.fork.no_layers"))
    else:
        names = list(hists.layers)
        facts = session.history.meta["layers"] if session.history is not None else {}
        layer = st.selectbox(t("experiments.fork.layer"), names, key="fork_layer",
                             index=names.index(view["layer"]) if view.get("layer") in names else 0,
                             format_func=lambda n, chosen=lang(): layer_label(facts, n, chosen))
        position = hists.layers[layer]
        chart(fork_histogram_figure(position, result.start_step, hists.step, change, lang=lang()), "fork-hist")
        st.caption(t("experiments.fork.hist_caption", step=hists.step, images=hists.images, layer=layer,
                     original=position.modules["original"], fork=position.modules["fork"]))
        for quantity, words in (("input", "experiments.fork.fig.input"), ("output", "experiments.fork.fig.output")):
            bad = position.nonfinite[quantity]
            if bad["original"] or bad["fork"]:
                st.caption(t("experiments.fork.nonfinite", quantity=t(words, layer=layer), **bad))
    st.button(t("experiments.fork.clear"), key="fork_clear", on_click=on_clear)
