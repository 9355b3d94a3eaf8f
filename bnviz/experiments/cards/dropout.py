"""Exercise 4: can BN replace dropout?"""
from dataclasses import dataclass

import torch

from ..build import LeNetSpec, build_lenet
from ..card import Card
from ...i18n import from_english, text
from ..plots import bars_figure, combine, curves_figure, translated
from ..runs import epochs_of, stepper_for
from ..settings import CardSettings

VARIANTS = {  # name -> (norm, dropout)
    "BN": ("bn", 0.0),
    "dropout": ("none", 0.5),
    "BN + dropout": ("bn", 0.5),
    "neither": ("none", 0.0),
}


@dataclass(frozen=True)
class DropoutSettings(CardSettings):
    """BN, dropout (after the two hidden linear layers), both, neither; same start and batches."""
    dropout: float = 0.5  # the dropout chapter's rate after a hidden layer
    epochs: int = 5
    lr: float = 1.0
    batch_size: int = 256
    train_images: int = 15360  # 60 steps per epoch
    test_images: int = 5000
    gap_images: int = 5000  # training images evaluated in prediction mode, for the generalisation gap

    QUICK = {"epochs": 2, "train_images": 2560, "test_images": 1000, "gap_images": 1000}

    def work(self, data):
        return len(VARIANTS) * self.epochs * self.steps_per_epoch(data, self.batch_size)


def compute(data, s, ticker):
    table, curves = [], {}
    n = min(s.gap_images, len(data.train_labels))
    for name, (norm, p) in VARIANTS.items():
        spec = LeNetSpec(norm=norm, dropout=s.dropout if p else 0.0)
        st = stepper_for(build_lenet(spec, s.seed), data, s, s.lr, s.batch_size)
        cuda = [st.device.index or 0] if st.device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda):  # dropout draws from the global RNG: seed it here only
            torch.manual_seed(s.seed)
            for _ in range(s.epochs * st.steps_per_epoch):
                st.step()
                ticker.tick()
        test = epochs_of(st)
        train_acc = st.evaluate(data.train_images[:n], data.train_labels[:n])
        table.append({"variant": name, "BN": norm == "bn", "dropout": spec.dropout,
                      "final test acc": test[-1], "train acc (prediction mode)": train_acc,
                      "gap (train - test)": train_acc - test[-1], "final train loss": st.epochs[-1].loss,
                      "test acc by epoch": " ".join(f"{a:.3f}" for a in test)})
        curves[f"{name}: test acc"] = {"x": list(range(1, len(test) + 1)), "y": test,
                                       "panel": "test accuracy by epoch"}
    summary = {r["variant"]: {"test": r["final test acc"], "gap": r["gap (train - test)"],
                              "loss": r["final train loss"]} for r in table}
    summary["epochs"], summary["images per epoch"] = s.epochs, len(data.train_labels)
    return table, curves, summary


# The words of this card's table and figure (the result keeps the English ones; shown translated).
WORDS = ("card.common.variant", "card.dropout.col.bn", "card.dropout.col.dropout", "card.common.final_acc",
         "card.dropout.col.train_acc", "card.dropout.col.gap", "card.common.final_loss", "card.common.acc_by_epoch",
         "card.dropout.both", "card.dropout.neither", "card.common.acc_panel", "card.dropout.fig.epoch",
         "card.dropout.fig.bars", "card.dropout.fig.title")


def figure(result, lang="en"):
    line = curves_figure(result.curves, "", panels=["test accuracy by epoch"], x_title="epoch")
    rows = [{**r, "variant": from_english(r["variant"], WORDS, lang)} for r in result.table]
    bars = bars_figure(rows, "variant", ["final test acc", "gap (train - test)"], "")
    fig = combine(line, bars, titles=("test accuracy by epoch", "final test accuracy and generalisation gap"))
    fig.update_layout(title="Exercise 4: BN vs dropout")
    return translated(fig, WORDS, lang)


def reading(result, lang="en"):
    s = result.summary
    bn, do, both, neither = s["BN"], s["dropout"], s["BN + dropout"], s["neither"]
    parts = [text("card.dropout.reading.after", lang, epochs=s["epochs"], images=s["images per epoch"],
                  bn=bn["test"], do=do["test"], both=both["test"], neither=neither["test"])]
    if do["test"] < 0.2 and bn["test"] > 0.5:
        parts.append(text("card.dropout.reading.optimisation", lang))
    parts.append(text("card.dropout.reading.gap", lang, bn_gap=bn["gap"], both_gap=both["gap"]))
    behind = bn["test"] - both["test"]
    if both["gap"] < bn["gap"] - 0.01:
        parts.append(text("card.dropout.reading.narrowed", lang, behind=behind))
    elif both["gap"] > bn["gap"] + 0.01:
        parts.append(text("card.dropout.reading.wider", lang, behind=behind))
    else:
        parts.append(text("card.dropout.reading.same", lang, behind=behind))
    return (" " if lang == "en" else "").join(parts)


def brief(result):
    s = result.summary
    return (f"test acc BN {s['BN']['test']:.3f}, dropout {s['dropout']['test']:.3f}, both "
            f"{s['BN + dropout']['test']:.3f}, neither {s['neither']['test']:.3f}; gap BN "
            f"{s['BN']['gap']:+.3f} vs both {s['BN + dropout']['gap']:+.3f}")


CARD = Card(
    name="dropout", title=text("card.dropout.title"),
    question=text("card.dropout.question"),
    source=text("card.dropout.source"),
    settings_type=DropoutSettings, budget_seconds=60,
    budget_note=text("card.dropout.budget_note"),
    published=text("card.dropout.published"),
    citation=text("card.dropout.citation"),
    compute=compute, figure=figure, reading=reading, brief=brief,
    transfer=text("card.dropout.transfer"), words=WORDS)
