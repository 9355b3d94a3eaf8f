"""Bad input in the app and the API: a clear message, the session kept, nothing executed."""
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from bnviz.capturing.recording import to_bytes

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "viz_app.py")


def app(monkeypatch, data_path):
    monkeypatch.setenv("BNVIZ_DATA", str(data_path))
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    return at


def test_missing_data_folder_is_a_message_not_a_traceback(monkeypatch, tmp_path):
    at = app(monkeypatch, tmp_path / "nowhere")
    (err,) = at.error
    assert "could not be loaded" in err.value and "nowhere" in err.value
    assert "apt-get install dataset-fashion-mnist" in err.value


def test_folder_of_wrong_files_is_a_message(monkeypatch, tmp_path):
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        (tmp_path / name).write_bytes(b"these are not the files you are looking for")
    at = app(monkeypatch, tmp_path)
    assert any("not a Fashion-MNIST IDX file" in e.value for e in at.error)


@pytest.mark.parametrize("key,value,words", [("eps", 0.0, "eps must be between"), ("seed", -1, "seed must be between"),
                                             ("batch_size", 100_000, "batch_size must be between"),
                                             ("lr", 1e9, "lr must be between")])
def test_every_setting_out_of_range(monkeypatch, subset, key, value, words):
    at = app(monkeypatch, subset.path)
    at.number_input(key=key).set_value(value).run()
    assert any(words in e.value for e in at.sidebar.error)
    at.button(key="reset").click().run()
    assert any("Cannot reset" in e.value for e in at.error) and not at.exception


@pytest.fixture
def replay_app(monkeypatch, subset, tmp_path):
    monkeypatch.setattr("bnviz.app.replay.RUNS_DIR", tmp_path)
    at = app(monkeypatch, subset.path)
    at.radio(key="mode").set_value("Replay a recording").run()
    return at


def upload(at, name, content):
    at.file_uploader(key="upload").set_value((name, content, "application/octet-stream"))
    at.run()
    assert not at.exception
    return " ".join(e.value for e in at.sidebar.error)


def test_recording_from_a_newer_version(replay_app, small_data):
    from bnviz.debug.live_run import LiveRun
    from bnviz import RunConfig
    s = LiveRun(small_data, RunConfig(batch_size=512))
    s.advance(1)
    blob = to_bytes(s.to_history())
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(arrays["meta"].tobytes())
    meta["version"] = 99
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    assert "version 99, newer than this bnviz reads" in upload(replay_app, "new.bnviz", buf.getvalue())


@pytest.mark.parametrize("content,words", [(b"", "not an .npz archive"), (b"\x80\x04K\x01.", "not an .npz archive"),
                                           (b"PK\x05\x06" + b"\0" * 18, "not a bnviz recording")])
def test_not_a_recording_at_all(replay_app, content, words):
    assert words in upload(replay_app, "x.bnviz", content)


def test_far_too_large_upload(replay_app, monkeypatch):
    monkeypatch.setattr("bnviz.app.replay.MAX_BYTES", 1000)
    assert "a recording may be at most" in upload(replay_app, "big.bnviz", b"PK" + b"\0" * 5000)
    assert "replay" not in replay_app.session_state


def test_server_paths_cannot_be_typed(replay_app, tmp_path):
    (tmp_path.parent / "secret.bnviz").write_bytes(b"PK")
    replay_app.run()
    options = replay_app.sidebar.selectbox[0].options if replay_app.sidebar.selectbox else []
    assert "secret.bnviz" not in options  # only files inside runs/ are listed; nothing else is reachable


def test_no_code_from_files_anywhere_in_the_package():
    """No pickle, and no torch.load without weights_only=True, on anything a user supplies."""
    for path in list((ROOT / "bnviz").glob("*.py")) + [ROOT / "viz_app.py"]:
        text = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+(pickle|marshal|shelve|dill|cloudpickle)\b", text, re.M), path
        assert not re.search(r"pickle\.loads?\(|allow_pickle\s*=\s*True", text), path
        for line in text.splitlines():
            if re.search(r"\bnp\.load\(", line):
                assert "allow_pickle=False" in line, (path, line)
            if re.search(r"\btorch\.load\(", line):
                assert "weights_only=True" in line, (path, line)
