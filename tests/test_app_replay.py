"""Replay mode in the app: a recording from `record`, one from a plain user loop, bad files."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

import bnviz
from bnviz.capturing.recording import save, to_bytes
from bnviz.cli.record import record
from bnviz.debug.live_run import LiveRun

APP = str(Path(__file__).resolve().parent.parent / "viz_app.py")
PANELS = ["Distributions now", "Over time", "Moving mean", "γ and β", "Training", "Inside one step"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, subset):
    from bnviz.data.fashion_mnist import FashionMNIST
    small = FashionMNIST(subset.train_images[:1024], subset.train_labels[:1024], subset.test_images[:256],
                         subset.test_labels[:256], "subset slice", subset.path, True)
    session = LiveRun(small, bnviz.RunConfig(batch_size=128))
    path, _ = record(session, 2, tmp_path_factory.mktemp("runs") / "lenet.bnviz", progress=False)
    return path


@pytest.fixture
def at(monkeypatch, subset, recorded):
    monkeypatch.setenv("BNVIZ_DATA", subset.path)
    monkeypatch.setattr("bnviz.app.replay.RUNS_DIR", recorded.parent)
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.radio(key="mode").set_value("Replay a recording").run()
    assert not app.exception
    return app


def test_record_then_load_gives_back_every_field(recorded):
    h = bnviz.load_recording(recorded)
    assert h.layers == ["1", "5", "10", "13"] and len(h) == 16
    assert [e["epoch"] for e in h.meta["epochs"]] == [1, 2]
    assert h.meta["config"]["batch_size"] == 128 and h.meta["layers"]["1"]["channels"] == 6
    assert h.series["step"].tolist() == list(range(1, 17)) and len(h.series["loss"]) == 16
    assert h.series["population/step"].tolist() == [8, 16]
    again = bnviz.load_recording(save(h, recorded.parent / "copy.bnviz"))
    for layer in h.layers:
        for f in h.fields(layer):
            np.testing.assert_array_equal(again.column(layer, f), h.column(layer, f))
    (recorded.parent / "copy.bnviz").unlink()


def test_pick_from_runs_and_scrub_every_panel(at):
    at.selectbox(key="server_run").set_value("lenet.bnviz").run()
    assert not at.exception and "replay" in at.session_state
    at.select_slider(key="replay_step").set_value(5).run()
    for panel in PANELS:
        at.radio(key="panel").set_value(panel).run()
        assert not at.exception, panel
        if panel == "Inside one step":
            assert "Step 5" in " ".join(m.value for m in at.markdown)
            assert any("Recordings keep the statistics" in c.value for c in at.caption)
        else:
            assert at.get("plotly_chart"), panel
    at.radio(key="panel").set_value("Distributions now").run()
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "step 5" in fig["layout"]["title"]["text"]


def test_upload_a_recording_from_a_plain_user_loop(at, subset):
    # A researcher's own loop: their model, their optimiser, bnviz.capture around it.
    torch.manual_seed(0)
    net = bnviz.lenet("torch")
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    with bnviz.capture(net) as cap:
        for step in range(1, 6):
            cap.context["step"] = step
            X = subset.train_images[step * 64:(step + 1) * 64].unsqueeze(1).float() / 255
            loss = torch.nn.functional.cross_entropy(net(X), subset.train_labels[step * 64:(step + 1) * 64])
            opt.zero_grad()
            loss.backward()
            opt.step()
    at.file_uploader(key="upload").set_value(("mine.bnviz", to_bytes(cap.history), "application/octet-stream"))
    at.run()
    assert not at.exception and not at.sidebar.error
    assert at.session_state.replay.name == "mine.bnviz"
    for panel in PANELS:
        at.radio(key="panel").set_value(panel).run()
        assert not at.exception, panel


@pytest.mark.parametrize("content,words", [(b"hello, not a recording", "not an .npz archive"),
                                           (b"PK\x03\x04truncated", "truncated")])
def test_bad_uploads_say_what_is_wrong_and_keep_the_session(at, recorded, content, words):
    at.selectbox(key="server_run").set_value("lenet.bnviz").run()
    at.file_uploader(key="upload").set_value(("bad.bnviz", content, "application/octet-stream"))
    at.run()
    assert not at.exception
    assert any(words in e.value for e in at.sidebar.error)
    assert at.session_state.replay.name == "lenet.bnviz"  # what was open stays open
