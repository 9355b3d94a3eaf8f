"""Momentum of the moving statistics: 0.9 (the chapter), 0.99 (Keras), cumulative (PyTorch
momentum=None), against precise statistics."""
from dataclasses import dataclass

from ..build import LeNetSpec, build_lenet
from ..card import Card
from ...i18n import from_english, text
from ..plots import bars_figure, combine, curves_figure, translated
from ..recompute import MovingRules, bn_layers, installed, precise_statistics
from ..runs import fluctuation, stepper_for, train
from ..settings import CardSettings

RULES = {"0.9 (the chapter)": 0.9, "0.99 (Keras' default)": 0.99,
         "cumulative (PyTorch momentum=None)": None}
PRECISE = "precise (recomputed)"


@dataclass(frozen=True)
class MomentumSettings(CardSettings):
    """One training run of the chapter's LeNet, its test accuracy checked under each rule."""
    epochs: int = 2  # of the full training set (470 steps)
    checks: int = 10  # test accuracy under each rule at this many evenly spaced steps
    precise_images: int = 10240  # training images the precise statistics are recomputed over
    lr: float = 1.0
    batch_size: int = 256
    test_images: int = 5000

    QUICK = {"epochs": 2, "checks": 4, "train_images": 5120, "precise_images": 2560, "test_images": 1000}

    def work(self, data):
        return self.epochs * self.steps_per_epoch(data, self.batch_size)


def compute(data, s, ticker):
    net = build_lenet(LeNetSpec(), s.seed)
    st = stepper_for(net, data, s, s.lr, s.batch_size)
    rules = MovingRules(st.model, RULES)
    steps = s.epochs * st.steps_per_epoch
    every = max(1, steps // s.checks)
    acc = {r: [] for r in list(RULES) + [PRECISE]}
    at = []
    images = data.train_images[:s.precise_images]

    def check(stepper):
        at.append(stepper.step_count)
        for r in RULES:
            with rules.installed(r):
                acc[r].append(stepper.evaluate())
        with installed(bn_layers(stepper.model), precise_statistics(stepper.model, images, s.batch_size)):
            acc[PRECISE].append(stepper.evaluate())

    try:
        train(st, steps, ticker, every=every, on_check=check)
    finally:
        rules.remove()
    table, curves = [], {}
    for r, values in acc.items():
        gaps = [p - v for p, v in zip(acc[PRECISE], values)]
        table.append({"statistics": r, "final test acc": values[-1], "mean test acc": sum(values) / len(values),
                      "worst test acc (after the first check)": min(values[1:] or values),
                      "fluctuation (mean |change| per check)": fluctuation(values),
                      "mean gap to precise": sum(gaps) / len(gaps),
                      "test acc by check": " ".join(f"{v:.3f}" for v in values)})
        curves[f"{r}: test acc"] = {"x": at, "y": values, "panel": "test accuracy"}
    summary = {"checks at steps": at, "rows": {row["statistics"]: row for row in table},
               "precise images": len(images)}
    return table, curves, summary


# The words of this card's table and figure (the result keeps the English ones; shown translated).
WORDS = ("card.momentum.rule.chapter", "card.momentum.rule.keras", "card.momentum.rule.cumulative",
         "card.momentum.rule.precise", "card.momentum.col.statistics", "card.common.final_acc", "card.momentum.col.mean",
         "card.momentum.col.worst", "card.momentum.col.fluctuation", "card.momentum.col.gap",
         "card.momentum.col.by_check", "card.momentum.fig.line", "card.momentum.fig.bars", "card.momentum.fig.title",
         "axis.step")


def figure(result, lang="en"):
    line = curves_figure(result.curves, "", panels=["test accuracy"])
    rows = [{**r, "statistics": from_english(r["statistics"], WORDS, lang)} for r in result.table]
    bars = bars_figure(rows, "statistics", ["mean test acc", "fluctuation (mean |change| per check)"], "")
    fig = combine(line, bars, titles=("test accuracy at each check", "mean and fluctuation"))
    fig.update_layout(title="Moving statistics: momentum 0.9, 0.99, cumulative, precise")
    return translated(fig, WORDS, lang)


def reading(result, lang="en"):
    s = result.summary
    rows = s["rows"]
    chapter, keras, cum = list(RULES)
    p = rows[PRECISE]
    best = max(RULES, key=lambda r: rows[r]["mean test acc"])
    at = s["checks at steps"]
    parts = [text("card.momentum.reading.over", lang, checks=len(at), first=at[0], last=at[-1],
                  chapter=rows[chapter]["mean test acc"], keras=rows[keras]["mean test acc"],
                  cumulative=rows[cum]["mean test acc"], precise=p["mean test acc"], images=s["precise images"])]
    parts.append(text("card.momentum.reading.best", lang, best=from_english(best, WORDS, lang),
                      gap=rows[best]["mean gap to precise"],
                      precise_fluctuation=p["fluctuation (mean |change| per check)"],
                      best_fluctuation=rows[best]["fluctuation (mean |change| per check)"]))
    if rows[cum]["mean test acc"] < rows[chapter]["mean test acc"]:
        worst = text("card.momentum.reading.lagged_most" if rows[cum]["mean test acc"] <= rows[keras]["mean test acc"]
                     else "card.momentum.reading.fell_behind", lang)
        parts.append(text("card.momentum.reading.cumulative", lang, worst=worst))
    if rows[keras]["mean test acc"] < rows[chapter]["mean test acc"]:
        t = at[-1]
        parts.append(text("card.momentum.reading.keras", lang, held=0.99 ** t, t=t, chapter_held=0.9 ** t))
    return (" " if lang == "en" else "").join(parts)


def brief(result):
    rows = result.summary["rows"]
    return "; ".join(f"{k.split(' (')[0]} {v['mean test acc']:.3f}" for k, v in rows.items()) + " (mean test acc)"


CARD = Card(
    name="momentum", title=text("card.momentum.title"),
    question=text("card.momentum.question"),
    source=text("card.momentum.source"),
    settings_type=MomentumSettings, budget_seconds=60,
    budget_note=text("card.momentum.budget_note"),
    published=text("card.momentum.published"),
    citation=text("card.momentum.citation"),
    compute=compute, figure=figure, reading=reading, brief=brief,
    transfer=text("card.momentum.transfer"), words=WORDS)
