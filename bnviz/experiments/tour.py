"""The guided tour's run: one real training run of the chapter's LeNet and BatchNorm, made once per
settings (the app caches it per seed and shares it read-only), holding everything the stops show.

It trains `epochs` whole epochs on the data it is given, records
every BN layer (the capture the live app uses), trains the same LeNet without BN beside it for the
first `drift_steps` steps (the BN paper's Figure 1: percentiles of one sigmoid's input), and at
every epoch end measures test accuracy with the moving statistics and with precise ones
(recompute.py: averaged over the training set's batches, weights frozen). The train/eval trap is
run on a copy of the finished model. Nothing here calls Streamlit; tour_stops.py turns a TourRun
into the stops' texts and numbers.
"""
import copy
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import torch

from ..capturing.hooks import CaptureOptions, raw_at
from ..capturing.layers import layer_params
from ..chapter.batchnorm import BatchNorm, batch_norm
from ..data.batches import eval_batches
from ..i18n import CATALOGUES, text
from ..train.config import RunConfig
from ..train.stepper import Stepper, accuracy
from .figure1 import Figure1, SigmoidProbe
from .modes import probe
from .recompute import bn_layers, installed, precise_statistics
from .settings import CardSettings

# What the live app records (debug.live_run.APP_CAPTURE), plus the whole input of the last step.
TOUR_CAPTURE = CaptureOptions(raw_values=8, raw_keep=8, max_records=4096, keep_first=256, keep_inputs=1)


@dataclass(frozen=True)
class TourSettings(CardSettings):
    """The tour's run: the chapter's LeNet, BatchNorm and SGD settings (RunConfig's defaults)."""
    lr: float = 1.0  # the chapter's
    batch_size: int = 256  # the chapter's
    momentum: float = 0.9  # BN momentum, the chapter's convention (weight of the old value)
    eps: float = 1e-5
    epochs: int = 3  # the full set: 705 steps; the shipped 6,000-image subset: 72 (the chapter
    #                  trains 10; test accuracy already dips at the third with seed 0, on both)
    drift_steps: int = 240  # the LeNet without BN is trained beside it this many steps (at most all)
    eval_every: int = 25  # test accuracy of both nets every this many steps during the drift
    layer: str = "1"  # the BN layer the stops look at (net[1]: after the first convolution)
    channel: int = 0  # its channel
    trap_layer: str = "10"  # the BN layer of the train/eval trap (after a linear layer: (N, C))
    sigmoid: int = -1  # stop 1's sigmoid: the last hidden layer's, as in the BN paper's Figure 1
    tolerance: float = 0.01  # stop 5: the start of the moving mean weighs less than this share
    precise_images: Optional[int] = None  # training images the precise statistics average over

    QUICK = {"epochs": 1, "drift_steps": 24, "eval_every": 8}

    def __post_init__(self):
        self.config()  # a ValueError in plain words for a bad lr, batch size, eps, seed
        if self.epochs < 1:
            raise ValueError(f"the tour trains at least 1 epoch, got {self.epochs}")
        if not 0 < self.momentum < 1:
            raise ValueError(f"the tour's moving average needs a momentum between 0 and 1, got {self.momentum:g}")

    def config(self):
        """The RunConfig of the BN run (the chapter's BatchNorm)."""
        return RunConfig(norm="custom", lr=self.lr, batch_size=self.batch_size, momentum=self.momentum,
                         eps=self.eps, seed=self.seed, device=self.device)


@dataclass
class TourRun:
    """Everything the stops read, computed once; treat it as read-only (many sessions share it)."""
    settings: TourSettings
    data: str  # the data used, in words (data.describe(); says SUBSET where it is)
    train_images: int
    steps_per_epoch: int
    steps: int  # steps trained
    history: object  # the capture History of every BN layer (flushed)
    layer_facts: dict  # layer -> eps, momentum (chapter's convention), channels, ...
    log: dict  # "step", "loss", "acc": per step
    epochs: list  # per epoch: epoch, end_step, loss, train acc, test acc (moving), precise, ...
    drift: Figure1  # stop 1: percentiles of one sigmoid's input with and without BN
    last_input: dict  # layer -> (step, the whole input X of that step as numpy)
    raw: dict  # layer -> a few real x, x̂, y per channel of the last step (hooks.raw_at)
    trap: dict  # stop 6: the train/eval trap on the finished model
    model_state: dict  # the finished BN model's state_dict (CPU), for checking the stops
    seconds: float = 0.0  # wall-clock time to build it
    extra: dict = field(default_factory=dict)


TOUR_THREADS = 1  # the tour's run sums in one fixed order, whatever the process's torch threads


def build_tour(data, settings=None, progress=None):
    """Train the tour's run on `data` (a FashionMNIST); `progress(done, total)` as it goes.

    With TOUR_THREADS torch threads (as the app trains): another thread count sums in another
    order, and the fifth digit of a number could then depend on what the process did before.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(TOUR_THREADS)
    try:
        return _build_tour(data, settings, progress)
    finally:
        torch.set_num_threads(threads)


def _build_tour(data, settings, progress):
    s = settings or TourSettings()
    start = time.perf_counter()
    part = s.take(data)
    bn = Stepper(s.config(), part, cuda_graphs=False)  # whole inputs kept: no CUDA graphs
    cap = bn.start_capture(TOUR_CAPTURE)
    total = s.epochs * bn.steps_per_epoch
    drift_steps = min(s.drift_steps, total)
    plain = Stepper(RunConfig(norm="none", lr=s.lr, batch_size=s.batch_size, seed=s.seed, device=s.device),
                    part, cuda_graphs=False)
    probes = {"BN": SigmoidProbe(bn.model, s.sigmoid), "no BN": SigmoidProbe(plain.model, s.sigmoid)}
    drift = Figure1(sigmoid=s.sigmoid % len(bn_layers(bn.model)), lrs={"BN": s.lr, "no BN": s.lr}, acc={"BN": [], "no BN": []})
    test_x, test_y = bn.data.test_images, bn.data.test_labels
    precise_x = bn.data.train_images[:s.precise_images]
    log = {"step": [], "loss": [], "acc": []}
    rows = []
    try:
        for step in range(1, total + 1):
            result = bn.step()
            log["step"].append(result.step)
            log["loss"].append(result.loss)
            log["acc"].append(result.accuracy)
            if step <= drift_steps:
                plain.step()
                drift.steps.append(step)
                if step % s.eval_every == 0 or step == drift_steps:
                    drift.eval_steps.append(step)
                    for k, net in (("BN", bn), ("no BN", plain)):
                        drift.acc[k].append(accuracy(net.model, test_x, test_y))
                if step == drift_steps:
                    for p in probes.values():
                        p.remove()
            if result.batch == bn.steps_per_epoch - 1:  # an epoch ended: moving vs precise statistics
                rows.append(epoch_row(bn, precise_x, s))
            if progress is not None:
                progress(step, total)
    finally:
        for p in probes.values():
            p.remove()
        bn.stop_capture(cap)
    drift.pct = {k: torch.stack(p.pct).cpu().numpy() for k, p in probes.items()}
    history = cap.history
    history.flush()
    last_input = {name: (step, X.numpy()) for name, [(step, X)] in cap.inputs.items()}
    return TourRun(settings=s, data=part.describe(), train_images=len(part.train_labels),
                   steps_per_epoch=bn.steps_per_epoch, steps=bn.step_count, history=history,
                   layer_facts=history.meta["layers"], log=log, epochs=rows, drift=drift,
                   last_input=last_input, raw={n: raw_at(cap, n) for n in cap.layers}, trap=train_eval_trap(bn, s),
                   model_state={k: v.detach().cpu().clone() for k, v in bn.model.state_dict().items()},
                   seconds=time.perf_counter() - start,
                   extra={"data_words": {lang: part.describe(lang) for lang in CATALOGUES}})


def epoch_row(stepper, precise_x, s):
    """At an epoch end: the chapter's line, and test accuracy with precise statistics."""
    e = stepper.epochs[-1]
    stats = precise_statistics(stepper.model, precise_x, s.batch_size)
    with installed(bn_layers(stepper.model), stats):
        precise = stepper.evaluate()
    return {"epoch": e.epoch, "end_step": stepper.step_count, "loss": e.loss, "train acc": e.train_acc,
            "test acc": e.test_acc, "precise test acc": precise,
            "precise_mean": {n: m.reshape(-1).cpu().numpy() for n, (m, _) in stats.items()},
            "precise_var": {n: v.reshape(-1).cpu().numpy() for n, (_, v) in stats.items()}}


def chapter_rule(model):
    """A copy of `model` whose BatchNorm layers choose the mode as the chapter's code does:
    by torch.is_grad_enabled(), not by self.training."""
    clone = copy.deepcopy(model)
    for m in clone.modules():
        if isinstance(m, BatchNorm):
            m.mode_rule = "grad"
    return clone


def accuracy_with_grad(model, images, labels):
    """Test accuracy after `model.eval()` but with gradients on (no torch.no_grad()): what a
    student who forgets no_grad measures. The model is changed (its moving statistics may move)."""
    model.eval()
    correct = 0
    with torch.enable_grad():
        for X, y in eval_batches(images, labels, 1024):
            correct += int((model(X).argmax(dim=1) == y).sum())
    return correct / len(labels)


def train_eval_trap(stepper, s):
    """The chapter's mode rule on the finished model: eval() alone vs eval() + no_grad.

    Returns plain numbers: test accuracy each way, how far the moving statistics of `trap_layer`
    moved while a student 'evaluated' with eval() alone, and what the real layer did with a real
    test batch under each of {train(), eval()} x {gradients, no_grad}, for the chapter's rule and
    PyTorch's (modes.probe: moving statistics set far from the batch's, so the output tells)."""
    data = stepper.data
    layer = s.trap_layer
    trap = chapter_rule(stepper.model)
    before = {k: v.detach().clone() for k, v in zip(("mean", "var"), layer_params(bn_layers(trap)[layer])[2:4])}
    no_grad_acc = accuracy(trap, data.test_images, data.test_labels)  # eval() + no_grad: moving statistics
    eval_alone_acc = accuracy_with_grad(trap, data.test_images, data.test_labels)
    after = dict(zip(("mean", "var"), layer_params(bn_layers(trap)[layer])[2:4]))
    torch_rule_acc = accuracy_with_grad(copy.deepcopy(stepper.model), data.test_images, data.test_labels)
    X = layer_input(stepper.model, layer, data.test_images[:s.batch_size])
    matrix = []
    for rule, label in (("grad", text("tour.rule.chapter")), ("training", text("tour.rule.torch"))):
        for training in (True, False):
            for grad in (True, False):
                real = copy.deepcopy(bn_layers(stepper.model)[layer])
                real.mode_rule = rule
                with torch.no_grad():  # probe compares with plain x̂: the rule is under test, not γ, β
                    real.gamma.fill_(1.0)
                    real.beta.fill_(0.0)
                result = probe(real, torch.as_tensor(X), training, grad)
                matrix.append({"rule": label, "module": "train()" if training else "eval()",
                               "gradients": "on" if grad else "torch.no_grad()", **result})
    return {"layer": layer, "no_grad_acc": no_grad_acc, "eval_alone_acc": eval_alone_acc,
            "torch_rule_acc": torch_rule_acc,
            "mean_before": before["mean"].reshape(-1).cpu().numpy(),
            "mean_after": after["mean"].detach().reshape(-1).cpu().numpy(),
            "var_before": before["var"].reshape(-1).cpu().numpy(),
            "var_after": after["var"].detach().reshape(-1).cpu().numpy(),
            "test_images": len(data.test_labels), "matrix": matrix, "batch": X}


@torch.no_grad()
def layer_input(model, layer, images):
    """The input of BN layer `layer` for `images` (uint8), the model in prediction mode, as numpy."""
    seen = []
    handle = bn_layers(model)[layer].register_forward_pre_hook(lambda m, args: seen.append(args[0].detach()))
    was = model.training
    try:
        model.eval()
        model(images.unsqueeze(1).float().div(255))
    finally:
        handle.remove()
        model.train(was)
    return seen[0].cpu().numpy()


def standardise(X, eps):
    """x̂ of a whole BN input with the chapter's batch_norm in training mode (γ = 1, β = 0):
    (N, C[, H, W]) numpy -> numpy of the same shape."""
    X = torch.as_tensor(X)
    shape = (1, X.shape[1]) + (1,) * (X.dim() - 2)
    x_hat, _, _ = batch_norm(X, torch.ones(shape), torch.zeros(shape), torch.zeros(shape),
                             torch.ones(shape), eps, 0.9, training=True)
    return x_hat.numpy()


def per_channel(X):
    """(mean, biased variance) per channel of (N, C[, H, W]) numpy, in float64."""
    X = np.asarray(X, dtype=np.float64)
    axes = (0,) + tuple(range(2, X.ndim))
    return X.mean(axis=axes), X.var(axis=axes)


def ema(values, m, start=0.0):
    """The moving average the chapter's layer keeps: after k values, m^k·start + Σ (1−m)·m^(k−j)·v_j."""
    out, moving = [], start
    for v in values:
        moving = m * moving + (1 - m) * v
        out.append(moving)
    return np.array(out)
