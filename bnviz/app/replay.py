"""The app's replay mode: open a recording (upload, or pick from runs/ next to the app) and scrub.

Only files inside RUNS_DIR can be picked by name: a user can never make the server read an
arbitrary path. Loading never executes anything from the file (see recording.py).
"""
from pathlib import Path

import streamlit as st

from ..capturing.recording import MAX_BYTES, RecordingError, load
from ..debug.recording_view import RecordingView

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
        st.session_state.replay_error = f"Could not open {name}: {err}"


def on_upload():
    upload = st.session_state.get("upload")
    if upload is not None:
        if upload.size > MAX_BYTES:
            st.session_state.replay_error = (f"{upload.name} is {upload.size / 2**20:.0f} MiB; a recording may be "
                                             f"at most {MAX_BYTES / 2**20:.0f} MiB.")
            return
        open_recording(upload.getvalue(), upload.name)


def on_pick():
    name = st.session_state.get("server_run")
    if name in recordings_on_server():  # only names listed from RUNS_DIR, never a typed path
        path = RUNS_DIR / name
        if path.stat().st_size > MAX_BYTES:
            st.session_state.replay_error = f"{name} is larger than a recording may be."
            return
        open_recording(path.read_bytes(), name)


def replay_sidebar_ui():
    """Sidebar controls of replay mode."""
    sb = st.sidebar
    sb.header("Replay a recording")
    sb.file_uploader("Upload a .bnviz file", type=["bnviz", "npz"], key="upload", on_change=on_upload,
                     help="Written by `python -m bnviz record` or bnviz.save_recording(...)")
    names = recordings_on_server()
    if names:
        sb.selectbox("…or one from runs/ on this server", names, key="server_run", index=None,
                     on_change=on_pick, placeholder="choose a recording")
    else:
        sb.caption("No recordings in runs/ on this server.")
    if "replay_error" in st.session_state:
        sb.error(st.session_state.replay_error)


def replay_step_ui(replay):
    """A slider over the recorded steps; returns the chosen step."""
    steps = [int(s) for s in replay.steps]
    st.caption(replay.describe())
    if len(steps) == 1:
        return steps[0]
    return st.select_slider("Step", options=steps, value=steps[-1], key="replay_step")
