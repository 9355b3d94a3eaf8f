"""The guided tour's eight stops: each a question, then a reveal with the run's own numbers.

The words are tour_texts.TEXTS, one dict per stop, with `{names}` filled from the numbers that
`numbers_*` here compute from a TourRun (tour.py): no number is typed in. `stop(run, n)` returns
one Stop, with its figure, table and the link to the same view in the free app (the lesson-link
format: `?page=live&...&panel=...&layer=...&channel=...&step=...`).
"""
import math
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlencode

import numpy as np

from ..figures.distributions import distributions_now
from ..figures.experiments import figure1_figure, precise_figure
from ..figures.statistics import gamma_beta, moving_convergence
from ..i18n import from_english, text
from .modes import MODE_CELLS, MODE_COLUMNS
from .tour import ema, per_channel, standardise
from .tour_texts import TEXTS

RULE_WORDS = ("tour.col.rule", "tour.rule.chapter", "tour.rule.torch")  # the trap table's own words
CLAIM_CARDS = ("smoothness", "lr-sweep", "small-batch", "momentum", "bn-only")


@dataclass
class Stop:
    """One stop, ready to draw: words, the computed answer, a figure, a table, a link."""
    number: int  # 1-based
    slug: str
    title: str
    question: str
    choices: list
    answer: int  # index of the right choice, computed from the run
    reveal: str
    figure: object = None  # a plotly Figure or None
    table: Optional[list] = None  # rows as dicts
    link: str = ""  # relative lesson link to the same view in the free app
    numbers: dict = field(default_factory=dict)


def count():
    """How many stops the tour has."""
    return len(TEXTS)


def stop(run, n, lang="en"):
    """Stop `n` (1-based) of the tour over `run`, its words (texts, figure, table) in `lang`."""
    if not 1 <= n <= len(TEXTS):
        raise ValueError(f"the tour has stops 1 to {len(TEXTS)}, not {n}")
    texts = TEXTS[n - 1]
    nums, answer, figure, table, view = BUILDERS[texts["slug"]](run, lang)
    question = texts["question_no_dip"] if nums.get("no_dip") else texts["question"]
    return Stop(number=n, slug=texts["slug"], title=text(texts["title"], lang), question=text(question, lang, **nums),
                choices=[text(c, lang, **nums) for c in texts["choices"]], answer=answer,
                reveal=text(texts["reveal"], lang, **nums), figure=figure, table=table,
                link=lesson_link(run.settings, **view), numbers=nums)


def lesson_link(settings, page="live", **view):
    """A relative link in the agreed lesson-link format for the tour's settings and a view."""
    fields = {"page": page, "norm": "custom", "lr": settings.lr, "batch_size": settings.batch_size,
              "momentum": settings.momentum, "eps": settings.eps, "seed": settings.seed}
    fields.update({k: v for k, v in view.items() if v is not None})
    return "?" + urlencode({k: str(v) for k, v in fields.items()})


def _pcts(p):
    return "(" + ", ".join(f"{v:.3f}" for v in p) + ")"


def bn_before_sigmoid(run, sigmoid):
    """The BN layer feeding sigmoid #`sigmoid` (each BN layer of the LeNet feeds one sigmoid)."""
    return list(run.layer_facts)[sigmoid]


def numbers_drift(run, lang="en"):
    d, s = run.drift, run.settings
    med = {k: d.pct[k][:, 1] for k in d.pct}
    ranges = {k: float(v.max() - v.min()) for k, v in med.items()}
    ratio = ranges["no BN"] / max(ranges["BN"], 1e-12)
    layer = bn_before_sigmoid(run, s.sigmoid)
    nums = {"steps": len(d.steps), "sigmoid": s.sigmoid % len(run.layer_facts), "layer": layer,
            "range_plain": ranges["no BN"], "range_bn": ranges["BN"], "ratio": ratio,
            "first_plain": _pcts(d.pct["no BN"][0]), "last_plain": _pcts(d.pct["no BN"][-1]),
            "first_bn": _pcts(d.pct["BN"][0]), "last_bn": _pcts(d.pct["BN"][-1]),
            "acc_plain": d.acc["no BN"][-1], "acc_bn": d.acc["BN"][-1], "lr": s.lr,
            "step_plain": float(np.abs(np.diff(med["no BN"])).mean()),
            "step_bn": float(np.abs(np.diff(med["BN"])).mean())}
    nums["step_ratio"] = nums["step_plain"] / max(nums["step_bn"], 1e-12)
    answer = 0 if ratio > 1.25 else 1 if ratio < 0.8 else 2
    return nums, answer, figure1_figure(d, lang=lang), None, {"panel": "over-time", "layer": layer, "channel": 0,
                                                     "step": len(d.steps)}


def numbers_one_step(run, lang="en"):
    h, L, c = run.history, run.settings.layer, run.settings.channel
    col = lambda f: h.column(L, f)[-1]
    step, n = int(col("step")), int(col("n"))
    mu, var, eps = float(col("batch_mean")[c]), float(col("batch_var")[c]), run.layer_facts[L]["eps"]
    gamma, beta, m = float(col("gamma")[c]), float(col("beta")[c]), run.layer_facts[L]["momentum"]
    std = math.sqrt(var + eps)
    raw = run.raw[L]
    # Distinct values only: a convolution over blank background outputs exactly its bias, so
    # several of the sampled positions often hold the very same x.
    _, first = np.unique(raw["x"][c], return_index=True)
    keep = np.sort(first)
    xs, x_hats, ys = raw["x"][c][keep], raw["x_hat"][c][keep], raw["y"][c][keep]
    pick = int(np.abs(xs - mu).argmax())  # the value the most changed by the normalisation
    x = float(xs[pick])
    x_hat = (x - mu) / std
    wrong = [(x - mu) / (var + eps), x - mu]
    values = sorted([x_hat] + wrong)
    col_layer, col_output = text("tour.col.x_hat_layer", lang), text("tour.col.y_layer", lang)
    table = [{"x": f"{float(a):.5f}", "x̂ = (x − μ)/√(σ² + ε)": f"{(float(a) - mu) / std:.5f}",
              col_layer: f"{float(b):.5f}",
              "y = γ·x̂ + β": f"{gamma * (float(a) - mu) / std + beta:.5f}",
              col_output: f"{float(d):.5f}"}
             for a, b, d in zip(xs[:4], x_hats[:4], ys[:4])]
    mm0 = float(col("moving_mean_before")[c])
    nums = {"step": step, "channel": c, "layer": L, "mu": mu, "var": var, "n": n, "eps": eps, "x": x,
            "diff": x - mu, "std": std, "x_hat": x_hat, "gamma": gamma, "beta": beta,
            "y": gamma * x_hat + beta, "y_layer": float(ys[pick]), "m": m, "one_minus_m": 1 - m, "mm0": mm0,
            "mm1": m * mm0 + (1 - m) * mu, "mm_layer": float(col("moving_mean")[c]),
            **{f"c{i}": v for i, v in enumerate(values)}}
    return nums, values.index(x_hat), None, table, {"panel": "inside-one-step", "layer": L, "channel": c,
                                                    "step": step}


def numbers_standardised(run, lang="en"):
    s, L = run.settings, run.settings.layer
    step, X = run.last_input[L]
    eps = run.layer_facts[L]["eps"]
    mean, var = per_channel(X)
    x_mean, x_var = per_channel(standardise(X, eps))
    expected = var / (var + eps)
    C = X.shape[1]
    col = {key.split(".")[-1]: text(key, lang) for key in ("tour.col.channel", "tour.col.input_mean", "tour.col.input_var", "tour.col.x_hat_mean", "tour.col.x_hat_var")}
    table = [{col["channel"]: k, col["input_mean"]: f"{mean[k]:.5f}", col["input_var"]: f"{var[k]:.5f}",
              col["x_hat_mean"]: f"{x_mean[k]:.2e}", col["x_hat_var"]: f"{x_var[k]:.6f}",
              "σ²/(σ² + ε)": f"{expected[k]:.6f}"} for k in range(C)]
    nums = {"step": step, "layer": L, "C": C, "mean_lo": mean.min(), "mean_hi": mean.max(), "var_lo": var.min(),
            "var_hi": var.max(), "values": X.size // C, "max_abs_mean": float(np.abs(x_mean).max()),
            "xvar_lo": x_var.min(), "xvar_hi": x_var.max(), "max_var_gap": float(np.abs(x_var - expected).max())}
    standardised = nums["max_abs_mean"] < 1e-3 and nums["max_var_gap"] < 1e-3
    figure = distributions_now(run.history, L, step, run.layer_facts[L]["activation"] or "sigmoid", lang=lang)
    return nums, 0 if standardised else 2, figure, table, {"panel": "distributions-now", "layer": L,
                                                           "channel": s.channel, "step": step}


def numbers_gamma_beta(run, lang="en"):
    h, L, c = run.history, run.settings.layer, run.settings.channel
    gamma, beta = h.column(L, "gamma"), h.column(L, "beta")
    last = -1
    far = int(np.abs(gamma[last] - 1).argmax())
    var, mu = float(h.column(L, "batch_var")[last, c]), float(h.column(L, "batch_mean")[last, c])
    nums = {"steps": int(h.column(L, "step")[last]), "channel": c, "layer": L, "C": gamma.shape[1],
            "gamma0": float(gamma[0, c]), "gamma1": float(gamma[last, c]), "beta0": float(beta[0, c]),
            "beta1": float(beta[last, c]), "gamma_lo": gamma[last].min(), "gamma_hi": gamma[last].max(),
            "beta_lo": beta[last].min(), "beta_hi": beta[last].max(), "far": far,
            "undo_gamma": math.sqrt(var + run.layer_facts[L]["eps"]), "undo_beta": mu}
    figure = gamma_beta(h, L, range(gamma.shape[1]), lang=lang)
    return nums, 0 if nums["gamma1"] > 1 else 1, figure, None, {"panel": "gamma-beta", "layer": L, "channel": c,
                                                                "step": nums["steps"]}


def numbers_moving_mean(run, lang="en"):
    h, L, c = run.history, run.settings.layer, run.settings.channel
    m, tol = run.layer_facts[L]["momentum"], run.settings.tolerance
    k_star = math.ceil(math.log(tol) / math.log(m))
    mean_age = 1 / (1 - m)
    others = [round(mean_age), 10 * round(mean_age), k_star + 2 * round(mean_age)]  # plausible slips
    choices = sorted(list(dict.fromkeys(k for k in others if k != k_star))[:2] + [k_star])
    steps, moving, batch = h.column(L, "step"), h.column(L, "moving_mean")[:, c], h.column(L, "batch_mean")[:, c]
    k = min(k_star, int(steps[-1]))
    i = h.row_at(L, k)
    recomputed = ema(batch[:i + 1].astype(np.float64), m)
    first = run.epochs[0]
    j = h.row_at(L, first["end_step"])
    nums = {"m": m, "one_minus_m": 1 - m, "tol": tol, "k_star": k_star, "start_weight": m ** k_star,
            "mean_age": mean_age, "k_run": int(steps[i]), "channel": c, "layer": L, "moving_k": float(moving[i]),
            "ema_k": float(recomputed[-1]), "e1_step": first["end_step"], "moving_e1": float(moving[j]),
            "precise_e1": float(first["precise_mean"][L][c]),
            "gap_e1": float(moving[j] - first["precise_mean"][L][c]),
            **{f"c{n}": v for n, v in enumerate(choices)}}
    ends = [r["end_step"] for r in run.epochs]
    figure = moving_convergence(h, L, c, np.array(ends), np.stack([r["precise_mean"][L] for r in run.epochs]),
                                np.stack([r["precise_var"][L] for r in run.epochs]), lang=lang)
    return nums, choices.index(k_star), figure, None, {"panel": "moving-mean", "layer": L, "channel": c,
                                                       "step": k_star}


def numbers_train_eval(run, lang="en"):
    t = run.trap
    shift = np.abs(t["mean_after"] - t["mean_before"])
    k = int(shift.argmax())
    row = next(r for r in t["matrix"] if r["rule"].startswith("the chapter") and r["module"] == "eval()"
               and r["gradients"] == "on")
    nums = {"test_images": t["test_images"], "no_grad_acc": t["no_grad_acc"], "eval_alone_acc": t["eval_alone_acc"],
            "acc_gap": t["eval_alone_acc"] - t["no_grad_acc"], "torch_rule_acc": t["torch_rule_acc"],
            "layer": t["layer"], "max_shift": float(shift[k]), "shift_channel": k,
            "shift_before": float(t["mean_before"][k]), "shift_after": float(t["mean_after"][k])}
    answer = 1 if row["normalises with"] == "batch statistics" else 0
    table = [{from_english(k, MODE_COLUMNS + RULE_WORDS, lang): from_english(v, MODE_CELLS + RULE_WORDS, lang)
              for k, v in r.items()}
             for r in t["matrix"]]
    return nums, answer, None, table, {"page": "experiments"}


def dip_epoch(epochs):
    """(index of the epoch whose test accuracy fell most from the one before, True), or, when it
    never fell, (index of the epoch where precise statistics gained most, False)."""
    drops = [(epochs[i - 1]["test acc"] - epochs[i]["test acc"], i) for i in range(1, len(epochs))]
    drop, i = max(drops, default=(0.0, 0))
    if drop > 0:
        return i, True
    gains = [(e["precise test acc"] - e["test acc"], i) for i, e in enumerate(epochs)]
    return max(gains)[1], False


def numbers_precise(run, lang="en"):
    h, L, c = run.history, run.settings.layer, run.settings.channel
    i, dipped = dip_epoch(run.epochs)
    e = run.epochs[i]
    gaps = {}
    for layer in run.layer_facts:
        moving = h.column(layer, "moving_mean")[h.row_at(layer, e["end_step"])]
        gaps[layer] = float((np.abs(moving - e["precise_mean"][layer])
                             / np.sqrt(e["precise_var"][layer] + run.layer_facts[layer]["eps"])).max())
    worst = max(gaps, key=gaps.get)
    diff = e["precise test acc"] - e["test acc"]
    nums = {"epoch": e["epoch"], "step": e["end_step"], "acc": e["test acc"], "no_dip": not dipped,
            "prev": run.epochs[i - 1]["test acc"] if dipped else e["test acc"], "precise": e["precise test acc"],
            "diff": diff, "channel": c, "layer": L,
            "moving_mean": float(h.column(L, "moving_mean")[h.row_at(L, e["end_step"]), c]),
            "precise_mean": float(e["precise_mean"][L][c]), "worst_gap": gaps[worst], "worst_layer": worst,
            "epochs": len(run.epochs),
            "mean_diff": float(np.mean([r["precise test acc"] - r["test acc"] for r in run.epochs]))}
    answer = 0 if diff >= 0.01 else 2 if diff <= -0.01 else 1
    records = [{"step": r["end_step"], "moving": r["test acc"], "precise": r["precise test acc"]} for r in run.epochs]
    col = {key.split(".")[-1]: text(key, lang) for key in ("tour.col.epoch", "tour.col.step", "tour.col.acc_moving", "tour.col.acc_precise", "tour.col.difference")}
    table = [{col["epoch"]: r["epoch"], col["step"]: r["end_step"], col["acc_moving"]: f"{r['test acc']:.3f}",
              col["acc_precise"]: f"{r['precise test acc']:.3f}",
              col["difference"]: f"{r['precise test acc'] - r['test acc']:+.3f}"} for r in run.epochs]
    return nums, answer, precise_figure(records, lang=lang), table, {"panel": "precise-statistics", "layer": L, "channel": c,
                                                          "step": e["end_step"]}


def numbers_claims(run, lang="en"):
    nums, _, figure, _, _ = numbers_drift(run, lang)
    col = {key.split(".")[-1]: text(key, lang) for key in ("tour.col.card", "tour.col.published", "tour.col.source")}
    table = [{col["card"]: name, col["published"]: text(f"card.{name}.published", lang),
              col["source"]: text(f"card.{name}.citation", lang)} for name in CLAIM_CARDS]
    return nums, 1, figure, table, {"page": "experiments"}


BUILDERS = {"drift": numbers_drift, "one-step": numbers_one_step, "standardised": numbers_standardised,
            "gamma-beta": numbers_gamma_beta, "moving-mean": numbers_moving_mean,
            "train-eval": numbers_train_eval, "precise": numbers_precise, "claims": numbers_claims}
