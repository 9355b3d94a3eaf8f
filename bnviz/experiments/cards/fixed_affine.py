"""Exercise 5: fix gamma = 1 and beta = 0."""
from dataclasses import dataclass

import torch
from torch import nn

from ..build import LeNetSpec, affine_params, build_lenet, count_parameters, norm_layers
from ..card import Card
from ...i18n import text
from ..plots import bars_figure, combine, curves_figure
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


def figure(result):
    line = curves_figure(result.curves, "", panels=["training loss (10-step mean)"])
    bars = bars_figure(result.table, "variant", ["final test acc", "sigmoid inputs beyond |2|"], "")
    fig = combine(line, bars, titles=("training loss (10-step mean)",
                                      "test accuracy; share of sigmoid inputs beyond |2|"))
    fig.update_layout(title="Exercise 5: gamma and beta fixed")
    return fig


def reading(result):
    s = result.summary
    a, b = "learned gamma, beta", "gamma = 1, beta = 0 fixed"
    t, sat = s["test"], s["saturated"]
    return (f"With gamma and beta learned the LeNet reached test accuracy {t[a]:.3f} (train loss "
            f"{s['loss'][a]:.3f}); with gamma = 1 and beta = 0 fixed, {t[b]:.3f} (loss {s['loss'][b]:.3f}). "
            f"Fixed, each sigmoid's input is normalised to mean 0 and variance 1 per channel in "
            f"training (in prediction mode, on test images, its std per layer was {s['std'][b]}), so "
            f"{sat[b]:.1%} of them lie beyond |2|, where the sigmoid bends; learned, the layers moved "
            f"to gamma {s['gamma learned']} (mean [min, max]) and mean |beta| "
            f"{s['mean |beta| learned']:.2f}, with input std {s['std'][a]} and {sat[a]:.1%} beyond |2|. "
            f"gamma and beta give back what "
            f"normalisation takes away — the scale and offset each unit's nonlinearity works at — "
            f"which is {'worth' if t[a] > t[b] else 'not worth'} "
            f"{abs(t[a] - t[b]):.3f} of test accuracy in this run.")


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
    transfer=text("card.fixed-affine.transfer"))
