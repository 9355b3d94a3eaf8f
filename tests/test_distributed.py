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


# --- the math, in one process --------------------------------------------------------------------
import pytest
import torch
from torch import nn

from bnviz.distributed import DDPConfig, JobFailed, launch, run_processes
from bnviz.distributed import reading
from bnviz.distributed.stats import normalised_with, pool


def real_batch(subset, n, start=0):
    return subset.train_images[start:start + n].unsqueeze(1).float().div(255)  # (n, 1, 28, 28)


def bn_oracle(x):
    """(mean, biased var) per channel by nn.BatchNorm itself: momentum 1 leaves the batch's own
    statistics in running_mean / running_var (unbiased), on a fresh layer."""
    bn = (nn.BatchNorm2d if x.dim() == 4 else nn.BatchNorm1d)(x.shape[1], momentum=1.0, affine=False).double()
    bn.train()(x.double())
    n = x.numel() // x.shape[1]
    return bn.running_mean.numpy(), (bn.running_var * (n - 1) / n).numpy()


def bn_inputs(net, X):
    """{layer name: the input of that BN layer} for one forward pass of X."""
    seen, handles = {}, []
    for name, m in net.named_modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            handles.append(m.register_forward_pre_hook(lambda m, a, name=name: seen.__setitem__(name, a[0].detach())))
    out = net(X)
    for h in handles:
        h.remove()
    return seen, out


def test_pooling_the_replicas_equals_batchnorm_over_the_whole_batch(subset):
    torch.manual_seed(0)
    net = bnviz.lenet("torch")
    inputs, _ = bn_inputs(net, real_batch(subset, 96))
    for layer, x in inputs.items():
        shards = x.chunk(4)  # 4 replicas of 24 images each
        stats = [bn_oracle(s) for s in shards]
        n = [s.numel() // s.shape[1] for s in shards]
        mean, var, var_unbiased, N = pool([m for m, _ in stats], [v for _, v in stats], n)
        whole_mean, whole_var = bn_oracle(x)
        np.testing.assert_allclose(mean, whole_mean, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(var, whole_var, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(var_unbiased, whole_var * N / (N - 1), rtol=1e-10)


def test_what_a_layer_normalised_with_is_read_back_from_its_output(subset):
    torch.manual_seed(0)
    net = bnviz.lenet("torch")
    with torch.no_grad():  # gamma and beta away from 1 and 0, as after training
        for m in net.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.weight.uniform_(0.5, 2.0)
                m.bias.uniform_(-1.0, 1.0)
    inputs, _ = bn_inputs(net, real_batch(subset, 64))
    for name, x in inputs.items():
        m = net.get_submodule(name)
        mean, var = normalised_with(x, m(x), m.weight, m.bias, m.eps)
        want_mean, want_var = bn_oracle(x)
        np.testing.assert_allclose(mean.numpy(), want_mean, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(var.numpy(), want_var, rtol=1e-4, atol=1e-6)


def test_bad_settings_say_what_is_wrong():
    with pytest.raises(ValueError, match="multiple of world_size"):
        DDPConfig(world_size=3, batch_size=64)
    with pytest.raises(ValueError, match="at least 1"):
        DDPConfig(world_size=0)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU's refusal")
def test_sync_bn_on_the_cpu_is_refused_plainly_before_any_process_starts(tmp_path):
    with pytest.raises(ValueError, match="nn.SyncBatchNorm does not run on the CPU"):
        launch(DDPConfig(world_size=2, batch_size=8, steps=1, sync_bn=True, device="cpu"), tmp_path / "x.bnviz")
    assert not list(tmp_path.iterdir())
