"""Frankle et al. 2020: train only BN's gamma and beta, every other weight frozen at its random init."""
from dataclasses import dataclass

import torch

from ..build import LeNetSpec, build_lenet, count_parameters, norm_layers
from ..card import Card
from ...i18n import text
from ..plots import bars_figure, combine, curves_figure, translated
from ..runs import epochs_of, smooth, stepper_for
from ..settings import CardSettings


@dataclass(frozen=True)
class BnOnlySettings(CardSettings):
    """The chapter's LeNet trained fully vs with only gamma and beta trainable, same start and batches."""
    epochs: int = 2  # of the full training set: 2 x 235 steps per net
    lr: float = 1.0
    batch_size: int = 256
    near_zero: float = 0.1  # |gamma| below this counts as about 0 (gamma starts at 1)

    QUICK = {"epochs": 1, "train_images": 5120, "test_images": 2000}

    def work(self, data):
        return 2 * self.epochs * self.steps_per_epoch(data, self.batch_size)


def freeze_all_but_bn(net):
    """requires_grad off for every parameter that is not a norm layer's gamma or beta; returns net."""
    keep = {id(p) for layer in norm_layers(net).values() for p in layer.parameters()}
    for p in net.parameters():
        p.requires_grad_(id(p) in keep)
    return net


def gammas(net):
    """{slot: |gamma| per channel} of the norm layers."""
    return {slot: layer.gamma.detach().reshape(-1).abs() for slot, layer in norm_layers(net).items()}


def compute(data, s, ticker):
    nets = {"all parameters": build_lenet(LeNetSpec(), s.seed),
            "only gamma and beta": freeze_all_but_bn(build_lenet(LeNetSpec(), s.seed))}
    steppers = {k: stepper_for(m, data, s, s.lr, s.batch_size) for k, m in nets.items()}
    losses = {k: [] for k in nets}
    for _ in range(s.epochs * steppers["all parameters"].steps_per_epoch):
        for k, st in steppers.items():
            losses[k].append(st.step().loss)
            ticker.tick()
    table, curves, near = [], {}, {}
    for k, st in steppers.items():
        g = gammas(st.model)
        every = torch.cat(list(g.values()))
        near[k] = {slot: float((v < s.near_zero).float().mean()) for slot, v in g.items()}
        row = {"trained": k, "trainable parameters": count_parameters(st.model, True),
               "final test acc": st.epochs[-1].test_acc, "final train loss": st.epochs[-1].loss,
               f"channels with |gamma| < {s.near_zero:g}": float((every < s.near_zero).float().mean())}
        for slot, share in near[k].items():
            row[f"{slot}: |gamma| < {s.near_zero:g}"] = share
        table.append(row)
        x = list(range(1, len(losses[k]) + 1))
        curves[f"{k}: loss"] = {"x": x, "y": smooth(losses[k]), "panel": "training loss (10-step mean)"}
        curves[f"{k}: test acc"] = {"x": [e.epoch for e in st.epochs], "y": epochs_of(st),
                                    "panel": "test accuracy by epoch"}
    full, only = table
    summary = {"test": {r["trained"]: r["final test acc"] for r in table},
               "trainable": {r["trained"]: r["trainable parameters"] for r in table},
               "total parameters": count_parameters(nets["all parameters"]),
               "near zero": near, "near zero overall": {r["trained"]: r[f"channels with |gamma| < {s.near_zero:g}"]
                                                        for r in table},
               "threshold": s.near_zero, "epochs": s.epochs}
    return table, curves, summary


# The words of this card's table and figure (the result keeps the English ones; shown translated).
WORDS = ("card.common.loss_panel", "card.common.acc_panel", "axis.step", "card.common.final_acc",
         "card.common.final_loss", "card.bn-only.all", "card.bn-only.only", "card.bn-only.col.trained",
         "card.bn-only.col.trainable", "card.bn-only.col.near_zero", "card.bn-only.col.layer_near_zero",
         "card.bn-only.fig.share", "card.bn-only.fig.title", "card.common.layer")


def figure(result, lang="en"):
    line = curves_figure(result.curves, "", panels=["training loss (10-step mean)"])
    t = result.summary["threshold"]
    rows = [{"layer": slot, **{k: v[slot] for k, v in result.summary["near zero"].items()}}
            for slot in next(iter(result.summary["near zero"].values()))]
    bars = bars_figure(rows, "layer", list(result.summary["near zero"]), "")
    fig = combine(line, bars, titles=("training loss (10-step mean)", f"share of channels with |gamma| < {t:g}"))
    fig.update_layout(title="Training only BN's gamma and beta")
    return translated(fig, WORDS, lang)


def reading(result, lang="en"):
    s = result.summary
    full, only = "all parameters", "only gamma and beta"
    share = s["trainable"][only] / s["total parameters"]
    layers = s["near zero"][only]
    most = max(layers, key=layers.get)
    return text("card.bn-only.reading", lang, trainable=s["trainable"][only], total=s["total parameters"],
                share=share, acc_only=s["test"][only], epochs=s["epochs"], acc_full=s["test"][full],
                near_only=s["near zero overall"][only], threshold=s["threshold"], most=most,
                most_share=layers[most], near_full=s["near zero overall"][full])


def brief(result):
    s = result.summary
    only = "only gamma and beta"
    return (f"test acc {s['test'][only]:.3f} training {s['trainable'][only]} parameters vs "
            f"{s['test']['all parameters']:.3f} training all; |gamma| < {s['threshold']:g}: "
            f"{s['near zero overall'][only]:.1%} of channels")


CARD = Card(
    name="bn-only", title=text("card.bn-only.title"),
    question=text("card.bn-only.question"),
    source=text("card.bn-only.source"),
    settings_type=BnOnlySettings, budget_seconds=60,
    budget_note=text("card.bn-only.budget_note"),
    published=text("card.bn-only.published"),
    citation=text("card.bn-only.citation"),
    compute=compute, figure=figure, reading=reading, brief=brief,
    transfer=text("card.bn-only.transfer"), words=WORDS)
