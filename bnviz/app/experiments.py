"""The app's experiments page: the experiment cards, the mode matrix, the BN paper's Figure 1, the
twin run.

Each experiment runs in bounded chunks with a progress bar, from the shared read-only data set;
results live in this browser session's state.
"""
import streamlit as st

from ..experiments.figure1 import figure1_run
from ..experiments.modes import mode_matrix
from ..experiments.twin import TwinRun
from ..figures.experiments import figure1_figure, twin_figure
from ..train.config import RunConfig
from . import explain
from .cards import card_ui
from .controls import training_slots

MAX_STEPS = 1000  # per experiment run, to keep one session from holding the server for minutes
FIGURE1_EVAL_IMAGES = 2000  # test accuracy of Figure 1's nets on the first this-many test images


def mode_matrix_ui():
    st.subheader("The mode matrix: train()/eval() × gradients on/off")
    st.markdown(explain.MODES)
    st.table(mode_matrix())


def figure1_ui(data):
    st.subheader("The BN paper's Figure 1, on this LeNet")
    st.markdown(explain.figure1(FIGURE1_EVAL_IMAGES))
    c = st.columns(4)
    steps = c[0].number_input("Steps", min_value=10, max_value=MAX_STEPS, value=200, step=50, key="f1_steps")
    lr_plain = c[1].number_input("lr of the no-BN net", min_value=1e-4, max_value=100.0, value=1.0,
                                 format="%.4g", key="f1_lr_plain")
    lr_bn = c[2].number_input("lr of the BN net", min_value=1e-4, max_value=100.0, value=1.0, format="%.4g",
                              key="f1_lr_bn")
    sigmoid = c[3].selectbox("Sigmoid", [0, 1, 2, 3], index=3, key="f1_sigmoid",
                             format_func=lambda i: ["after conv 1", "after conv 2", "after linear 1",
                                                    "after linear 2 (the last hidden)"][i])
    if st.button("Train both side by side", key="f1_run"):
        bar = st.progress(0.0, text="training both nets…")
        st.session_state.figure1 = figure1_run(
            data, steps=int(steps), lr_bn=lr_bn, lr_plain=lr_plain, sigmoid=int(sigmoid),
            eval_images=FIGURE1_EVAL_IMAGES,
            progress=lambda done, total: bar.progress(done / total, text=f"step {done} of {total}"))
        bar.empty()
    if "figure1" in st.session_state:
        st.plotly_chart(figure1_figure(st.session_state.figure1), key="chart-figure1", width="stretch", theme=None)


def twin_ui(data):
    st.subheader("Twin run: the chapter's BatchNorm vs nn.BatchNorm")
    st.markdown(explain.twin(RunConfig().batch_size, 24 * 24))  # LeNet's first convolution: 24x24
    steps = st.number_input("Steps", min_value=1, max_value=MAX_STEPS, value=50, key="twin_steps")
    if st.button("Step both", key="twin_run"):
        twin = st.session_state.get("twin") or TwinRun(data)
        bar = st.progress(0.0)
        for done in range(int(steps)):
            twin.step(1)
            bar.progress((done + 1) / steps, text=f"step {twin.rows[-1]['step']}")
        bar.empty()
        st.session_state.twin = twin
    if st.session_state.get("twin"):
        rows = st.session_state.twin.rows
        st.plotly_chart(twin_figure(rows), key="chart-twin", width="stretch", theme=None)
        if len(rows) > 1:
            st.caption(f"In this run the largest difference of the batch means went from "
                       f"{rows[0]['batch_mean']:.2g} at step {rows[0]['step']} to {rows[-1]['batch_mean']:.2g} "
                       f"at step {rows[-1]['step']}.")
        st.dataframe([{k: (f"{v:.2e}" if isinstance(v, float) else v) for k, v in r.items()} for r in rows[-10:]],
                     hide_index=True)
        if st.button("Start the twin run again", key="twin_reset"):
            st.session_state.twin = None
            st.rerun()


def experiments_ui(data):
    """The experiments page."""
    tab = st.radio("Experiment", ["Cards", "Mode matrix", "Figure 1", "Twin run"], horizontal=True,
                   key="experiment")
    if tab == "Cards":
        card_ui(data, training_slots())
    elif tab == "Mode matrix":
        mode_matrix_ui()
    elif tab == "Figure 1":
        figure1_ui(data)
    else:
        twin_ui(data)
