"""Exercise 3: do we need BN in every layer?"""
from dataclasses import dataclass

from ..build import SLOTS, LeNetSpec, build_lenet
from ..card import Card
from ...i18n import text
from ..plots import bars_figure, combine, curves_figure
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


def figure(result):
    line = curves_figure(result.curves, "", panels=["test accuracy by epoch"], x_title="epoch")
    bars = bars_figure(result.table, "BN in", ["mean test acc, 2nd half",
                                               "fluctuation (mean |change| per epoch)"], "")
    fig = combine(line, bars, titles=("test accuracy by epoch",
                                      "mean test accuracy (2nd half) and fluctuation"))
    fig.update_layout(title="Exercise 3: BN in which layers?")
    return fig


def reading(result):
    s = result.summary
    rank, mean = s["ranking"], s["mean 2nd half"]
    parts = [f"Over {s['epochs']} epochs of {s['images per epoch']:,} images, the best placement by mean "
             f"test accuracy over the second half was '{rank[0]}' ({mean[rank[0]]:.3f}), the worst "
             f"'{rank[-1]}' ({mean[rank[-1]]:.3f})."]
    if "all" in mean and "none" in mean:
        chance = " (still near chance: the sigmoid LeNet without BN starts slowly at lr 1)" \
            if mean["none"] < 0.2 else ""
        parts.append(f"BN everywhere gave {mean['all']:.3f} against {mean['none']:.3f} with no BN at "
                     f"all{chance}.")
    singles = [p for p in mean if p.endswith(" only") and p not in ("conv only", "linear only")]
    if singles:
        best_single = max(singles, key=lambda p: mean[p])
        parts.append(f"Of the single layers, BN after {best_single.replace(' only', '')} helped most "
                     f"({mean[best_single]:.3f}).")
    drop = s["largest drop"]
    jumpy = max(drop, key=lambda p: drop[p])
    if drop[jumpy] <= 0:
        parts.append("No placement's test accuracy fell from one epoch to the next in this run.")
    else:
        fell = [p for p in drop if drop[p] > 0.01]
        parts.append(f"The largest epoch-to-epoch fall in test accuracy was with '{jumpy}' "
                     f"({drop[jumpy]:.3f}); test accuracy fell by more than 0.01 at least once with "
                     f"{len(fell)} of {len(drop)} placements.")
        if s["layers"][jumpy] >= max(s["layers"].values()) - 1:
            parts.append("Falls like these come with BN: prediction mode uses moving statistics that "
                         "lag the changing weights (the chapter's own runs jump too).")
    return " ".join(parts)


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
    transfer=text("card.placement.transfer"))
