"""BatchNorm under DistributedDataParallel: per-replica and SyncBatchNorm statistics, recorded.

Oracles: nn.BatchNorm on each replica's shard in one process; nn.BatchNorm over the whole batch
for SyncBatchNorm. Jobs run on PyTorch's own launcher with gloo on the CPU.
"""
import io
import json

import numpy as np

import bnviz


def as_version_1(blob):
    """The bytes of a version-1 recording with the same content (the layout did not change in 2)."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(arrays["meta"].tobytes())
    assert meta["version"] == 2
    meta["version"] = 1
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def test_a_version_1_recording_still_loads(tmp_path, subset):
    net = bnviz.lenet("torch")
    with bnviz.capture(net) as cap:
        net(subset.train_images[:64].unsqueeze(1).float().div(255))
    path = bnviz.save_recording(cap.history, tmp_path / "new.bnviz")
    (tmp_path / "old.bnviz").write_bytes(as_version_1(path.read_bytes()))
    old = bnviz.load_recording(tmp_path / "old.bnviz")
    assert old.layers == cap.history.layers
    for layer in old.layers:
        np.testing.assert_array_equal(old.column(layer, "batch_mean"), cap.history.column(layer, "batch_mean"))
