"""The mode matrix: which statistics normalise a batch, and whether the moving statistics change,
for {train(), eval()} x {gradients on, torch.no_grad()} — found by running real layers on a batch.

It shows the classic trap: the chapter's layer chooses by torch.is_grad_enabled(), so under eval()
alone it still normalises with the batch statistics and updates its moving statistics.
"""
import math

import torch
from torch import nn

from ..capturing.layers import layer_params
from ..chapter.batchnorm import BatchNorm

LAYERS = {  # label -> factory of a 4-channel layer for (N, 4) input
    "the chapter's BatchNorm (is_grad_enabled rule)": lambda: BatchNorm(4, 2, mode_rule="grad"),
    "bnviz.BatchNorm (self.training rule)": lambda: BatchNorm(4, 2, mode_rule="training"),
    "nn.BatchNorm1d": lambda: nn.BatchNorm1d(4),
}


def probe(layer, X, training, grad):
    """Run `layer` once on X in the given mode; returns what it did, from its output and buffers."""
    layer.train(training)
    _, _, moving_mean, moving_var, eps = layer_params(layer)
    with torch.no_grad():  # moving statistics far from this batch's, so the two are told apart
        moving_mean.fill_(10.0)
        moving_var.fill_(4.0)
    before = moving_mean.clone()
    with torch.set_grad_enabled(grad):
        Y = layer(X).detach()
    batch_norm = (X - X.mean(0)) / torch.sqrt(X.var(0, unbiased=False) + eps)
    moving_norm = (X - before.reshape(-1)) / math.sqrt(4.0 + eps)
    if torch.allclose(Y, batch_norm, atol=1e-5):
        used = "batch statistics"
    elif torch.allclose(Y, moving_norm, atol=1e-5):
        used = "moving statistics"
    else:
        used = "neither (unexpected)"
    return {"normalises with": used, "moving statistics change": not torch.equal(moving_mean, before)}

# The table's words are the catalogue's English texts of these keys (bnviz.i18n.from_english shows
# them in another language).
MODE_COLUMNS = ("experiments.modes.layer", "experiments.modes.module", "experiments.modes.gradients",
                "experiments.modes.normalises_with", "experiments.modes.moving_change", "experiments.modes.note")
MODE_CELLS = ("experiments.modes.chapter_layer", "experiments.modes.bnviz_layer", "experiments.modes.on",
              "experiments.modes.batch_statistics", "experiments.modes.moving_statistics",
              "experiments.modes.neither", "experiments.modes.trap", "experiments.modes.quiet_switch")


def mode_matrix(seed=0):
    """Rows of the matrix: layer, module mode, gradient mode, and what the layer actually did."""
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(32, 4, generator=gen) * 2 + 1
    rows = []
    for label, make in LAYERS.items():
        for training in (True, False):
            for grad in (True, False):
                result = probe(make(), X, training, grad)
                used = result["normalises with"]
                note = ("the trap: eval() alone is not enough" if not training and used == "batch statistics"
                        else "train() under no_grad quietly switches to prediction"
                        if training and used == "moving statistics" else "")
                rows.append({"layer": label, "module": "train()" if training else "eval()",
                             "gradients": "on" if grad else "torch.no_grad()", **result, "note": note})
    return rows
