"""The guided tour (`page=tour`): the chapter's story in eight stops over one real run.

Only drawing here: the run is bnviz.experiments.tour (trained once per settings and seed, held by
st.cache_resource and shared read-only by every session), the stops' words and numbers are
bnviz.experiments.tour_stops. `stop=N` in the URL opens stop N and follows the student.
"""
import dataclasses

import streamlit as st

from ..experiments.tour import TourSettings, build_tour
from ..experiments.tour_stops import count, stop
from ..train.config import LIMITS
from .charts import chart
from .language import lang, t

UI = {  # the page's own words: catalogue keys (each stop's words are in experiments/tour_texts.py)
    "title": "tour.ui.title",
    "run": "tour.ui.run",
    "building": "tour.ui.building",
    "stop": "tour.ui.stop",
    "your_answer": "tour.ui.your_answer",
    "reveal": "tour.ui.reveal",
    "right": "tour.ui.right",
    "wrong": "tour.ui.wrong",
    "no_answer": "tour.ui.no_answer",
    "link": "tour.ui.link",
    "back": "tour.ui.back",
    "next": "tour.ui.next",
    "bad_stop": "tour.ui.bad_stop",
    "bad_seed": "tour.ui.bad_seed",
    "failed": "tour.ui.failed",
}


@st.cache_resource(show_spinner=False, max_entries=8)
def shared_tour(key, _data, _settings):
    """The finished run for these settings and data (key names both), trained once per server."""
    return build_tour(_data, _settings)


@st.cache_resource(show_spinner=False, max_entries=64)
def shared_stop(key, n, lang, _run):
    """Stop `n` of the run cached under `key` in language `lang`: its numbers and figure, built once
    and shared."""
    return stop(_run, n, lang)


def url_stop(total, value):
    """The stop named by `stop=` in the URL (1-based), or 1 with a notice when it is not a stop."""
    if value is None:
        return 1
    try:
        n = int(value)
    except ValueError:
        n = 0
    if not 1 <= n <= total:
        st.session_state.tour_notice = t(UI["bad_stop"], value=value, total=total)
        return 1
    return n


def url_seed(default, value):
    """The seed named by `seed=` in the URL, or `default` with a notice when it is not a valid seed."""
    if value is None:
        return default
    low, high = LIMITS["seed"]
    try:
        seed = int(value)
    except ValueError:
        seed = -1
    if not low <= seed <= high:
        st.warning(t(UI["bad_seed"], value=value, high=high, default=default))
        return default
    return seed


def go(n):
    st.session_state.tour_stop = n
    follow(n)


def follow(n):
    """The URL names stop n: through the app's lesson (which writes the whole link) where there is one."""
    if "lesson" in st.session_state:
        st.session_state.lesson["stop"] = n
    st.query_params["stop"] = str(n)


def reveal(n):
    st.session_state[f"tour-revealed-{n}"] = True


def tour_ui(data, settings=None, lesson=None):
    """The tour page over `data` (a FashionMNIST): the run of `settings` (default TourSettings()),
    with the seed of the link's `seed=` when it names one. In the app, `lesson` is the link as
    bnviz.app.links read it (stop and seed already checked there); alone, the URL itself."""
    total = count()
    link = lesson if lesson is not None else st.query_params
    if "tour_stop" not in st.session_state:  # the URL decides on opening; then Next and Back do
        st.session_state.tour_stop = url_stop(total, link.get("stop"))
    n = st.session_state.tour_stop
    follow(n)
    if "tour_notice" in st.session_state:
        st.warning(st.session_state.pop("tour_notice"))
    settings = settings or TourSettings()
    settings = dataclasses.replace(settings, seed=url_seed(settings.seed, link.get("seed")))
    key = f"{settings!r}|{data.describe()}|{len(data.train_labels)}|{len(data.test_labels)}"
    try:
        with st.spinner(t(UI["building"], seed=settings.seed)):
            run = shared_tour(key, data, settings)
    except (ValueError, RuntimeError) as err:
        st.error(t(UI["failed"], err=err))
        return
    st.header(t(UI["title"], n=total))
    st.caption(t(UI["run"], lr=settings.lr, batch_size=settings.batch_size, momentum=settings.momentum,
                                eps=settings.eps, seed=settings.seed, steps=run.steps,
                                epochs=run.steps // run.steps_per_epoch, images=run.train_images,
                                data=run.extra.get("data_words", {}).get(lang(), run.data), seconds=run.seconds))
    draw_stop(shared_stop(key, n, lang(), run), total)


def draw_stop(s, total):
    """One stop: the question first; after Reveal, the run's numbers, figure, table and link."""
    st.subheader(t(UI["stop"], n=s.number, total=total, title=s.title))
    st.progress(s.number / total)
    st.markdown(s.question)
    choice = st.radio(t(UI["your_answer"]), s.choices, index=None, key=f"tour-answer-{s.number}")
    revealed = st.session_state.get(f"tour-revealed-{s.number}", False)
    if not revealed:
        st.button(t(UI["reveal"]), key=f"tour-reveal-{s.number}", on_click=reveal, args=(s.number,), type="primary")
    else:
        answer = s.choices[s.answer]
        if choice is None:
            st.info(t(UI["no_answer"], answer=answer))
        elif choice == answer:
            st.success(t(UI["right"]))
        else:
            st.warning(t(UI["wrong"], answer=answer))
        st.markdown(s.reveal)
        if s.figure is not None:
            chart(s.figure, f"tour-{s.number}")
        if s.table:
            st.table(s.table)
        st.markdown(t(UI["link"], link=s.link))
    cols = st.columns([1, 1, 4])
    cols[0].button(t(UI["back"]), key="tour-back", disabled=s.number == 1, on_click=go, args=(s.number - 1,))
    cols[1].button(t(UI["next"]), key="tour-next", disabled=s.number == total, on_click=go, args=(s.number + 1,))
