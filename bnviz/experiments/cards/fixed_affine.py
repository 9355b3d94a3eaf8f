"""Exercise 5: fix gamma = 1 and beta = 0."""
from dataclasses import dataclass

import torch
from torch import nn

from ..build import LeNetSpec, affine_params, build_lenet, count_parameters, norm_layers
from ..card import Card
from ...i18n import from_english, text
from ..plots import bars_figure, combine, curves_figure, translated
from ..runs import epochs_of, smooth, stepper_for
from ..settings import CardSettings

SATURATED = 2.0  # |sigmoid input| beyond this: sigmoid' < 0.105, outside its near-linear range


@dataclass(frozen=True)
class FixedAffineSettings(CardSettings):
    """The chapter's LeNet with learned gamma/beta vs gamma = 1, beta = 0 frozen."""
    epochs: int = 2  # of the full training set: 2 x 235 steps per net
    lr: float = 1.0
    batch_size: int = 256
    probe_images: int = 1000  # test images whose sigmoid inputs are measured at the end

    QUICK = {"epochs": 1, "train_images": 5120, "test_images": 2000}

    def work(self, data):
        return 2 * self.epochs * self.steps_per_epoch(data, self.batch_size)


@torch.no_grad()
def sigmoid_inputs(model, images):
    """Share of |input| > SATURATED, and the input's std, of each hidden sigmoid, in prediction mode."""
    seen = []
    hooks = [m.register_forward_pre_hook(lambda mod, args: seen.append(args[0].detach()))
             for m in model.modules() if isinstance(m, nn.Sigmoid)]
    was = model.training
    model.eval()
    try:
        model(images.unsqueeze(1).float().div(255))
    finally:
        for h in hooks:
            h.remove()
        model.train(was)
    return [((x.abs() > SATURATED).float().mean().item(), x.std().item()) for x in seen]


def compute(data, s, ticker):
    steppers, losses = {}, {}
    for name, fixed in (("learned gamma, beta", False), ("gamma = 1, beta = 0 fixed", True)):
        net = build_lenet(LeNetSpec(fixed_affine=fixed), s.seed)
        steppers[name] = stepper_for(net, data, s, s.lr, s.batch_size)
        losses[name] = []
    for _ in range(s.epochs * next(iter(steppers.values())).steps_per_epoch):
        for name, st in steppers.items():
            losses[name].append(st.step().loss)
            ticker.tick()
    table, curves = [], {}
    probe = data.test_images[:s.probe_images]
    for name, st in steppers.items():
        sig = sigmoid_inputs(st.model, probe)
        gammas = torch.cat([g.detach().reshape(-1) for g, _ in affine_params(st.model)])
        betas = torch.cat([b.detach().reshape(-1) for _, b in affine_params(st.model)])
        table.append({"variant": name, "trainable parameters": count_parameters(st.model, True),
                      "final test acc": st.epochs[-1].test_acc, "final train loss": st.epochs[-1].loss,
                      "test acc by epoch": " ".join(f"{e.test_acc:.3f}" for e in st.epochs),
                      "gamma: mean, range": f"{gammas.mean():.2f} [{gammas.min():.2f}, {gammas.max():.2f}]",
                      "mean |beta|": float(betas.abs().mean()),
                      "sigmoid inputs beyond |2|": sum(v for v, _ in sig) / len(sig),
                      "sigmoid input std by layer": " ".join(f"{sd:.2f}" for _, sd in sig)})
        x = list(range(1, len(losses[name]) + 1))
        curves[f"{name}: loss"] = {"x": x, "y": smooth(losses[name]), "panel": "training loss (10-step mean)"}
        curves[f"{name}: test acc"] = {"x": [e.epoch for e in st.epochs], "y": epochs_of(st),
                                       "panel": "test accuracy by epoch"}
    learned, fixed = table
    summary = {"test": {r["variant"]: r["final test acc"] for r in table},
               "loss": {r["variant"]: r["final train loss"] for r in table},
               "saturated": {r["variant"]: r["sigmoid inputs beyond |2|"] for r in table},
               "std": {r["variant"]: r["sigmoid input std by layer"] for r in table},
               "mean |beta| learned": learned["mean |beta|"], "gamma learned": learned["gamma: mean, range"],
               "layers": list(norm_layers(steppers[learned["variant"]].model))}
    return table, curves, summary


# The words of this card's table and figure (the result keeps the English ones; shown translated).
WORDS = ("card.common.loss_panel", "card.common.acc_panel", "axis.step", "card.common.final_acc",
         "card.common.final_loss", "card.common.acc_by_epoch", "card.common.variant", "card.fixed-affine.learned",
         "card.fixed-affine.fixed", "card.fixed-affine.col.trainable", "card.fixed-affine.col.gamma",
         "card.fixed-affine.col.beta", "card.fixed-affine.col.beyond", "card.fixed-affine.col.std",
         "card.fixed-affine.fig.bars", "card.fixed-affine.fig.title")


def figure(result, lang="en"):
    line = curves_figure(result.curves, "", panels=["training loss (10-step mean)"])
    bars = bars_figure(result.table, "variant", ["final test acc", "sigmoid inputs beyond |2|"], "")
    fig = combine(line, bars, titles=("training loss (10-step mean)",
                                      "test accuracy; share of sigmoid inputs beyond |2|"))
    fig.update_layout(title="Exercise 5: gamma and beta fixed")
    fig = translated(fig, WORDS, lang)
    for trace in fig.data:  # the bars' categories are the variants
        if trace.type == "bar" and lang != "en":
            trace.x = [from_english(v, WORDS, lang) for v in trace.x]
    return fig


def reading(result, lang="en"):
    s = result.summary
    a, b = "learned gamma, beta", "gamma = 1, beta = 0 fixed"
    t, sat = s["test"], s["saturated"]
    return text("card.fixed-affine.reading", lang, acc_learned=t[a], loss_learned=s["loss"][a], acc_fixed=t[b],
                loss_fixed=s["loss"][b], std_fixed=s["std"][b], sat_fixed=sat[b], gamma=s["gamma learned"],
                beta=s["mean |beta| learned"], std_learned=s["std"][a], sat_learned=sat[a],
                worth=text("card.fixed-affine.worth" if t[a] > t[b] else "card.fixed-affine.not_worth", lang),
                gain=abs(t[a] - t[b]))


def brief(result):
    s = result.summary
    t = s["test"]
    return (f"test acc learned {t['learned gamma, beta']:.3f} vs fixed {t['gamma = 1, beta = 0 fixed']:.3f}; "
            f"sigmoid inputs beyond |2|: {s['saturated']['learned gamma, beta']:.1%} vs "
            f"{s['saturated']['gamma = 1, beta = 0 fixed']:.1%}")


CARD = Card(
    name="fixed-affine", title=text("card.fixed-affine.title"),
    question=text("card.fixed-affine.question"),
    source=text("card.fixed-affine.source"),
    settings_type=FixedAffineSettings, budget_seconds=60,
    budget_note=text("card.fixed-affine.budget_note"),
    published=text("card.fixed-affine.published"),
    citation=text("card.fixed-affine.citation"),
    compute=compute, figure=figure, reading=reading, brief=brief,
    transfer=text("card.fixed-affine.transfer"), words=WORDS)
