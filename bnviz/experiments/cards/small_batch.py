"""Small normalisation batches: BN on ghost batches vs GroupNorm and LayerNorm (Wu & He 2018)."""
from dataclasses import dataclass

from ..build import LeNetSpec, build_lenet
from ..card import Card
from ...i18n import text
from ..plots import PALETTE
from ..runs import stepper_for, train
from ..settings import CardSettings

import plotly.graph_objects as go

PUBLISHED_ERROR = {"BN": {32: 23.6, 2: 34.7}, "GN": 24.1}  # Wu & He 2018, ResNet-50 on ImageNet, top-1 %


@dataclass(frozen=True)
class SmallBatchSettings(CardSettings):
    """The gradient batch stays 256 (equal compute); BN normalises within slices of each size."""
    ghosts: tuple = (2, 4, 8, 16, 32, 256)  # normalisation batch sizes for BN
    steps: int = 150  # per run, on the full training set
    lr: float = 1.0  # for BN (the chapter's)
    lr_gn_ln: float = 0.3  # for GN and LN: best of 0.1 / 0.3 / 1 in a 150-step trial here (at 1
    #                        they reach only 0.34 to 0.39 test accuracy)
    batch_size: int = 256

    QUICK = {"ghosts": (2, 32, 256), "steps": 20, "test_images": 2000}

    def work(self, data):
        return (len(self.ghosts) + 2) * self.steps


def compute(data, s, ticker):
    table = []
    runs = [("BN", g, LeNetSpec(norm="ghost", ghost=g)) for g in s.ghosts]
    runs += [("GN", None, LeNetSpec(norm="group")), ("LN", None, LeNetSpec(norm="layer"))]
    for kind, ghost, spec in runs:
        lr = s.lr if kind == "BN" else s.lr_gn_ln
        st = stepper_for(build_lenet(spec, s.seed), data, s, lr, s.batch_size)
        out = train(st, s.steps, ticker)
        acc = st.evaluate() if out["diverged_at"] is None else float("nan")
        last = out["loss"][-20:]
        table.append({"norm": kind, "normalisation batch": ghost if ghost else "independent of the batch",
                      "lr": lr,
                      "test error %": 100 * (1 - acc), "test acc": acc,
                      "train loss (last 20 steps)": sum(last) / len(last)})
    bn = {r["normalisation batch"]: r["test error %"] for r in table if r["norm"] == "BN"}
    other = {r["norm"]: r["test error %"] for r in table if r["norm"] != "BN"}
    summary = {"BN error by batch": bn, "GN error": other["GN"], "LN error": other["LN"], "steps": s.steps}
    return table, {}, summary


# The words of this card's table (the result keeps the English ones; shown translated).
WORDS = ("card.small-batch.col.norm", "card.small-batch.col.batch", "card.small-batch.col.lr",
         "card.small-batch.col.error", "card.small-batch.col.acc", "card.small-batch.col.loss",
         "card.small-batch.independent", "card.small-batch.bn")


def figure(result, lang="en"):
    say = lambda key, **values: text(key, lang, **values)  # noqa: E731
    bn = [r for r in result.table if r["norm"] == "BN"]
    x = [r["normalisation batch"] for r in bn]
    fig = go.Figure(go.Scatter(x=x, y=[r["test error %"] for r in bn], mode="lines+markers",
                               name=say("card.small-batch.fig.bn_run"), line=dict(color=PALETTE[0])))
    for i, r in enumerate(r for r in result.table if r["norm"] != "BN"):
        fig.add_trace(go.Scatter(x=[min(x), max(x)], y=[r["test error %"]] * 2, mode="lines",
                                 name=say("card.small-batch.fig.run", norm=r["norm"]), line=dict(color=PALETTE[1 + i])))
    pub = PUBLISHED_ERROR
    fig.add_trace(go.Scatter(x=sorted(pub["BN"]), y=[pub["BN"][k] for k in sorted(pub["BN"])],
                             mode="markers", name=say("card.small-batch.fig.bn_published"),
                             marker=dict(symbol="x", size=12, color=PALETTE[0])))
    fig.add_trace(go.Scatter(x=sorted(pub["BN"]), y=[pub["GN"]] * 2, mode="lines", name=say("card.small-batch.fig.gn_published"),
                             line=dict(dash="dot", color=PALETTE[1])))
    fig.update_xaxes(type="log", title_text=say("card.small-batch.fig.x"), tickvals=x)
    fig.update_layout(title=say("card.small-batch.fig.title", batch=result.settings["batch_size"]),
                      yaxis_title=say("card.small-batch.col.error"), height=420, margin=dict(t=70, b=40))
    return fig


def reading(result, lang="en"):
    s = result.summary
    bn = s["BN error by batch"]
    small, large = min(bn), max(bn)
    parts = [text("card.small-batch.reading.main", lang, batch=result.settings["batch_size"], steps=s["steps"],
                  large=large, large_error=bn[large], small=small, small_error=bn[small],
                  change=bn[small] - bn[large], gn=s["GN error"], ln=s["LN error"])]
    pub = PUBLISHED_ERROR["BN"]
    tiny, big = min(pub), max(pub)
    if big in bn and tiny in bn:
        parts.append(text("card.small-batch.reading.published", lang, pub_big=pub[big], big=big, pub_tiny=pub[tiny],
                          tiny=tiny, pub_change=pub[tiny] - pub[big], big_error=bn[big], tiny_error=bn[tiny],
                          change=bn[tiny] - bn[big]))
    parts.append(text("card.small-batch.reading.mechanism", lang))
    return (" " if lang == "en" else "").join(parts)


def brief(result):
    s = result.summary
    bn = s["BN error by batch"]
    return (f"BN error {bn[max(bn)]:.1f}% at {max(bn)} -> {bn[min(bn)]:.1f}% at {min(bn)}; GN "
            f"{s['GN error']:.1f}%, LN {s['LN error']:.1f}%")


CARD = Card(
    name="small-batch", title=text("card.small-batch.title"),
    question=text("card.small-batch.question"),
    source=text("card.small-batch.source"),
    settings_type=SmallBatchSettings, budget_seconds=60,
    budget_note=text("card.small-batch.budget_note"),
    published=text("card.small-batch.published"),
    citation=text("card.small-batch.citation"),
    compute=compute, figure=figure, reading=reading, brief=brief,
    transfer=text("card.small-batch.transfer"), words=WORDS)
