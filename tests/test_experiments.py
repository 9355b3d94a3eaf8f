"""The mode matrix, the twin run and Figure 1, against the documented behaviour and each other."""
import numpy as np
import pytest
import torch

from bnviz import RunConfig
from bnviz.experiments.figure1 import SigmoidProbe, figure1_run
from bnviz.experiments.modes import mode_matrix
from bnviz.experiments.twin import TwinRun

DOCUMENTED = {  # (layer prefix, module, gradients) -> (normalises with, moving statistics change)
    ("the chapter's", "train()", "on"): ("batch statistics", True),
    ("the chapter's", "train()", "torch.no_grad()"): ("moving statistics", False),
    ("the chapter's", "eval()", "on"): ("batch statistics", True),  # the trap
    ("the chapter's", "eval()", "torch.no_grad()"): ("moving statistics", False),
    ("bnviz.BatchNorm", "train()", "on"): ("batch statistics", True),
    ("bnviz.BatchNorm", "train()", "torch.no_grad()"): ("batch statistics", True),
    ("bnviz.BatchNorm", "eval()", "on"): ("moving statistics", False),
    ("bnviz.BatchNorm", "eval()", "torch.no_grad()"): ("moving statistics", False),
    ("nn.BatchNorm1d", "train()", "on"): ("batch statistics", True),
    ("nn.BatchNorm1d", "train()", "torch.no_grad()"): ("batch statistics", True),
    ("nn.BatchNorm1d", "eval()", "on"): ("moving statistics", False),
    ("nn.BatchNorm1d", "eval()", "torch.no_grad()"): ("moving statistics", False),
}


def test_mode_matrix_matches_the_documented_behaviour():
    rows = mode_matrix()
    assert len(rows) == 12
    for row in rows:
        key = next(k for k in DOCUMENTED if row["layer"].startswith(k[0]) and k[1:] == (row["module"], row["gradients"]))
        assert (row["normalises with"], row["moving statistics change"]) == DOCUMENTED[key], row


def test_twin_run_agrees_where_it_should(small_data):
    twin = TwinRun(small_data, RunConfig(batch_size=128))
    for a, b in zip(twin.custom.model.parameters(), twin.torch.model.parameters()):
        assert torch.equal(a.reshape(-1), b.reshape(-1))
    rows = twin.step(5)
    for row in rows:
        for key in ("loss", "batch_mean", "batch_var", "moving_mean", "gamma", "beta",
                    "moving_var after conversion"):
            assert row[key] <= 1e-5, (row["step"], key, row[key])
        assert row["moving_var as stored (meant to differ: biased vs unbiased)"] > 1e-5


def test_figure1_runs_both_nets_from_the_same_start(small_data):
    result = figure1_run(small_data, steps=12, eval_every=6, eval_images=200)
    assert result.pct["BN"].shape == (12, 3) and result.pct["no BN"].shape == (12, 3)
    assert result.eval_steps == [6, 12] and len(result.acc["no BN"]) == 2
    assert np.all(np.diff(result.pct["BN"], axis=1) >= 0)  # p15 <= p50 <= p85


def test_sigmoid_probe_records_the_true_percentiles():
    net = torch.nn.Sequential(torch.nn.Linear(3, 50), torch.nn.Sigmoid())
    probe = SigmoidProbe(net, 0)
    X = torch.randn(40, 3)
    net(X)
    probe.remove()
    q = torch.quantile(net[0](X).detach().reshape(-1), torch.tensor([0.15, 0.5, 0.85]))
    torch.testing.assert_close(probe.pct[0], q)
    with pytest.raises(ValueError, match="1 sigmoids"):
        SigmoidProbe(net, 3)
