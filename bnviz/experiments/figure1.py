"""The BN paper's Figure 1 on this LeNet: the no-BN and the BN net trained side by side (same seed,
same initial weights of the shared layers, same data order); the 15th/50th/85th percentiles of one
sigmoid's input over steps, and test accuracy over steps, for both."""
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..capturing.counting import quantiles
from ..capturing.sampling import sample_positions
from ..train.config import RunConfig
from ..train.stepper import Stepper, accuracy


PROBE_VALUES = 8192  # the percentiles of a sigmoid's input use an unbiased sample of this many values


class SigmoidProbe:
    """A forward pre-hook on one nn.Sigmoid that records the percentiles of its input each call."""

    def __init__(self, model, which):
        sigmoids = [m for m in model.modules() if isinstance(m, nn.Sigmoid)]
        if not -len(sigmoids) <= which < len(sigmoids):
            raise ValueError(f"the model has {len(sigmoids)} sigmoids; choose 0 to {len(sigmoids) - 1}")
        self.pct = []
        self.positions = {}  # shape -> the sample's positions, drawn once
        self.handle = sigmoids[which].register_forward_pre_hook(self)

    @torch.no_grad()
    def __call__(self, module, args):
        if module.training:
            x = args[0].detach()
            if x.shape not in self.positions:  # unbiased, stratified
                self.positions[x.shape] = sample_positions(x.shape, PROBE_VALUES, x.device)[0]
            positions = self.positions[x.shape]
            x = x.reshape(-1) if positions is None else x.reshape(-1)[positions]
            self.pct.append(quantiles(x[None])[0])

    def remove(self):
        self.handle.remove()


@dataclass
class Figure1:
    """Percentiles of the chosen sigmoid's input per step and test accuracy, for both nets."""
    steps: list = field(default_factory=list)
    pct: dict = field(default_factory=dict)  # "BN" / "no BN" -> (steps, 3)
    eval_steps: list = field(default_factory=list)
    acc: dict = field(default_factory=dict)  # "BN" / "no BN" -> list of test accuracies
    sigmoid: int = -1
    lrs: dict = field(default_factory=dict)


def figure1_run(data, steps=300, lr_bn=1.0, lr_plain=1.0, norm="custom", seed=0, sigmoid=-1,
                eval_every=25, eval_images=2000, progress=None):
    """Train both nets `steps` steps; `progress(done, total)` is called along the way."""
    nets = {"BN": Stepper(RunConfig(norm=norm, lr=lr_bn, seed=seed), data),
            "no BN": Stepper(RunConfig(norm="none", lr=lr_plain, seed=seed), data)}
    probes = {k: SigmoidProbe(s.model, sigmoid) for k, s in nets.items()}
    out = Figure1(sigmoid=sigmoid, lrs={"BN": lr_bn, "no BN": lr_plain}, acc={k: [] for k in nets})
    images, labels = data.test_images[:eval_images], data.test_labels[:eval_images]
    try:
        for step in range(1, steps + 1):
            for s in nets.values():
                s.step()
            out.steps.append(step)
            if step % eval_every == 0 or step == steps:
                out.eval_steps.append(step)
                for k, s in nets.items():
                    out.acc[k].append(accuracy(s.model, images.to(s.device), labels.to(s.device)))
            if progress is not None:
                progress(step, steps)
    finally:
        for p in probes.values():
            p.remove()
    out.pct = {k: torch.stack(p.pct).cpu().numpy() if p.pct else np.empty((0, 3)) for k, p in probes.items()}
    return out
