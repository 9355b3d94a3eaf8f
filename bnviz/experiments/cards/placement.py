"""Exercise 3: do we need BN in every layer?"""
from dataclasses import dataclass

from ..build import SLOTS, LeNetSpec, build_lenet
from ..card import Card
from ...i18n import from_english, text
from ..plots import bars_figure, combine, curves_figure, translated
from ..runs import epochs_of, fluctuation, stepper_for
from ..settings import CardSettings

PLACEMENTS = {  # name -> which of the four slots (conv 1, conv 2, linear 1, linear 2) hold BN
    "none": (False, False, False, False),
    "all": (True, True, True, True),
    "conv only": (True, True, False, False),
    "linear only": (False, False, True, True),
    **{f"{slot} only": tuple(i == j for j in range(4)) for i, slot in enumerate(SLOTS)},
}


@dataclass(frozen=True)
class PlacementSettings(CardSettings):
    """Every placement trained on the same batches from the same start, several short epochs."""
    placements: tuple = tuple(PLACEMENTS)
    epochs: int = 6  # epochs of the training subset: test accuracy after each
    lr: float = 1.0
    batch_size: int = 256
    train_images: int = 6400  # 25 steps per epoch
    test_images: int = 2000

    QUICK = {"placements": ("none", "all", "conv only", "linear only"), "epochs": 3,
             "train_images": 2560, "test_images": 1000}

    def work(self, data):
        return len(self.placements) * self.epochs * self.steps_per_epoch(data, self.batch_size)


def compute(data, s, ticker):
    unknown = [p for p in s.placements if p not in PLACEMENTS]
    if unknown:
        raise ValueError(f"unknown placements {unknown}; choose from {list(PLACEMENTS)}")
    table, curves = [], {}
    for name in s.placements:
        spec = LeNetSpec(norm="bn" if any(PLACEMENTS[name]) else "none", where=PLACEMENTS[name])
        st = stepper_for(build_lenet(spec, s.seed), data, s, s.lr, s.batch_size)
        for _ in range(s.epochs * st.steps_per_epoch):
            st.step()
            ticker.tick()
        accs = epochs_of(st)
        half = accs[len(accs) // 2:]
        table.append({"BN in": name, "BN layers": sum(PLACEMENTS[name]),
                      "final test acc": accs[-1], "best test acc": max(accs),
                      "mean test acc, 2nd half": sum(half) / len(half),
                      "fluctuation (mean |change| per epoch)": fluctuation(accs),
                      "largest drop": max([a - b for a, b in zip(accs, accs[1:])] + [0.0]),
                      "final train loss": st.epochs[-1].loss,
                      "test acc by epoch": " ".join(f"{a:.3f}" for a in accs)})
        curves[f"{name}: test acc"] = {"x": list(range(1, len(accs) + 1)), "y": accs,
                                       "panel": "test accuracy by epoch"}
    ranked = sorted(table, key=lambda r: -r["mean test acc, 2nd half"])
    summary = {"ranking": [r["BN in"] for r in ranked],
               "mean 2nd half": {r["BN in"]: r["mean test acc, 2nd half"] for r in table},
               "fluctuation": {r["BN in"]: r["fluctuation (mean |change| per epoch)"] for r in table},
               "largest drop": {r["BN in"]: r["largest drop"] for r in table},
               "layers": {r["BN in"]: r["BN layers"] for r in table},
               "epochs": s.epochs, "images per epoch": len(data.train_labels)}
    return table, curves, summary


# The words of this card's table and figure (the result keeps the English ones; shown translated).
WORDS = ("card.placement.col.where", "card.placement.col.layers", "card.common.final_acc", "card.placement.col.best",
         "card.placement.col.mean_half", "card.placement.col.fluctuation", "card.placement.col.drop",
         "card.common.final_loss", "card.common.acc_by_epoch", "card.placement.none", "card.placement.all",
         "card.placement.conv", "card.placement.linear", "card.placement.single", "card.common.acc_panel",
         "card.placement.fig.epoch", "card.placement.fig.bars", "card.placement.fig.title")


def figure(result, lang="en"):
    say = lambda words: from_english(words, WORDS, lang)  # noqa: E731
    line = curves_figure(result.curves, "", panels=["test accuracy by epoch"], x_title="epoch")
    bars = bars_figure([{**r, "BN in": say(r["BN in"])} for r in result.table], "BN in",
                       ["mean test acc, 2nd half", "fluctuation (mean |change| per epoch)"], "")
    fig = combine(line, bars, titles=("test accuracy by epoch",
                                      "mean test accuracy (2nd half) and fluctuation"))
    fig.update_layout(title="Exercise 3: BN in which layers?")
    return translated(fig, WORDS, lang)


def reading(result, lang="en"):
    say = lambda words: from_english(words, WORDS, lang)  # noqa: E731
    s = result.summary
    rank, mean = s["ranking"], s["mean 2nd half"]
    parts = [text("card.placement.reading.best", lang, epochs=s["epochs"], images=s["images per epoch"],
                  best=say(rank[0]), best_mean=mean[rank[0]], worst=say(rank[-1]), worst_mean=mean[rank[-1]])]
    if "all" in mean and "none" in mean:
        chance = text("card.placement.reading.chance", lang) if mean["none"] < 0.2 else ""
        parts.append(text("card.placement.reading.all_none", lang, all=mean["all"], none=mean["none"], chance=chance))
    singles = [p for p in mean if p.endswith(" only") and p not in ("conv only", "linear only")]
    if singles:
        best_single = max(singles, key=lambda p: mean[p])
        parts.append(text("card.placement.reading.single", lang, layer=best_single.replace(" only", ""),
                          mean=mean[best_single]))
    drop = s["largest drop"]
    jumpy = max(drop, key=lambda p: drop[p])
    if drop[jumpy] <= 0:
        parts.append(text("card.placement.reading.no_fall", lang))
    else:
        fell = [p for p in drop if drop[p] > 0.01]
        parts.append(text("card.placement.reading.fall", lang, jumpy=say(jumpy), drop=drop[jumpy], fell=len(fell),
                          placements=len(drop)))
        if s["layers"][jumpy] >= max(s["layers"].values()) - 1:
            parts.append(text("card.placement.reading.lag", lang))
    return (" " if lang == "en" else "").join(parts)


def brief(result):
    s = result.summary
    r = s["ranking"]
    return (f"best '{r[0]}' {s['mean 2nd half'][r[0]]:.3f}, worst '{r[-1]}' {s['mean 2nd half'][r[-1]]:.3f} "
            f"(mean test acc, 2nd half of {s['epochs']} epochs)")


CARD = Card(
    name="placement", title=text("card.placement.title"),
    question=text("card.placement.question"),
    source=text("card.placement.source"),
    settings_type=PlacementSettings, budget_seconds=60,
    budget_note=text("card.placement.budget_note"),
    published=text("card.placement.published"),
    citation=text("card.placement.citation"),
    compute=compute, figure=figure, reading=reading, brief=brief,
    transfer=text("card.placement.transfer"), words=WORDS)
