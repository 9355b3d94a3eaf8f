"""Exercise 2: how large can the learning rate be, with and without BN?"""
import math
from dataclasses import dataclass

from ..build import LeNetSpec, build_lenet
from ..card import Card
from ...i18n import text
from ..plots import curves_figure, translated
from ..runs import smooth, stepper_for, train
from ..settings import CardSettings

CHANCE_LOSS = math.log(10)  # cross-entropy of a uniform guess over 10 classes


@dataclass(frozen=True)
class LrSweepSettings(CardSettings):
    """Each learning rate, with and without BN, the same start and the same batches."""
    lrs: tuple = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
    steps: int = 100  # per run (16 runs)
    batch_size: int = 256
    blowup: float = 10 * CHANCE_LOSS  # a finite loss above this counts as blown up (10x chance)
    test_images: int = 5000

    QUICK = {"lrs": (0.1, 1.0, 10.0, 30.0), "steps": 25, "test_images": 1000}

    def work(self, data):
        return 2 * len(self.lrs) * self.steps


def first_divergence(losses, blowup):
    """(first non-finite step, first step whose loss is above `blowup` or non-finite), from 1; None
    where there is none."""
    nonfinite = next((i for i, v in enumerate(losses, 1) if not math.isfinite(v)), None)
    above = next((i for i, v in enumerate(losses, 1) if not math.isfinite(v) or v > blowup), None)
    return nonfinite, above


def compute(data, s, ticker):
    table, curves = [], {}
    for label, norm in (("BN", "bn"), ("no BN", "none")):
        accs = []
        for lr in s.lrs:
            st = stepper_for(build_lenet(LeNetSpec(norm=norm), s.seed), data, s, lr, s.batch_size)
            out = train(st, s.steps, ticker)
            nonfinite, blown = first_divergence(out["loss"], s.blowup)
            finite = [v for v in out["loss"] if math.isfinite(v)]
            acc = st.evaluate() if nonfinite is None else float("nan")
            accs.append(acc)
            table.append({"model": label, "lr": lr, "test acc": acc,
                          "last loss (10-step mean)": sum(finite[-10:]) / max(len(finite[-10:]), 1),
                          "largest loss": max(finite) if finite else float("nan"),
                          "first non-finite loss at step": nonfinite,
                          f"first loss > {s.blowup:.1f} at step": blown})
            curves[f"{label} lr {lr:g}: loss"] = {"x": list(range(1, len(out["loss"]) + 1)),
                                                  "y": smooth(out["loss"]), "panel": f"{label}: loss"}
        curves[f"{label}: test acc"] = {"x": list(s.lrs), "y": accs, "panel": "test accuracy vs lr"}
    summary = {}
    for label in ("BN", "no BN"):
        rows = [r for r in table if r["model"] == label]
        best = max(rows, key=lambda r: -1 if math.isnan(r["test acc"]) else r["test acc"])
        good = [r["lr"] for r in rows if r["test acc"] >= 0.5]
        blown = [r["lr"] for r in rows if r[f"first loss > {s.blowup:.1f} at step"] is not None]
        recovered = [r["lr"] for r in rows if r["lr"] in blown and r["first non-finite loss at step"] is None
                     and r["last loss (10-step mean)"] < CHANCE_LOSS]
        summary[label] = {"best lr": best["lr"], "best test acc": best["test acc"],
                          "lrs reaching 0.5": good, "lrs that blew up": blown, "recovered": recovered}
    summary["steps"] = s.steps
    return table, curves, summary


# The words of this card's table and figure (the result keeps the English ones; shown translated).
WORDS = ("card.lr-sweep.col.model", "card.lr-sweep.col.lr", "card.lr-sweep.col.acc", "card.lr-sweep.col.last_loss",
         "card.lr-sweep.col.largest", "card.lr-sweep.col.nonfinite", "card.lr-sweep.col.blown", "card.lr-sweep.bn",
         "card.lr-sweep.no_bn", "card.lr-sweep.run", "card.lr-sweep.run_no_bn", "card.lr-sweep.panel.acc",
         "card.lr-sweep.panel.bn_loss", "card.lr-sweep.panel.no_bn_loss", "card.lr-sweep.fig.title",
         "card.lr-sweep.fig.lr", "card.lr-sweep.fig.loss_title", "axis.step")


def figure(result, lang="en"):
    curves = {k: v for k, v in result.curves.items() if v["panel"] == "test accuracy vs lr"}
    fig = curves_figure(curves, "Exercise 2: final test accuracy by learning rate",
                        panels=["test accuracy vs lr"], log_x=("test accuracy vs lr",), x_title="learning rate")
    return translated(fig, WORDS, lang)


def loss_figure(result, lang="en"):
    """The per-step loss of every run, BN and no BN side by side (log scale)."""
    curves = {k: v for k, v in result.curves.items() if v["panel"] != "test accuracy vs lr"}
    fig = curves_figure(curves, "loss per step (10-step mean)", panels=["BN: loss", "no BN: loss"],
                        log_y=("BN: loss", "no BN: loss"))
    return translated(fig, WORDS, lang)


def _lrs(values, lang="en"):
    return ", ".join(f"{v:g}" for v in values) if values else text("card.lr-sweep.none", lang)


def reading(result, lang="en"):
    s = result.summary
    bn, plain = s["BN"], s["no BN"]
    ratio = ""
    if bn["lrs reaching 0.5"] and plain["lrs reaching 0.5"]:
        span_bn = max(bn["lrs reaching 0.5"]) / min(bn["lrs reaching 0.5"])
        span_plain = max(plain["lrs reaching 0.5"]) / min(plain["lrs reaching 0.5"])
        ratio = text("card.lr-sweep.ratio", lang, span_bn=span_bn, span_plain=span_plain)
    return text("card.lr-sweep.reading", lang, steps=s["steps"], bn_good=_lrs(bn["lrs reaching 0.5"], lang),
                plain_good=_lrs(plain["lrs reaching 0.5"], lang), ratio=ratio, bn_best_lr=bn["best lr"],
                bn_best=bn["best test acc"], plain_best_lr=plain["best lr"], plain_best=plain["best test acc"],
                bn_blown=_lrs(bn["lrs that blew up"], lang), bn_recovered=_lrs(bn["recovered"], lang),
                plain_blown=_lrs(plain["lrs that blew up"], lang), plain_recovered=_lrs(plain["recovered"], lang))


def brief(result):
    s = result.summary
    return (f"BN best {s['BN']['best test acc']:.3f} at lr {s['BN']['best lr']:g}; no BN best "
            f"{s['no BN']['best test acc']:.3f} at lr {s['no BN']['best lr']:g} (chance 0.1); lrs reaching 0.5: "
            f"BN {_lrs(s['BN']['lrs reaching 0.5'])}, no BN {_lrs(s['no BN']['lrs reaching 0.5'])}")


CARD = Card(
    name="lr-sweep", title=text("card.lr-sweep.title"),
    question=text("card.lr-sweep.question"),
    source=text("card.lr-sweep.source"),
    settings_type=LrSweepSettings, budget_seconds=60,
    budget_note=text("card.lr-sweep.budget_note"),
    published=text("card.lr-sweep.published"),
    citation=text("card.lr-sweep.citation"),
    compute=compute, figure=figure, reading=reading, brief=brief,
    transfer=text("card.lr-sweep.transfer"), words=WORDS)
