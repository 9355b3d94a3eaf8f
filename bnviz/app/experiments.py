"""The app's experiments page: the experiment cards, the mode matrix, the BN paper's Figure 1, the
twin run.

Each experiment runs in bounded chunks with a progress bar, from the shared read-only data set;
results live in this browser session's state.
"""
import streamlit as st

from ..experiments.figure1 import figure1_run
from ..experiments.modes import MODE_CELLS, MODE_COLUMNS, mode_matrix
from ..experiments.twin import TwinRun
from ..figures.experiments import figure1_figure, twin_figure, twin_label
from ..i18n import text
from ..train.config import RunConfig
from . import explain
from .cards import card_ui
from .charts import chart
from .controls import training_slots
from .language import lang, t

MAX_STEPS = 1000  # per experiment run, to keep one session from holding the server for minutes
FIGURE1_EVAL_IMAGES = 2000  # test accuracy of Figure 1's nets on the first this-many test images


# bnviz.experiments.modes writes its table in English (the catalogue's English texts); shown translated.


def in_language(value, keys):
    """`value` in this session's language where it is the English text of one of `keys`."""
    return next((t(k) for k in keys if isinstance(value, str) and value == text(k, "en")), value)


def mode_matrix_ui():
    st.subheader(t("experiments.modes.title"))
    st.markdown(t("explain.modes"))
    st.table([{in_language(k, MODE_COLUMNS): in_language(v, MODE_CELLS) for k, v in row.items()}
              for row in mode_matrix()])


SIGMOIDS = ("experiments.fig1.sigmoid_0", "experiments.fig1.sigmoid_1", "experiments.fig1.sigmoid_2",
            "experiments.fig1.sigmoid_3")


def figure1_ui(data):
    st.subheader(t("experiments.fig1.title"))
    st.markdown(explain.figure1(FIGURE1_EVAL_IMAGES, lang()))
    c = st.columns(4)
    steps = c[0].number_input(t("experiments.steps"), min_value=10, max_value=MAX_STEPS, value=200, step=50,
                              key="f1_steps")
    lr_plain = c[1].number_input(t("experiments.fig1.lr_plain"), min_value=1e-4, max_value=100.0, value=1.0,
                                 format="%.4g", key="f1_lr_plain")
    lr_bn = c[2].number_input(t("experiments.fig1.lr_bn"), min_value=1e-4, max_value=100.0, value=1.0,
                              format="%.4g", key="f1_lr_bn")
    sigmoid = c[3].selectbox(t("experiments.fig1.sigmoid"), [0, 1, 2, 3], index=3, key="f1_sigmoid",
                             format_func=lambda i, chosen=lang(): text(SIGMOIDS[i], chosen))
    if st.button(t("experiments.fig1.run"), key="f1_run"):
        bar = st.progress(0.0, text=t("experiments.fig1.training"))
        st.session_state.figure1 = figure1_run(
            data, steps=int(steps), lr_bn=lr_bn, lr_plain=lr_plain, sigmoid=int(sigmoid),
            eval_images=FIGURE1_EVAL_IMAGES,
            progress=lambda done, total: bar.progress(done / total, text=t("experiments.progress_step",
                                                                             done=done, total=total)))
        bar.empty()
    if "figure1" in st.session_state:
        chart(figure1_figure(st.session_state.figure1, lang=lang()), "figure1")


def twin_ui(data):
    st.subheader(t("experiments.twin.title"))
    st.markdown(explain.twin(RunConfig().batch_size, 24 * 24, lang()))  # LeNet's first convolution: 24x24
    steps = st.number_input(t("experiments.steps"), min_value=1, max_value=MAX_STEPS, value=50, key="twin_steps")
    if st.button(t("experiments.twin.run"), key="twin_run"):
        twin = st.session_state.get("twin") or TwinRun(data)
        bar = st.progress(0.0)
        for done in range(int(steps)):
            twin.step(1)
            bar.progress((done + 1) / steps, text=t("experiments.twin.step", step=twin.rows[-1]["step"]))
        bar.empty()
        st.session_state.twin = twin
    if st.session_state.get("twin"):
        rows = st.session_state.twin.rows
        chart(twin_figure(rows, lang=lang()), "twin")
        if len(rows) > 1:
            st.caption(t("experiments.twin.grew", first=rows[0]["batch_mean"], first_step=rows[0]["step"],
                         last=rows[-1]["batch_mean"], last_step=rows[-1]["step"]))
        st.dataframe([{twin_label(k, lang()) if k != "step" else t("axis.step"):
                       (f"{v:.2e}" if isinstance(v, float) else v) for k, v in r.items()} for r in rows[-10:]],
                      hide_index=True)
        if st.button(t("experiments.twin.reset"), key="twin_reset"):
            st.session_state.twin = None
            st.rerun()


TABS = {"Cards": "experiments.tab.cards", "Mode matrix": "experiments.tab.mode_matrix",  # value -> label
        "Figure 1": "experiments.tab.figure1", "Twin run": "experiments.tab.twin"}


def experiments_ui(data):
    """The experiments page."""
    tab = st.radio(t("experiments.tab.label"), list(TABS), horizontal=True, key="experiment",
                   format_func=lambda name, chosen=lang(): text(TABS[name], chosen))  # bound now: see panel_labels
    if tab == "Cards":
        card_ui(data, training_slots())
    elif tab == "Mode matrix":
        mode_matrix_ui()
    elif tab == "Figure 1":
        figure1_ui(data)
    else:
        twin_ui(data)
