"""Santurkar et al. 2018: BN smooths the loss landscape; noisy BN still trains like BN."""
import statistics
from dataclasses import dataclass

from torch import nn

from ..build import LeNetSpec, build_lenet
from ..card import Card
from ...i18n import from_english, text
from ..landscape import probe
from ..plots import curves_figure, translated
from ..runs import smooth, stepper_for, train
from ..settings import CardSettings

MODELS = {"BN": "bn", "no BN": "none", "noisy BN": "noisy"}
MEASURES = ("loss variation", "gradient change", "beta smoothness")
CHANCE = 2.302585  # ln 10: the loss of a uniform guess


@dataclass(frozen=True)
class SmoothnessSettings(CardSettings):
    """BN, no BN and noisy BN on the same batches; the landscape probed every few steps."""
    steps: int = 150
    every: int = 10  # probe the landscape every this many steps
    etas: tuple = (0.25, 0.5, 1.0, 2.0)  # step sizes along the gradient, times lr
    probe_images: int = 256  # the first training images: the probe batch
    noise: float = 1.0  # noisy BN's noise scale (see norms.NoisyBatchNorm)
    lr: float = 1.0
    batch_size: int = 256

    QUICK = {"steps": 30, "every": 10, "etas": (0.5, 2.0), "test_images": 2000}

    def work(self, data):
        probes = (self.steps // self.every) * 2 * (1 + len(self.etas))
        return 3 * self.steps + probes


class Shift:
    """Mean over channels of |change of the channel's mean| of a sigmoid's input, step to step."""

    def __init__(self, module):
        self.last, self.changes = None, []
        self.handle = module.register_forward_pre_hook(self)

    def __call__(self, module, args):
        if not module.training:
            return
        m = args[0].detach().mean(dim=0)
        if self.last is not None and self.last.shape == m.shape:
            self.changes.append(float((m - self.last).abs().mean()))
        self.last = m


def compute(data, s, ticker):
    X = data.train_images[:s.probe_images].unsqueeze(1).float().div(255)
    y = data.train_labels[:s.probe_images]
    etas = [e * s.lr for e in s.etas]
    table, curves, probes = [], {}, {}
    for name, norm in MODELS.items():
        st = stepper_for(build_lenet(LeNetSpec(norm=norm, noise=s.noise), s.seed), data, s, s.lr, s.batch_size)
        sig = [m for m in st.model.modules() if isinstance(m, nn.Sigmoid)][-1]
        shift = Shift(sig)
        found = {m: [] for m in MEASURES + ("gradient norm",)}
        at = []

        def check(stepper):
            if name == "noisy BN":  # its noise would change the landscape between the probe's passes
                return
            at.append(stepper.step_count)
            for k, v in probe(stepper.model, X.to(stepper.device), y.to(stepper.device), etas).items():
                found[k].append(v)
            ticker.tick(1 + len(etas))

        try:
            out = train(st, s.steps, ticker, every=s.every, on_check=check)
        finally:
            shift.handle.remove()
        last = out["loss"][-20:]
        row = {"model": name, "test acc": st.evaluate(), "train loss (last 20 steps)": sum(last) / len(last),
               "sigmoid-input shift per step": statistics.mean(shift.changes)}
        for k in MEASURES + ("gradient norm",):
            row[f"median {k}"] = statistics.median(found[k]) if found[k] else None
            if found[k]:
                curves[f"{name}: {k}"] = {"x": at, "y": found[k], "panel": k}
        probes[name] = found
        table.append(row)
        curves[f"{name}: loss"] = {"x": list(range(1, len(out["loss"]) + 1)), "y": smooth(out["loss"]),
                                   "panel": "training loss"}
    summary = {r["model"]: r for r in table}
    summary["steps"], summary["probes"] = s.steps, len(probes["BN"]["loss variation"])
    return table, curves, summary


# The words of this card's table and figure (the result keeps the English ones; shown translated).
WORDS = ("card.smoothness.col.model", "card.smoothness.col.acc", "card.smoothness.col.loss", "card.smoothness.col.shift",
         "card.smoothness.col.median_loss", "card.smoothness.col.median_gradient", "card.smoothness.col.median_beta",
         "card.smoothness.col.median_norm", "card.smoothness.bn", "card.smoothness.no_bn", "card.smoothness.noisy",
         "card.smoothness.loss_variation", "card.smoothness.gradient_change", "card.smoothness.beta_smoothness",
         "card.smoothness.training_loss", "card.smoothness.fig.title", "axis.step")


def figure(result, lang="en"):
    fig = curves_figure(result.curves, "Along the gradient: with vs without BN (Santurkar et al. 2018)",
                        panels=list(MEASURES) + ["training loss"], log_y=MEASURES)
    return translated(fig, WORDS, lang)


def reading(result, lang="en"):
    s = result.summary
    bn, plain, noisy = s["BN"], s["no BN"], s["noisy BN"]
    ratios = {k: plain[f"median {k}"] / bn[f"median {k}"] for k in MEASURES if bn[f"median {k}"]}
    nan = float("nan")
    parts = [text("card.smoothness.reading.probes", lang, probes=s["probes"], steps=s["steps"],
                  bn_loss=bn["median loss variation"], plain_loss=plain["median loss variation"],
                  loss_ratio=ratios.get("loss variation", nan), bn_gradient=bn["median gradient change"],
                  plain_gradient=plain["median gradient change"], gradient_ratio=ratios.get("gradient change", nan),
                  bn_beta=bn["median beta smoothness"], plain_beta=plain["median beta smoothness"],
                  beta_ratio=ratios.get("beta smoothness", nan))]
    smoother = [k for k, r in ratios.items() if r > 1]
    names = (", " if lang == "en" else "、").join(from_english(k, WORDS, lang) for k in smoother)
    which = text("card.smoothness.reading.which", lang, names=names) if smoother else ""
    parts.append(text("card.smoothness.reading.smoother", lang, smoother=len(smoother), measures=len(ratios),
                      which=which))
    if plain["train loss (last 20 steps)"] > 0.9 * CHANCE and len(smoother) < len(ratios):
        parts.append(text("card.smoothness.reading.plateau", lang, loss=plain["train loss (last 20 steps)"],
                          chance=CHANCE, plain_norm=plain["median gradient norm"], bn_norm=bn["median gradient norm"]))
    parts.append(text("card.smoothness.reading.noisy", lang, noisy_shift=noisy["sigmoid-input shift per step"],
                      bn_shift=bn["sigmoid-input shift per step"], noisy_loss=noisy["train loss (last 20 steps)"],
                      noisy_acc=noisy["test acc"], bn_loss=bn["train loss (last 20 steps)"], bn_acc=bn["test acc"],
                      plain_loss=plain["train loss (last 20 steps)"], plain_acc=plain["test acc"]))
    return (" " if lang == "en" else "").join(parts)


def brief(result):
    s = result.summary
    bn, plain, noisy = s["BN"], s["no BN"], s["noisy BN"]
    return (f"median beta-smoothness BN {bn['median beta smoothness']:.3g} vs no BN "
            f"{plain['median beta smoothness']:.3g}; test acc BN {bn['test acc']:.3f}, noisy BN "
            f"{noisy['test acc']:.3f}, no BN {plain['test acc']:.3f}")


CARD = Card(
    name="smoothness", title=text("card.smoothness.title"),
    question=text("card.smoothness.question"),
    source=text("card.smoothness.source"),
    settings_type=SmoothnessSettings, budget_seconds=60,
    budget_note=text("card.smoothness.budget_note"),
    published=text("card.smoothness.published"),
    citation=text("card.smoothness.citation"),
    compute=compute, figure=figure, reading=reading, brief=brief,
    transfer=text("card.smoothness.transfer"), words=WORDS)
