"""Exercise 2: how large can the learning rate be, with and without BN?"""
import math
from dataclasses import dataclass

from ..build import LeNetSpec, build_lenet
from ..card import Card
from ...i18n import text
from ..plots import curves_figure
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


def figure(result):
    curves = {k: v for k, v in result.curves.items() if v["panel"] == "test accuracy vs lr"}
    fig = curves_figure(curves, "Exercise 2: final test accuracy by learning rate",
                        panels=["test accuracy vs lr"], log_x=("test accuracy vs lr",), x_title="learning rate")
    return fig


def loss_figure(result):
    """The per-step loss of every run, BN and no BN side by side (log scale)."""
    curves = {k: v for k, v in result.curves.items() if v["panel"] != "test accuracy vs lr"}
    return curves_figure(curves, "loss per step (10-step mean)", panels=["BN: loss", "no BN: loss"],
                         log_y=("BN: loss", "no BN: loss"))


def _lrs(values):
    return ", ".join(f"{v:g}" for v in values) if values else "none"


def reading(result):
    s = result.summary
    bn, plain = s["BN"], s["no BN"]
    ratio = ""
    if bn["lrs reaching 0.5"] and plain["lrs reaching 0.5"]:
        span_bn = max(bn["lrs reaching 0.5"]) / min(bn["lrs reaching 0.5"])
        span_plain = max(plain["lrs reaching 0.5"]) / min(plain["lrs reaching 0.5"])
        ratio = f" — a range {span_bn:g}x wide with BN against {span_plain:g}x without"
    return (f"In {s['steps']} steps the LeNet with BN reached test accuracy 0.5 or more at learning rates "
            f"{_lrs(bn['lrs reaching 0.5'])}; without BN at {_lrs(plain['lrs reaching 0.5'])}{ratio}. "
            f"The best BN run (lr {bn['best lr']:g}) reached {bn['best test acc']:.3f}, the best without BN "
            f"(lr {plain['best lr']:g}) {plain['best test acc']:.3f} (chance is 0.1). A loss spiked past ten times "
            f"chance at lr {_lrs(bn['lrs that blew up'])} with BN (back below chance by the end: "
            f"{_lrs(bn['recovered'])}) and {_lrs(plain['lrs that blew up'])} without (back below chance: "
            f"{_lrs(plain['recovered'])}). The sigmoids bound every activation, so losses here grow large "
            f"but rarely become "
            f"NaN; and BN makes each layer's output independent of the scale of its weights, so a large "
            f"step grows the weights and shrinks its own effective size instead of throwing the "
            f"network off — which is why BN tolerates the larger rates.")


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
    transfer=text("card.lr-sweep.transfer"))
