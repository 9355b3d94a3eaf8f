"""The app's replay mode: open a recording (upload, or pick from runs/ next to the app) and scrub.

Only files inside RUNS_DIR can be picked by name: a user can never make the server read an
arbitrary path. Loading never executes anything from the file (see recording.py).
"""
from pathlib import Path

import streamlit as st

from ..capturing.recording import MAX_BYTES, RecordingError, load
from ..debug.recording_view import RecordingView
from .language import t

RUNS_DIR = Path(__file__).resolve().parent.parent / "runs"


def recordings_on_server():
    """Names of the .bnviz files in RUNS_DIR (no sub-folders, no links out of it)."""
    if not RUNS_DIR.is_dir():
        return []
    return sorted(p.name for p in RUNS_DIR.glob("*.bnviz") if p.is_file() and p.resolve().parent == RUNS_DIR.resolve())


def open_recording(data, name):
    """Load bytes as a RecordingView into the session, or leave a clear message; the previous one is kept."""
    try:
        st.session_state.replay = RecordingView(load(data), name)
        st.session_state.pop("replay_error", None)
    except RecordingError as err:
        st.session_state.replay_error = t("replay.could_not_open", name=name, error=err)


def on_upload():
    upload = st.session_state.get("upload")
    if upload is not None:
        if upload.size > MAX_BYTES:
            st.session_state.replay_error = t("replay.too_large", name=upload.name, size=upload.size / 2**20,
                                              limit=MAX_BYTES / 2**20)
            return
        open_recording(upload.getvalue(), upload.name)


def on_pick():
    name = st.session_state.get("server_run")
    if name in recordings_on_server():  # only names listed from RUNS_DIR, never a typed path
        path = RUNS_DIR / name
        if path.stat().st_size > MAX_BYTES:
            st.session_state.replay_error = t("replay.too_large_on_server", name=name)
            return
        open_recording(path.read_bytes(), name)


def replay_sidebar_ui():
    """Sidebar controls of replay mode."""
    sb = st.sidebar
    sb.header(t("replay.header"))
    sb.file_uploader(t("replay.upload"), type=["bnviz", "npz"], key="upload", on_change=on_upload,
                     help=t("replay.upload_help"))
    names = recordings_on_server()
    if names:
        sb.selectbox(t("replay.pick"), names, key="server_run", index=None,
                     on_change=on_pick, placeholder=t("replay.pick_placeholder"))
    else:
        sb.caption(t("replay.none_on_server"))
    if "replay_error" in st.session_state:
        sb.error(st.session_state.replay_error)


def replay_step_ui(replay):
    """A slider over the recorded steps; returns the chosen step."""
    steps = [int(s) for s in replay.steps]
    st.caption(describe(replay))
    if len(steps) == 1:
        return steps[0]
    return st.select_slider(t("replay.step"), options=steps, value=steps[-1], key="replay_step")


def describe(replay):
    """RecordingView.describe() in this session's language: what the recording holds."""
    meta = replay.history.meta
    cfg = meta.get("config", {})
    return t("replay.describe", name=replay.name, steps=len(replay.steps), norm=cfg.get("norm", "?"),
             lr=cfg.get("lr", "?"), batch_size=cfg.get("batch_size", "?"), data=meta.get("data", "?"),
             device=meta.get("device", "?"))
