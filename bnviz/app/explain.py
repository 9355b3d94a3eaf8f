"""What a teacher would say beside each panel, in plain words (Markdown).

Every number in these texts is computed from the run's own settings (tests/test_explain.py
recomputes each one independently). The chapter is the Batch Normalization chapter of *Dive into
Deep Learning*, Chinese edition (PyTorch): momentum 0.9 weights the old value, lr 1.0, batch 256.
"""
import math

from ..capturing.summaries import SATURATED_SLOPE, SATURATION

EDITION = ("*Dive into Deep Learning*, Chinese edition (PyTorch): `moving = momentum × moving + "
           "(1 − momentum) × batch` with momentum 0.9. The English edition's current text writes "
           "`moving = (1 − momentum) × moving + momentum × batch` instead, as PyTorch does.")


def distributions(activation="sigmoid"):
    """The words beside *Distributions now*."""
    limit = SATURATION.get(activation, SATURATION["sigmoid"])
    return f"""**What BN does to one batch.** Top left: the values arriving at the BN layer. Top
right: after subtracting the batch mean μ and dividing by √(σ² + ε) (x̂): one channel's x̂ has mean
exactly 0 and standard deviation √(σ²/(σ² + ε)), just under 1 — the red curve is N(0, 1) for
comparison (switch off *all channels pooled* to see one channel alone). Bottom: γ and β, learned
by SGD, stretch and shift x̂ again; then the {activation} squashes it. Where many values sit beyond
±{limit:.3g} the {activation} is *saturated*: its slope there is below {SATURATED_SLOPE:.3f}, and
gradients hardly pass. Each chart counts a random sample of the batch's values (the title says how
many): every value has the same chance to be drawn."""


OVER_TIME = """**How the distribution moves while the network learns.** Each column is one step's
histogram, every channel pooled; the bins stay fixed so columns compare, and the colour is the
*share* of that step's values in a bin (an epoch's smaller last batch looks the same as a full
one). Without BN the input of a sigmoid drifts as the earlier layers change (the BN paper's
*internal covariate shift*); with BN the output keeps a steady shape. The bands are the 15th, 50th
and 85th percentiles, as in the BN paper's Figure 1 — here of all channels pooled, from a random
sample of the batch's values."""

CHANNEL_OVER_TIME = """One channel: its mean and mean ± 1 standard deviation (biased: divided by
n) at every recorded step, computed from *every* value of the batch. In training mode x̂'s mean is
exactly 0 and its standard deviation √(σ²/(σ² + ε)); the output's are β and |γ| times that."""


def no_channel_histogram(raw_keep):
    """Why a per-channel histogram is missing."""
    return (f"Per-channel histograms are kept for the newest {raw_keep} steps of a live run only "
            "(recordings keep the pooled ones): showing all channels pooled.")


def moving_average(momentum, steps_done, torch_layer=False):
    """The theory of the moving average, with this run's real numbers (the layer's own momentum,
    in the chapter's convention: the weight of the old value; None: PyTorch's cumulative average)."""
    name = "running" if torch_layer else "moving"
    if momentum is None:
        return (f"**How the {name} statistics converge.** This `nn.BatchNorm` has `momentum=None`: a "
                f"*cumulative* average, `{name} = {name} + (batch − {name}) / k` at the k-th update — "
                f"every batch so far weighs the same, 1/k (after {steps_done} steps: 1/{max(steps_done, 1)}). "
                "It converges on the average batch statistic, but follows a change of the weights "
                "more and more slowly.")
    m = momentum
    if torch_layer:
        rule = f"`running = (1 − {1 - m:g}) × running + {1 - m:g} × batch` (PyTorch's momentum {1 - m:g})"
    else:
        rule = f"`moving = {m:g} × moving + {1 - m:g} × batch` (the chapter's momentum {m:g})"
    if m <= 0:
        return (f"**How the {name} statistics converge.** With momentum {m:g} in the chapter's convention "
                f"the layer updates {rule}: it keeps only the newest batch's statistics, no average.")
    if m >= 1:
        return (f"**How the {name} statistics converge.** With momentum {m:g} in the chapter's convention "
                f"the layer updates {rule}: it never moves from its start (mean 0, variance 1).")
    facts = ema_facts(m, steps_done)
    return f"""**How the {name} statistics converge.** At every training step the layer updates
{rule}: an exponential moving average. A batch k steps old weighs (1 − m)·m^k, so:
the average age of what it averages (its effective window) is
1 / (1 − m) = **{facts['mean_age']:.3g} steps** (counting the newest batch as 1 step old); a
batch's weight falls by a factor e every
−1 / ln m = {facts['e_folding']:.2f} steps and halves every ln 2 / −ln m = {facts['half_life']:.2f}
steps. The start (mean 0, variance 1) still weighs m^k: after {steps_done} steps
{m:g}^{steps_done} = **{facts['start_weight']:.3g}**."""


def ema_facts(m, steps_done):
    """The numbers moving_average() states, for 0 < m < 1."""
    return {"mean_age": 1 / (1 - m), "e_folding": -1 / math.log(m), "half_life": math.log(2) / -math.log(m),
            "start_weight": m ** steps_done, "batches_worth": (1 + m) / (1 - m)}


def convergence_legend(batch_size, last_batch, momentum, torch_layer=False):
    """What the lines of the moving-mean chart are, and what the gap is made of."""
    var = "unbiased (× n/(n−1), what `running_var` stores)" if torch_layer else "biased (what `moving_var` stores)"
    last = f"; an epoch's last batch has {last_batch}" if last_batch != batch_size else ""
    noise = ""
    if momentum is not None and 0 < momentum < 1:
        noise = (f" (2) its own noise: an EMA with m = {momentum:g} is only as steady as an average of "
                 f"(1 + m)/(1 − m) = {ema_facts(momentum, 0)['batches_worth']:.3g} independent batches, so it "
                 "wobbles even while the weights stay fixed;")
    return f"""Grey: the statistic of each batch (noisy: it depends on which {batch_size} images were
drawn{last}). Blue: the moving statistic that prediction mode will use. Red diamonds: what it
estimates — the average over all the training set's batches of the same batch statistic, with the
current weights (at each epoch end, and when you press the button). Variances here are {var}, on
all three. The gap (bottom) is blue minus red; it is made of: (1) lag: the average weighs batches
seen with older weights, which keep changing;{noise} and nothing else — both sides use one
definition."""


def gamma_beta():
    """The words beside *γ and β*."""
    return """**γ and β are ordinary parameters**, trained by SGD like the weights. They let the
network undo the normalisation where that helps: γ = √(σ² + ε) and β = μ would give back this
batch's input exactly — but only approximately for the next batch, because μ and σ² change with
every batch while γ and β are shared by all of them."""


TRAINING = """**Training.** Grey: loss and accuracy of each batch, measured before its update. Lines:
the chapter's per-epoch numbers; test accuracy is measured in prediction mode, with the moving
statistics — if they are stale, test accuracy can drop while training accuracy rises."""

INSIDE = """**Step into one BN step.** The real numbers of one channel at the newest step: the batch
mean μ and variance σ² (biased: divided by n, the values per channel), ε, a few real inputs x going
to x̂ and to y, and the update of the moving statistics with its arithmetic. *Recorded* values come
from the layer itself."""

NO_BN = """This model has **no BatchNorm layer** (variant "no BN"), so there is nothing to show
here. Choose the chapter's BN or `nn.BatchNorm` in the sidebar and press Reset to compare."""

MODES = """Each row ran a real layer once on the same batch, with its moving statistics set far from
the batch's (mean 10, variance 4), so the output tells which statistics normalised it. The chapter
chose the mode by `torch.is_grad_enabled()`: under `eval()` alone (gradients still on) its layer
**still normalises with the batch and updates its moving statistics** — evaluate under
`torch.no_grad()` too. PyTorch and bnviz's fixed layer follow `self.training` instead."""


def figure1(eval_images):
    """The words beside the BN paper's Figure 1."""
    return f"""The BN paper (Ioffe & Szegedy, 2015, Figure 1: MNIST, three hidden layers of 100
sigmoid units, batch 60) followed **one typical unit** of the last hidden layer: the 15th, 50th and
85th percentiles of its input over training. Without BN they drifted; with BN the distribution was
"much more stable". Here the percentiles **pool every unit** of the chosen sigmoid's input (a random
sample of its values each step), and both LeNets start from the same weights and see the same
batches. Test accuracy uses the first {eval_images:,} test images. With lr 1.0 the no-BN net barely
learns in the first few hundred steps — that is the result, not a bug."""


def twin(batch_size, conv_values):
    """The words beside the twin run (n per channel from the run's batch size)."""
    return f"""Both layers get the same initial weights and the same batches. They should agree to
float32 rounding: the differences (absolute: the largest over every value of a statistic) start
at rounding level and grow as SGD amplifies them — the table shows by how much in this run. The exception is
`moving_var` as stored: the chapter keeps the biased batch variance, PyTorch the unbiased one,
× n/(n−1), where n is the values per channel: N·H·W after a convolution ({batch_size}·{conv_values}
= {batch_size * conv_values:,} for the first BN layer), N = {batch_size} after a linear layer.
Carried through PyTorch's update, the chapter's values agree again."""


PRECISE = """Prediction mode normalises with the *moving* statistics, an average over recent batches
computed with *older* weights. Precise statistics recompute what they estimate with the current
weights frozen: the average over the training set's batches of the batch mean and variance — for
`nn.BatchNorm` (unbiased variance) exactly as `torch.optim.swa_utils.update_bn` does; for the
chapter's layer, which `update_bn` does not handle, bnviz installs the same average with the biased
variance it stores. If test accuracy with precise statistics is much higher, stale moving
statistics cost accuracy; if both are low, the weights themselves are at fault."""
