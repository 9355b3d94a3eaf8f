"""Exercise 1: remove the bias of the conv/linear layer before each BN."""
from dataclasses import dataclass

from plotly.subplots import make_subplots
import plotly.graph_objects as go

from ..build import PRE_INDEX, NORM_INDEX, SLOTS, LeNetSpec, build_lenet, count_parameters
from ..card import Card
from ...i18n import from_english, text
from ..plots import PALETTE
from ..runs import smooth, stepper_for
from ..settings import CardSettings


@dataclass(frozen=True)
class BiasSettings(CardSettings):
    """Two LeNets, with and without the bias before each BN, same start and batches."""
    epochs: int = 2  # on the full training set: 2 x 235 steps per net
    lr: float = 1.0  # the chapter's
    batch_size: int = 256

    QUICK = {"train_images": 5120, "test_images": 2000, "epochs": 1}

    def work(self, data):
        return 2 * self.epochs * self.steps_per_epoch(data, self.batch_size)


def _biases(net):
    return [net[i].bias.detach().clone() for i in PRE_INDEX]


def compute(data, s, ticker):
    nets = {"with bias": build_lenet(LeNetSpec(bias=True), s.seed),
            "without bias": build_lenet(LeNetSpec(bias=False), s.seed)}
    with_bias = nets["with bias"]
    start_bias = _biases(with_bias)
    start_beta = [with_bias[i].beta.detach().clone() for i in NORM_INDEX]
    steppers = {k: stepper_for(m, data, s, s.lr, s.batch_size) for k, m in nets.items()}
    losses = {k: [] for k in nets}
    for _ in range(s.epochs * steppers["with bias"].steps_per_epoch):
        for k, st in steppers.items():
            losses[k].append(st.step().loss)
            ticker.tick()
    gap = [abs(a - b) for a, b in zip(losses["with bias"], losses["without bias"])]
    table = []
    for k, st in steppers.items():
        net = st.model
        table.append({"variant": k, "parameters": count_parameters(net),
                      "pre-BN biases": sum(net[i].bias.numel() for i in PRE_INDEX if net[i].bias is not None),
                      "test acc by epoch": " ".join(f"{e.test_acc:.3f}" for e in st.epochs),
                      "final test acc": st.epochs[-1].test_acc, "final train loss": st.epochs[-1].loss})
    layers = []
    without = steppers["without bias"].model
    t, m = steppers["with bias"].step_count, with_bias[NORM_INDEX[0]].momentum
    for slot, i, j, b0, beta0 in zip(SLOTS, PRE_INDEX, NORM_INDEX, start_bias, start_beta):
        b = with_bias[i].bias.detach()
        bn_w, bn_wo = with_bias[j], without[j]
        layers.append({
            "layer": slot, "biases": b.numel(),
            "max |bias change|": float((b - b0).abs().max()),
            "max |beta change|": float((bn_w.beta.detach() - beta0).abs().max()),
            # the net with bias carries the (unchanged) bias in its moving mean, which started at 0:
            # after t updates with momentum m it holds (1 - m^t) of it
            "max |moving mean difference - bias|": float((bn_w.moving_mean.reshape(-1) - bn_wo.moving_mean.reshape(-1)
                                                         - (1 - m ** t) * b.reshape(-1)).abs().max()),
            "mean |bias|": float(b.abs().mean())})
    x = list(range(1, len(gap) + 1))
    curves = {f"{k}: loss": {"x": x, "y": smooth(v), "panel": "training loss (10-step mean)"}
              for k, v in losses.items()}
    curves["|loss with - loss without|: gap"] = {"x": x, "y": [max(g, 1e-12) for g in gap],
                                                  "panel": "per-step loss gap"}
    summary = {"parameters": {r["variant"]: r["parameters"] for r in table},
               "final test acc": {r["variant"]: r["final test acc"] for r in table},
               "max loss gap": max(gap), "first loss gap above 1e-3":
                   next((i for i, g in enumerate(gap, 1) if g > 1e-3), None), "layers": layers}
    return table, curves, summary


# The words of this card's table and figure (the table keeps the English ones; bnviz.i18n.from_english
# shows them in another language).
WORDS = ("card.bias.col.variant", "card.bias.col.parameters", "card.bias.col.biases", "card.bias.col.acc_by_epoch",
         "card.bias.col.final_acc", "card.bias.col.final_loss", "card.bias.cell.with", "card.bias.cell.without")


def figure(result, lang="en"):
    say = lambda key: text(key, lang)  # noqa: E731
    fig = make_subplots(rows=1, cols=3, subplot_titles=(
        say("card.bias.fig.loss"), say("card.bias.fig.gap"), say("card.bias.fig.moved")))
    for i, (k, c) in enumerate((k, c) for k, c in result.curves.items() if k.endswith(": loss")):
        fig.add_trace(go.Scatter(x=c["x"], y=c["y"], name=from_english(k.split(":")[0], WORDS, lang),
                                 line=dict(color=PALETTE[i])), row=1, col=1)
    gap = result.curves["|loss with - loss without|: gap"]
    fig.add_trace(go.Scatter(x=gap["x"], y=gap["y"], name=say("card.bias.fig.loss_gap"), line=dict(color=PALETTE[2])),
                  row=1, col=2)
    layers = result.summary["layers"]
    for i, (key, name) in enumerate((("max |bias change|", "card.bias.fig.bias_change"),
                                     ("max |beta change|", "card.bias.fig.beta_change"))):
        fig.add_trace(go.Bar(x=[r["layer"] for r in layers], y=[max(r[key], 1e-12) for r in layers],
                             name=say(name), marker_color=PALETTE[3 + i]), row=1, col=3)
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_yaxes(type="log", row=1, col=3)
    fig.update_layout(title=say("card.bias.fig.title"), height=420, margin=dict(t=70, b=40))
    return fig


def reading(result, lang="en"):
    s = result.summary
    p, acc = s["parameters"], s["final test acc"]
    layers = s["layers"]
    dead = max(r["max |bias change|"] for r in layers)
    beta = min(r["max |beta change|"] for r in layers)
    absorbed = max(r["max |moving mean difference - bias|"] for r in layers)
    first = s["first loss gap above 1e-3"]
    together = (text("card.bias.together_never", lang) if first is None else
                text("card.bias.together_until", lang, first=first))
    return text("card.bias.reading", lang, without=p["without bias"], with_bias=p["with bias"],
                fewer=p["with bias"] - p["without bias"], acc_without=acc["without bias"],
                acc_with=acc["with bias"], together=together, dead=dead, beta=beta, absorbed=absorbed)


def brief(result):
    s = result.summary
    p, acc = s["parameters"], s["final test acc"]
    return (f"test acc {acc['without bias']:.3f} without bias vs {acc['with bias']:.3f} with; "
            f"{p['with bias'] - p['without bias']} fewer parameters; largest bias change "
            f"{max(r['max |bias change|'] for r in s['layers']):.1e}")


CARD = Card(
    name="bias", title=text("card.bias.title"),
    question=text("card.bias.question"),
    source=text("card.bias.source"),
    settings_type=BiasSettings, budget_seconds=60,
    budget_note=text("card.bias.budget_note"),
    published=text("card.bias.published"),
    citation=text("card.bias.citation"),
    compute=compute, figure=figure, reading=reading, brief=brief,
    transfer=text("card.bias.transfer"), words=WORDS)
