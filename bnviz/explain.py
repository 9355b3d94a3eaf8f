"""What a teacher would say beside each panel, in plain words (Markdown)."""
import math


DISTRIBUTIONS = """**What BN does to one batch.** Left top: the values arriving at the BN layer. Right
top: after subtracting the batch mean and dividing by the batch standard deviation (x̂) they are
centred on 0 with spread 1 — the red curve is the standard normal N(0, 1) for comparison. Bottom:
γ and β, learned by SGD, stretch and shift x̂ again; then the sigmoid squashes it. If many values
sit beyond ±4 the sigmoid is *saturated* there: its slope is below 0.02 and gradients hardly pass."""

OVER_TIME = """**How the distribution moves while the network learns.** Each column is one step's
histogram; the bins stay fixed so columns compare. Without BN the input of a sigmoid drifts as the
earlier layers change (the BN paper's *internal covariate shift*); with BN the output keeps a
steady shape. The bands are the 15th, 50th and 85th percentiles — the BN paper's Figure 1."""

def convergence(momentum, steps_done):
    """The theory of the moving average, with this run's real numbers."""
    tau = 1 / (1 - momentum)
    left = momentum ** steps_done
    half_life = math.log(0.5) / math.log(momentum) if 0 < momentum < 1 else float("inf")
    return f"""**How the moving mean converges.** At every training step the layer updates
`moving = {momentum:g} × moving + {1 - momentum:.2g} × batch`. That is an exponential moving average
with a time constant of 1 / (1 − {momentum:g}) = **{tau:.3g} steps**; a batch's weight halves every
ln 2 / −ln {momentum:g} = {half_life:.2f} steps. The moving mean starts at 0 and the moving variance at
1; after k steps that start still weighs momentum^k — here, after {steps_done} steps,
{momentum:g}^{steps_done} = **{left:.3g}**. Grey: the batch statistic (noisy, it depends on which
256 images were drawn). Blue: the moving statistic that prediction mode will use. Red diamonds: the
population statistic over the whole training set with the current weights (computed at each epoch
end and when you press the button). The gap shows how stale the moving statistic is: the weights
keep changing, so it always lags."""

GAMMA_BETA = """**γ and β are ordinary parameters**, trained by SGD like the weights. They let the
network undo the normalisation where that helps: γ = σ and β = μ would give back the input."""

TRAINING = """**Training.** Grey: loss and accuracy of each batch, measured before its update. Lines:
the chapter's per-epoch numbers; test accuracy is measured in prediction mode, with the moving
statistics — if they are stale, test accuracy can drop while training accuracy rises."""

INSIDE = """**Step into one BN step.** The real numbers of one channel at the newest step: the batch
mean μ and variance σ² (biased: divided by n), ε, a few real inputs x going to x̂ and to y, and the
update of the moving statistics with its arithmetic. *Recorded* values come from the layer itself."""

NO_BN = """This model has **no BatchNorm layer** (variant "no BN"), so there is nothing to show
here. Choose the chapter's BN or `nn.BatchNorm` in the sidebar and press Reset to compare."""

MODES = """Each row ran a real layer once on the same batch, with its moving statistics set far from
the batch's (mean 10, variance 4), so the output tells which statistics normalised it. The chapter
chose the mode by `torch.is_grad_enabled()`: under `eval()` alone (gradients still on) its layer
**still normalises with the batch and updates its moving statistics** — evaluate under
`torch.no_grad()` too. PyTorch and bnviz's fixed layer follow `self.training` instead."""

FIGURE1 = """The BN paper (Ioffe & Szegedy, 2015) showed, for one sigmoid of a network, the 15th,
50th and 85th percentiles of its input over training: without BN they drift as earlier layers
change; with BN they stay put. Here both LeNets start from the same weights and see the same
batches. With lr 1.0 the no-BN net may barely learn — that is the result, not a bug; try a smaller
learning rate for it (0.1 or 0.9) to compare."""

TWIN = """Both layers get the same initial weights and the same batches. They should agree to
float32 rounding (differences around 1e-6 that grow slowly as SGD amplifies them) — except
`moving_var` as stored: the chapter keeps the biased batch variance, PyTorch the unbiased one
(× n/(n−1)). Carried through PyTorch's update, the chapter's values agree again."""

PRECISE = """Prediction mode normalises with the *moving* statistics, an average over recent batches
computed with *older* weights. Precise statistics recompute them over the whole training set with
the current weights frozen (as `torch.optim.swa_utils.update_bn` does). If test accuracy with
precise statistics is much higher, stale moving statistics cost accuracy; if both are low, the
weights themselves are at fault."""
