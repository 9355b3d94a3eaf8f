"""A training stepper: one object owns the model, SGD, the loss, the data order and the device.

`step()` advances exactly one batch. Metrics stay on the device until read, so a run of steps makes
no host-device synchronisation of its own (reading `.loss` or `epoch_metrics()` makes one). On CUDA,
full batches are replayed as CUDA graphs after a short warm-up (graphed.py): the same arithmetic,
one launch per step.
"""
import copy
import time
from dataclasses import dataclass

import torch
from torch import nn

from ..chapter.models import lenet
from ..data.batches import BatchOrder, eval_batches, to_float
from .config import RunConfig, resolve_device
from .graphed import StepGraphs, replay_settings


@dataclass
class StepResult:
    """What one step did; loss and correct stay on the device until read."""
    step: int  # global step number, counted from 1
    epoch: int  # epoch the batch belongs to, counted from 1
    batch: int  # batch index within the epoch, from 0
    size: int  # images in the batch (the last batch of an epoch may be smaller)
    loss_t: torch.Tensor  # mean cross-entropy of the batch, 0-dim, on the device
    correct_t: torch.Tensor  # correctly classified images, 0-dim int64, on the device

    @property
    def loss(self):
        """Mean cross-entropy of the batch (syncs with the device)."""
        return float(self.loss_t)

    @property
    def accuracy(self):
        """Training accuracy on this batch, before the update (syncs with the device)."""
        return int(self.correct_t) / self.size


@dataclass
class EpochResult:
    """The chapter's per-epoch line: mean training loss and accuracy, test accuracy."""
    epoch: int
    loss: float
    train_acc: float
    test_acc: float
    examples: int  # training images seen in the epoch


class Stepper:
    """Trains the chapter's LeNet one batch at a time.

    Args:
        config: a RunConfig.
        data: a FashionMNIST (any device; it is moved to the training device once).
        model: optional prebuilt model (defaults to lenet(config.norm, ...), seeded by config.seed).
        cuda_graphs: on CUDA, replay full batches as CUDA graphs (False: every step eagerly).
    """

    def __init__(self, config: RunConfig, data, model=None, cuda_graphs=True):
        self.config = config
        self.device = resolve_device(config.device)
        self.data = data.to(self.device)
        if model is None:
            with torch.random.fork_rng(devices=[]):  # seed the init without touching global RNG
                torch.manual_seed(config.seed)
                model = lenet(config.norm, eps=config.eps, momentum=config.momentum)
        self.model = model.to(self.device)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=config.lr)
        self.loss_fn = nn.CrossEntropyLoss()
        self.order = BatchOrder(len(self.data.train_labels), config.batch_size, config.seed, self.device)
        self.steps_per_epoch = self.order.per_epoch
        self.step_count = 0  # steps done so far
        self.epochs = []  # EpochResult for each finished epoch
        self.before_step = []  # callables(step, epoch, batch) run before each forward pass
        self._capture_hooks = {}  # id(capture) -> its before_step callable
        self._captures = {}  # id(capture) -> capture, for the graphs
        self.eval_seconds = 0.0  # spent on the epoch-end test evaluations (timings leave it out)
        self.graphs = None
        if cuda_graphs and self.device.type == "cuda":
            self.graphs = StepGraphs(self.device)
        self._loss_sum = torch.zeros((), device=self.device)  # updated in place: graphs hold them
        self._correct = torch.zeros((), device=self.device, dtype=torch.long)
        self._seen = 0

    # --- where training stands -------------------------------------------------------------
    @property
    def epoch(self):
        """The epoch the next step belongs to, from 1."""
        return self.step_count // self.steps_per_epoch + 1

    @property
    def batch_in_epoch(self):
        """The batch index within the epoch of the next step, from 0."""
        return self.step_count % self.steps_per_epoch

    @property
    def images_seen(self):
        """Training images used so far."""
        n, b = len(self.data.train_labels), self.config.batch_size
        full, part = divmod(self.step_count, self.steps_per_epoch)
        return full * n + min(part * b, n)

    def _reset_epoch_sums(self):
        self._loss_sum.zero_()
        self._correct.zero_()
        self._seen = 0

    # --- snapshots (rewind) ----------------------------------------------------------------------
    def snapshot(self):
        """Everything needed to continue exactly from here: weights, buffers, optimiser, counters."""
        return {"step": self.step_count,
                "model": {k: v.detach().clone() for k, v in self.model.state_dict().items()},
                "optimizer": copy.deepcopy(self.optimizer.state_dict()),
                "epochs": list(self.epochs),
                "sums": (self._loss_sum.clone(), self._correct.clone(), self._seen)}

    def restore(self, snap):
        """Go back to a snapshot; the data order is a function of (seed, epoch), so replay is exact."""
        self.model.load_state_dict(snap["model"])
        self.optimizer.load_state_dict(snap["optimizer"])
        self.step_count, self.epochs = snap["step"], list(snap["epochs"])
        loss_sum, correct, self._seen = snap["sums"]
        self._loss_sum.copy_(loss_sum)
        self._correct.copy_(correct)
        if self.graphs is not None:
            self.graphs.forget()  # record again from the restored state (cheap, and always safe)

    # --- capture ----------------------------------------------------------------------------------
    def start_capture(self, options=None, layers=None, history=None):
        """Hook the model's BN layers; records carry this stepper's step and epoch (every k-th step).

        Returns the attached Capture; `stop_capture(cap)` removes it.
        """
        from ..capturing.hooks import Capture
        cap = Capture(self.model, layers, options, history).attach()

        def set_context(step, epoch, batch):
            cap.context["step"], cap.context["epoch"] = step, epoch
            cap.enabled = (step - 1) % cap.options.every == 0

        self._capture_hooks[id(cap)] = set_context  # not on cap: that would be a reference cycle
        self._captures[id(cap)] = cap
        self.before_step.append(set_context)
        return cap

    def stop_capture(self, cap):
        """Detach `cap` and stop feeding it step numbers (idempotent)."""
        cap.detach()
        hook = self._capture_hooks.pop(id(cap), None)
        if hook in self.before_step:
            self.before_step.remove(hook)
        self._captures.pop(id(cap), None)
        if self.graphs is not None:
            self.graphs.forget(cap)

    # --- training ----------------------------------------------------------------------------
    def step(self):
        """Train on exactly one batch; returns a StepResult. Finishing an epoch evaluates the test set."""
        epoch, batch = self.epoch, self.batch_in_epoch
        idx = self.order.indices(epoch - 1, batch)
        for hook in self.before_step:
            hook(self.step_count + 1, epoch, batch)
        self.model.train()
        kind, recording = self.graph_kind(len(idx))
        if kind is None:
            loss_t, correct_t = self._eager_step(idx)
            if self.graphs is not None:
                self.graphs.eager += 1
        else:
            loss_t, correct_t = self.graphs.step(kind, idx, recording, self._eager_step)
        self._seen += len(idx)
        self.step_count += 1
        if self.batch_in_epoch == 0:  # that was the epoch's last batch
            self._finish_epoch(epoch)
        return StepResult(self.step_count, epoch, batch, len(idx), loss_t, correct_t)

    def _eager_step(self, idx):
        """Forward, loss, backward and SGD on the batch `idx`; adds to the epoch sums in place.

        Returns (loss, correct) as 0-dim device tensors. A CUDA graph records exactly this.
        """
        X = to_float(self.data.train_images[idx])  # (B, 1, 28, 28)
        y = self.data.train_labels[idx]
        y_hat = self.model(X)
        loss = self.loss_fn(y_hat, y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        loss_t = loss.detach()
        correct_t = (y_hat.detach().argmax(dim=1) == y).sum()
        self._loss_sum += loss_t * len(y)
        self._correct += correct_t
        return loss_t, correct_t

    def graph_kind(self, size):
        """(kind, recording captures) when a step of `size` images can be replayed as a CUDA graph,
        else (None, ()): which kind of step it is, as the graphs key them."""
        if self.graphs is None or size != self.config.batch_size or not torch.is_grad_enabled():
            return None, ()
        attached = [c for c in self._captures.values() if c.attached]
        recording = [c for c in attached if c.enabled]
        if any(c.options.keep_inputs for c in recording):
            return None, ()
        settings = replay_settings(self.model, set().union(*(c.hook_ids for c in attached)))
        if settings is None:  # a hook that is not one of our captures: its Python must run
            return None, ()
        return self.graphs.kind(size, recording, self.optimizer, settings), recording

    def run(self, n):
        """Run n steps; returns the last StepResult (None when n == 0)."""
        result = None
        for _ in range(n):
            result = self.step()
        return result

    def run_to_epoch_end(self):
        """Run to the end of the current epoch; returns the last StepResult."""
        return self.run(self.steps_per_epoch - self.batch_in_epoch)

    def _finish_epoch(self, epoch):
        loss, train_acc = self.epoch_metrics()  # waits for the epoch's training steps
        start = time.perf_counter()
        test_acc = self.evaluate()
        self.eval_seconds += time.perf_counter() - start
        self.epochs.append(EpochResult(epoch, loss, train_acc, test_acc, self._seen))
        self._reset_epoch_sums()

    def epoch_metrics(self):
        """(mean loss, train accuracy) of the current epoch so far (one device sync)."""
        if self._seen == 0:
            return float("nan"), float("nan")
        return float(self._loss_sum) / self._seen, int(self._correct) / self._seen

    def evaluate(self, images=None, labels=None, model=None):
        """Test accuracy in prediction mode (eval() and no_grad, so both mode rules use moving stats)."""
        images = self.data.test_images if images is None else images
        labels = self.data.test_labels if labels is None else labels
        return accuracy(self.model if model is None else model, images, labels)


@torch.no_grad()
def accuracy(model, images, labels):
    """Accuracy of `model` in prediction mode on uint8 images; the model's mode is restored."""
    was_training = model.training
    model.eval()
    correct = torch.zeros((), device=labels.device, dtype=torch.long)
    # On a GPU, fewer and larger batches (each launch costs more than its arithmetic here)
    for X, y in eval_batches(images, labels, 5000 if labels.is_cuda else 1024):
        correct += (model(X).argmax(dim=1) == y).sum()
    model.train(was_training)
    return int(correct) / len(labels)
