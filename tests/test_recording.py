"""Saving and loading recordings: round trip, and every way a file can be wrong."""
import io
import pickle
import zipfile

import numpy as np
import pytest

from bnviz import RunConfig, Stepper
from bnviz.capturing.hooks import CaptureOptions
from bnviz.capturing.recording import RecordingError, load, save, to_bytes


@pytest.fixture
def history(small_data):
    stepper = Stepper(RunConfig(batch_size=128), small_data)
    cap = stepper.start_capture(CaptureOptions(bins=16))
    stepper.run(5)
    cap.history.meta = {"config": stepper.config.to_dict(), "data": small_data.describe()}
    return cap.history


def test_round_trip_every_field(history, tmp_path):
    path = save(history, tmp_path / "run.bnviz")
    back = load(path)
    assert back.layers == history.layers and back.meta == history.meta
    for layer in history.layers:
        assert back.fields(layer) == history.fields(layer)
        assert history.ranges[layer] and back.ranges[layer].keys() == history.ranges[layer].keys()
        for quantity, (lo, hi) in history.ranges[layer].items():  # each histogram's (lo, hi)
            assert tuple(back.ranges[layer][quantity]) == pytest.approx((lo, hi), rel=1e-6, abs=1e-12), quantity
        assert back.bins[layer] == history.bins[layer]
        for f in history.fields(layer):
            np.testing.assert_array_equal(back.column(layer, f), history.column(layer, f), err_msg=f)


def test_same_run_same_bytes(small_data):
    blobs = []
    for _ in range(2):
        stepper = Stepper(RunConfig(batch_size=128, seed=4), small_data)
        cap = stepper.start_capture()
        stepper.run(4)
        blobs.append(to_bytes(cap.history))
    assert blobs[0] == blobs[1]


@pytest.mark.parametrize("make,match", [
    (lambda good: good[:len(good) // 2], "truncated"),
    (lambda good: b"PK\x03\x04 garbage", "truncated"),
    (lambda good: b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "not a .*npz"),
    (lambda good: npz(other=np.zeros(3)), "no 'meta'"),
    (lambda good: npz(meta=np.frombuffer(b'{"format": "other"}', np.uint8)), "not a bnviz recording"),
    (lambda good: npz(meta=np.frombuffer(b'{"format": "bnviz-history", "version": 99}', np.uint8)),
     "version 99, newer"),
    (lambda good: npz(meta=np.frombuffer(b"\xff\xfe", np.uint8)), "not JSON"),
])
def test_bad_files_are_rejected_clearly(history, tmp_path, make, match):
    bad = tmp_path / "bad.bnviz"
    bad.write_bytes(make(to_bytes(history)))
    with pytest.raises(RecordingError, match=match):
        load(bad)


def npz(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


class Boom:
    def __reduce__(self):
        import os
        return (os.system, ("touch /tmp/bnviz-pwned",))


def test_a_pickle_bomb_runs_nothing(tmp_path):
    import os
    marker = "/tmp/bnviz-pwned"
    if os.path.exists(marker):
        os.remove(marker)
    buf = io.BytesIO()
    np.save(buf, np.array([Boom()], dtype=object), allow_pickle=True)  # an object array = a pickle
    with zipfile.ZipFile(tmp_path / "evil.bnviz", "w") as z:
        z.writestr("meta.npy", buf.getvalue())
    with pytest.raises(RecordingError):
        load(tmp_path / "evil.bnviz")
    (tmp_path / "evil2.bnviz").write_bytes(pickle.dumps(Boom()))
    with pytest.raises(RecordingError):
        load(tmp_path / "evil2.bnviz")
    assert not os.path.exists(marker)


def test_too_large_is_refused_before_reading(history, tmp_path):
    path = save(history, tmp_path / "run.bnviz")
    with pytest.raises(RecordingError, match="more than"):
        load(path, max_bytes=100)


def test_tensorboard_export(history, tmp_path):
    pytest.importorskip("tensorboard", reason="optional dependency: pip install tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from bnviz.capturing.tensorboard import export_tensorboard
    n = export_tensorboard(history, tmp_path)
    assert n == 4 * 4 * 5  # 4 layers x 4 quantities x 5 steps
    acc = EventAccumulator(str(tmp_path), size_guidance={"histograms": 0}).Reload()
    events = acc.Histograms("bn/1/input")
    assert [e.step for e in events] == history.column("1", "step").tolist()
    assert events[0].histogram_value.num == history.column("1", "hist_input")[0].sum()
