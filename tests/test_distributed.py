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


# --- real DDP jobs: gloo on the CPU ----------------------------------------------------------------
def global_batch_oracle(n, seed, batch_size, step):
    """The contract of a job's data: a seeded order per epoch, batches of B, the last partial dropped."""
    epoch, k = divmod(step - 1, n // batch_size)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch))
    return order[k * batch_size:(k + 1) * batch_size]


def replay(subset, cfg, whole_batch_bn):
    """The job's training in ONE process, as an oracle: {step: {layer: (input per replica, whole input)}}.

    DDP averages the replicas' gradients, which is the gradient of the mean of their losses. With
    per-replica BN each replica's shard goes through the net on its own; with SyncBatchNorm the whole
    global batch goes through a plain nn.BatchNorm net at once (the same numbers, by definition).
    """
    torch.manual_seed(cfg.seed)
    net = bnviz.lenet("torch", eps=cfg.eps, momentum=cfg.momentum)
    opt = torch.optim.SGD(net.parameters(), lr=cfg.lr)
    b, seen = cfg.batch_size // cfg.world_size, {}
    for step in range(1, cfg.steps + 1):
        idx = global_batch_oracle(len(subset.train_labels), cfg.seed, cfg.batch_size, step)
        X, y = subset.train_images[idx].unsqueeze(1).float().div(255), subset.train_labels[idx]
        if whole_batch_bn:
            inputs, out = bn_inputs(net, X)
            loss = nn.functional.cross_entropy(out, y)
            shards = {l: list(x.split(b)) for l, x in inputs.items()}
        else:
            shards, losses = {}, []
            for r in range(cfg.world_size):
                inputs, out = bn_inputs(net, X[r * b:(r + 1) * b])
                losses.append(nn.functional.cross_entropy(out, y[r * b:(r + 1) * b]))
                for l, x in inputs.items():
                    shards.setdefault(l, []).append(x)
            loss = torch.stack(losses).mean()
        seen[step] = {l: (xs, torch.cat(xs)) for l, xs in shards.items()}
        opt.zero_grad()
        loss.backward()
        opt.step()
    return seen


def check_against_replay(h, seen, cfg):
    """Every replica's statistics = nn.BatchNorm on its shard; the pooled ones = over the whole batch."""
    for layer in reading.layers(h):
        means, variances = reading.stacked(h, layer, "batch_mean"), reading.stacked(h, layer, "batch_var")
        g = reading.global_stats(h, layer)
        for i, step in enumerate(reading.steps(h, layer)):
            shards, whole = seen[int(step)][layer]
            for r in range(cfg.world_size):
                mean, var = bn_oracle(shards[r])
                np.testing.assert_allclose(means[r, i], mean, rtol=1e-4, atol=2e-5, err_msg=f"{layer} {step} {r}")
                np.testing.assert_allclose(variances[r, i], var, rtol=1e-4, atol=2e-5, err_msg=f"{layer} {step} {r}")
            mean, var = bn_oracle(whole)
            np.testing.assert_allclose(g["batch_mean"][i], mean, rtol=1e-4, atol=2e-5)
            np.testing.assert_allclose(g["batch_var"][i], var, rtol=1e-4, atol=2e-5)


@pytest.fixture(scope="module")
def two_replicas(tmp_path_factory, subset):
    """World size 2, per-replica nn.BatchNorm, buffers broadcast (DDP's default), a gather every 2 steps."""
    cfg = DDPConfig(world_size=2, batch_size=64, steps=3, gather_every=2, data=subset.path, sample=4096)
    result = launch(cfg, tmp_path_factory.mktemp("ddp") / "two.bnviz")
    return cfg, result, bnviz.load_recording(result.path)


def test_each_replica_records_batchnorm_of_its_own_shard(two_replicas, subset):
    cfg, _, h = two_replicas
    check_against_replay(h, replay(subset, cfg, whole_batch_bn=False), cfg)


def test_the_recording_holds_every_rank_in_step_order(two_replicas):
    cfg, result, h = two_replicas
    info = reading.ddp_info(h)
    assert reading.is_distributed(h) and info["complete"] and info["gathers"] == 2
    assert (info["world_size"], info["backend"], info["sync_bn"], info["broadcast_buffers"]) == (2, "gloo", False, True)
    assert (info["per_rank_batch"], info["global_batch"]) == (32, 64)
    assert h.layers == [f"rank{r}/{l}" for r in range(2) for l in ("1", "5", "10", "13")]
    for layer in h.layers:
        assert h.column(layer, "step").tolist() == [1, 2, 3]  # two gathers: steps 1-2, then 3
        assert h.meta["layers"][layer]["channels"] == h.column(layer, "batch_mean").shape[1]
    assert h.series["step"].tolist() == [1, 2, 3] and h.series["ddp/loss"].shape == (2, 3)
    np.testing.assert_allclose(h.series["loss"], h.series["ddp/loss"].mean(axis=0))
    assert [r["rank"] for r in result.ranks] == [0, 1] and all(r["examples_per_s"] > 0 for r in result.ranks)
    assert not result.path.with_name(result.path.name + ".part").exists()


def test_broadcast_buffers_gives_every_replica_rank_0s_moving_statistics(two_replicas):
    _, _, h = two_replicas
    for layer in reading.layers(h):
        before, after = reading.stacked(h, layer, "moving_mean_before"), reading.stacked(h, layer, "moving_mean")
        for r in range(2):  # before each forward, rank 0's buffers were broadcast to every replica
            np.testing.assert_array_equal(before[r, 1:], after[0, :-1])
        assert (reading.drift(h, layer, "moving_mean_before") == 0).all()
        # after: each replica's own update, running = 0.9 * running + 0.1 * its batch mean (PyTorch's momentum)
        np.testing.assert_allclose(reading.drift(h, layer, "moving_mean"), 0.1 * reading.drift(h, layer, "batch_mean"),
                                   rtol=1e-4, atol=1e-6)
        assert (reading.drift(h, layer, "moving_mean") > 0).any()


def test_four_replicas_without_broadcast_drift_apart(tmp_path, subset):
    cfg = DDPConfig(world_size=4, batch_size=64, steps=2, broadcast_buffers=False, data=subset.path, sample=4096)
    h = bnviz.load_recording(launch(cfg, tmp_path / "four.bnviz").path)
    assert reading.ddp_info(h)["broadcast_buffers"] is False and reading.ddp_info(h)["per_rank_batch"] == 16
    check_against_replay(h, replay(subset, cfg, whole_batch_bn=False), cfg)
    for layer in reading.layers(h):
        before, after = reading.stacked(h, layer, "moving_mean_before"), reading.stacked(h, layer, "moving_mean")
        np.testing.assert_array_equal(before[:, 1:], after[:, :-1])  # each keeps its own moving statistics
        assert (reading.drift(h, layer, "moving_mean_before")[1] > 0).any()


def test_a_failing_rank_ends_the_job_with_its_error_and_no_file(tmp_path, subset):
    cfg = DDPConfig(world_size=2, batch_size=16, steps=3, fail_rank=1, fail_step=2, data=subset.path)
    out = tmp_path / "failed.bnviz"
    with pytest.raises(JobFailed) as err:
        launch(cfg, out)
    message = str(err.value)
    assert "rank 1 failed" in message and "RuntimeError: drill: rank 1 fails at step 2" in message
    assert f"Nothing was written to {out}" in message
    assert list(tmp_path.iterdir()) == []  # no recording, no .part


def test_the_command_line_refuses_bad_settings_with_a_message(capsys):
    from bnviz.distributed.cli import main
    with pytest.raises(SystemExit, match="multiple of world_size"):
        main(["ddp", "--world-size", "3", "--batch-size", "64", "--out", "never.bnviz"])


def test_a_users_own_ddp_script_under_torchrun(tmp_path, subset):
    import os
    import subprocess
    import sys
    from pathlib import Path
    script = Path(__file__).resolve().parent.parent / "examples" / "ddp_script.py"
    out = tmp_path / "mine.bnviz"
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                          str(script), str(out)], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, BNVIZ_DATA=subset.path))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "replicas' batch means" in run.stdout
    h = bnviz.load_recording(out)
    info = reading.ddp_info(h)
    assert (info["world_size"], info["backend"], info["per_rank_batch"], info["broadcast_buffers"]) == (2, "gloo", 64, True)
    assert reading.steps(h, "1").tolist() == list(range(1, 21)) and h.series["loss"].shape == (20,)


# A TEST DOUBLE, not PyTorch's SyncBatchNorm: nn.SyncBatchNorm refuses CPU tensors in torch 2.x, so
# to run the recording path of SyncBatchNorm on the CPU this subclass normalises with the global
# batch statistics from one differentiable all_reduce of the replicas' sums (in float64). The real
# layer is checked by test_real_sync_batchnorm_on_a_gpu.
SYNC_DOUBLE_JOB = '''
import sys, torch, torch.distributed as dist, torch.distributed.nn.functional as dnn
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
import bnviz
from bnviz.distributed import capture_ddp

class CPUSyncBatchNorm(nn.SyncBatchNorm):
    def forward(self, x):
        C, dims = x.shape[1], [0] + list(range(2, x.dim()))
        local = torch.cat([x.double().sum(dims), x.double().pow(2).sum(dims), x.new_full((1,), x.numel() // C).double()])
        total = dnn.all_reduce(local)
        N, mean = total[-1], total[:C] / total[-1]
        var = total[C:2 * C] / N - mean ** 2
        with torch.no_grad():
            self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean.float())
            self.running_var.mul_(1 - self.momentum).add_(self.momentum * (var * N / (N - 1)).float())
        shape = (1, C) + (1,) * (x.dim() - 2)
        x_hat = ((x.double() - mean.reshape(shape)) / (var.reshape(shape) + self.eps).sqrt()).float()
        return x_hat * self.weight.reshape(shape) + self.bias.reshape(shape)

out, data, B, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
images, labels = bnviz.load_fashion_mnist(data).train_images, bnviz.load_fashion_mnist(data).train_labels
torch.manual_seed(0)
net = bnviz.lenet("torch")
ddp = DDP(net)  # DDP too refuses nn.SyncBatchNorm on the CPU ("only work with GPU modules"): swap after it
for m in net.modules():
    if isinstance(m, nn.modules.batchnorm._BatchNorm):
        m.__class__, m.process_group = CPUSyncBatchNorm, None
opt = torch.optim.SGD(ddp.parameters(), lr=1.0)
cap = capture_ddp(net, ddp=ddp)
b = B // world
for step in range(1, steps + 1):
    epoch, k = divmod(step - 1, len(labels) // B)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(epoch))
    mine = order[k * B:(k + 1) * B][rank * b:(rank + 1) * b]
    cap.context["step"] = step
    loss = nn.functional.cross_entropy(ddp(images[mine].unsqueeze(1).float().div(255)), labels[mine])
    opt.zero_grad()
    loss.backward()
    opt.step()
history = cap.gather()
if rank == 0:
    bnviz.save_recording(history, out)
dist.barrier()  # leave together
dist.destroy_process_group()
# As bnviz's own worker does: skip the interpreter's teardown, where gloo's threads can abort an
# otherwise finished process (SIGABRT, about once in 30 jobs on a busy 2-core machine).
import os
sys.stdout.flush()
os._exit(0)
'''


def test_sync_batchnorm_replicas_all_normalise_with_the_whole_batchs_statistics(tmp_path, subset):
    (tmp_path / "job.py").write_text(SYNC_DOUBLE_JOB)
    cfg = DDPConfig(world_size=2, batch_size=64, steps=3)
    run_processes(2, [str(tmp_path / "job.py"), str(tmp_path / "sync.bnviz"), subset.path, "64", "3"])
    h = bnviz.load_recording(tmp_path / "sync.bnviz")
    assert reading.ddp_info(h)["sync_bn"] is True
    seen = replay(subset, cfg, whole_batch_bn=True)  # one process, plain nn.BatchNorm over the whole batch
    check_against_replay(h, seen, cfg)  # each replica's own shard, and the pooled global statistics
    for layer in reading.layers(h):
        for i, step in enumerate(reading.steps(h, layer)):
            mean, var = bn_oracle(seen[int(step)][layer][1])
            for r in range(2):  # what each replica normalised with: the whole batch's statistics
                np.testing.assert_allclose(reading.stacked(h, layer, "normalised_mean")[r, i], mean, rtol=1e-4, atol=2e-5)
                np.testing.assert_allclose(reading.stacked(h, layer, "normalised_var")[r, i], var, rtol=1e-3, atol=2e-5)
        mean_gap, var_gap = reading.sync_gap(h, layer)
        assert mean_gap.max() < 1e-4 and var_gap.max() < 1e-3
        assert (reading.drift(h, layer, "moving_mean") < 1e-6).all()  # the same update on every replica
    check_x_hat_is_what_the_layer_did(h, seen)


def x_hat_cdf_gap(h, layer, r, i, shard, mean, var):
    """Largest gap between replica r's recorded x_hat histogram at record i and the histogram of
    (shard - mean) / sqrt(var + eps) over the same sampled positions (sampling.sample_positions)."""
    from bnviz.capturing.sampling import sample_positions

    name = reading.rank_layer(r, layer)
    lo, hi = h.ranges[name]["x_hat"]
    shape = (1, -1) + (1,) * (shard.dim() - 2)
    x_hat = (shard.double() - torch.from_numpy(mean).reshape(shape)) / torch.from_numpy(var + 1e-5).sqrt().reshape(shape)
    positions, _ = sample_positions(shard.shape, 16384, "cpu")
    values = x_hat.reshape(-1) if positions is None else x_hat.reshape(-1)[positions]
    edges = np.linspace(lo, hi, h.bins[name] + 1)
    exact = np.histogram(values.numpy(), bins=np.concatenate([[-np.inf], edges, [np.inf]]))[0]
    got = h.column(name, "hist_x_hat")[i]
    return np.abs(np.cumsum(got) - np.cumsum(exact)).max() / len(values)


def check_x_hat_is_what_the_layer_did(h, seen):
    """Each replica's x_hat histogram is of x standardised with the WHOLE batch's statistics (what
    SyncBatchNorm normalised with), not its own shard's; the check tells the two apart."""
    worst, own = 0.0, 0.0
    for layer in reading.layers(h):
        for i, step in enumerate(reading.steps(h, layer)):
            shards, whole = seen[int(step)][layer]
            mean, var = bn_oracle(whole)
            for r, shard in enumerate(shards):
                worst = max(worst, x_hat_cdf_gap(h, layer, r, i, shard, mean, var))
                own = max(own, x_hat_cdf_gap(h, layer, r, i, shard, *bn_oracle(shard)))
    assert worst < 2e-3, worst  # a value on a bin edge may round either way
    assert own > 10 * worst, (own, worst)  # the shard's own statistics give another histogram


@pytest.mark.gpu
def test_real_sync_batchnorm_on_a_gpu(tmp_path, subset):
    """PyTorch's own nn.SyncBatchNorm (replicas sharing one GPU over gloo, or NCCL with a GPU each)."""
    cfg = DDPConfig(world_size=2, batch_size=64, steps=3, sync_bn=True, device="cuda", data=subset.path, sample=4096)
    h = bnviz.load_recording(launch(cfg, tmp_path / "sync.bnviz").path)
    assert reading.ddp_info(h)["sync_bn"] is True
    seen = replay(subset, cfg, whole_batch_bn=True)  # on the CPU: cuDNN's sums differ in the last digits
    for layer in reading.layers(h):
        for i, step in enumerate(reading.steps(h, layer)):
            mean, var = bn_oracle(seen[int(step)][layer][1])
            np.testing.assert_allclose(reading.global_stats(h, layer)["batch_mean"][i], mean, rtol=1e-3, atol=1e-4)
            for r in range(2):
                np.testing.assert_allclose(reading.stacked(h, layer, "normalised_mean")[r, i], mean, rtol=1e-3, atol=1e-4)
                np.testing.assert_allclose(reading.stacked(h, layer, "normalised_var")[r, i], var, rtol=1e-3, atol=1e-4)


def test_figures_draw_a_distributed_recording(two_replicas):
    from bnviz.distributed import figures
    _, _, h = two_replicas
    fig = figures.replica_statistics(h, "5", channel=3)
    assert [t.name for t in fig.data[:3]] == ["replica 0: its own 32 examples", "replica 1: its own 32 examples",
                                              "global batch (64 examples, pooled)"]
    np.testing.assert_allclose(fig.data[2].y, reading.global_stats(h, "5")["batch_mean"][:, 3])
    drift = figures.replica_drift(h, "10")
    assert "broadcast_buffers ON" in drift.layout.title.text
    assert max(drift.data[0].y) == 0 and max(drift.data[1].y) > 0  # before: rank 0's copy; after: apart
    assert "no nn.SyncBatchNorm" in figures.sync_check(h).layout.title.text
    assert "2 replicas (gloo, cpu): global batch 64 = 2 x 32" in reading.describe(h)


def test_the_single_run_viewer_opens_a_distributed_recording(two_replicas, monkeypatch, subset):
    """Until the app has a DDP page, the replay opens it as 8 ordinary layers, without an error."""
    from pathlib import Path
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("BNVIZ_DATA", subset.path)
    _, result, _ = two_replicas
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "viz_app.py"), default_timeout=120).run()
    at.radio(key="mode").set_value("Replay a recording").run()
    at.file_uploader(key="upload").set_value(("ddp.bnviz", result.path.read_bytes(), "application/octet-stream"))
    at.run()
    assert not at.exception and not at.sidebar.error
    for panel in at.radio(key="panel").options:
        at.radio(key="panel").set_value(panel).run()
        assert not at.exception, panel


def test_the_failure_message_names_the_root_cause_not_the_peers_that_lost_it(tmp_path):
    import json
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError, ProcessFailure
    from bnviz.distributed.launch import failure_message, what_is_left

    def failure(rank, exitcode, message, timestamp):
        path = tmp_path / f"error{rank}.json"
        path.write_text(json.dumps({"message": {"message": message, "extraInfo": {"py_callstack": "",
                                                                                  "timestamp": str(timestamp)}}}))
        return ProcessFailure(local_rank=rank, pid=100 + rank, exitcode=exitcode, error_file=str(path))
    peer = failure(0, 1, "RuntimeError: [pair.cc:561] Connection closed by peer [127.0.0.1]:1234", 10)
    cause = failure(1, 1, "ValueError: bad shard", 11)  # later by the clock, but the cause
    stopped = ProcessFailure(local_rank=2, pid=102, exitcode=-15, error_file=str(tmp_path / "none.json"))
    message = failure_message(ChildFailedError("job", {0: peer, 1: cause, 2: stopped}))
    assert message.startswith("rank 1 failed (exit code 1): ValueError: bad shard; rank 0 ended too")
    assert "rank 2 ended too (killed by signal 15" in message
    crash = ProcessFailure(local_rank=3, pid=103, exitcode=-6, error_file=str(tmp_path / "none.json"))
    assert failure_message(ChildFailedError("job", {0: peer, 3: crash})).startswith("rank 3 failed (killed by signal 6)")
    out = tmp_path / "run.bnviz"
    assert what_is_left(out, None) == f"Nothing was written to {out}"
    out.write_bytes(b"earlier")
    assert "earlier file, left as it was" in what_is_left(out, out.stat().st_mtime_ns)
    assert "holds only the steps gathered before the failure" in what_is_left(out, None)
