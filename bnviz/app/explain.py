"""What a teacher would say beside each panel, in plain words (Markdown), in either language.

Every number in these texts is computed from the run's own settings (tests/test_explain.py
recomputes each one independently; tests/test_i18n.py checks the Chinese texts state the same
numbers). The words live in bnviz/i18n's catalogues. The chapter is the Batch Normalization
chapter of *Dive into Deep Learning*, Chinese edition (PyTorch): momentum 0.9 weights the old
value, lr 1.0, batch 256.
"""
import math

from ..capturing.summaries import SATURATED_SLOPE, SATURATION
from ..i18n import text

# The fixed texts, in English (the notebook's and the tests' default); the app asks text(key, lang).
EDITION = text("explain.edition")
OVER_TIME = text("explain.over_time")
CHANNEL_OVER_TIME = text("explain.channel_over_time")
TRAINING = text("explain.training")
INSIDE = text("explain.inside")
NO_BN = text("explain.no_bn")
MODES = text("explain.modes")
PRECISE = text("explain.precise")


def distributions(activation="sigmoid", lang="en"):
    """The words beside *Distributions now*."""
    limit = SATURATION.get(activation, SATURATION["sigmoid"])
    return text("explain.distributions", lang, activation=activation, limit=limit, slope=SATURATED_SLOPE)


def no_channel_histogram(raw_keep, lang="en"):
    """Why a per-channel histogram is missing."""
    return text("explain.no_channel_histogram", lang, raw_keep=raw_keep)


def moving_average(momentum, steps_done, torch_layer=False, lang="en"):
    """The theory of the moving average, with this run's real numbers (the layer's own momentum,
    in the chapter's convention: the weight of the old value; None: PyTorch's cumulative average)."""
    name = "running" if torch_layer else "moving"
    if momentum is None:
        return text("explain.moving.cumulative", lang, name=name, steps_done=steps_done,
                    k_now=max(steps_done, 1))
    m = momentum
    if torch_layer:
        rule = text("explain.moving.rule_torch", lang, p=1 - m)
    else:
        rule = text("explain.moving.rule_chapter", lang, m=m, q=1 - m)
    if m <= 0:
        return text("explain.moving.newest_only", lang, name=name, m=m, rule=rule)
    if m >= 1:
        return text("explain.moving.never", lang, name=name, m=m, rule=rule)
    facts = ema_facts(m, steps_done)
    return text("explain.moving.ema", lang, name=name, rule=rule, m=m, steps_done=steps_done,
                mean_age=facts["mean_age"], e_folding=facts["e_folding"], half_life=facts["half_life"],
                start_weight=facts["start_weight"])


def ema_facts(m, steps_done):
    """The numbers moving_average() states, for 0 < m < 1."""
    return {"mean_age": 1 / (1 - m), "e_folding": -1 / math.log(m), "half_life": math.log(2) / -math.log(m),
            "start_weight": m ** steps_done, "batches_worth": (1 + m) / (1 - m)}


def convergence_legend(batch_size, last_batch, momentum, torch_layer=False, lang="en"):
    """What the lines of the moving-mean chart are, and what the gap is made of."""
    var = text("explain.legend.var_torch" if torch_layer else "explain.legend.var_chapter", lang)
    last = text("explain.legend.last_batch", lang, last_batch=last_batch) if last_batch != batch_size else ""
    noise = ""
    if momentum is not None and 0 < momentum < 1:
        noise = text("explain.legend.noise", lang, m=momentum,
                     batches_worth=ema_facts(momentum, 0)["batches_worth"])
    return text("explain.legend", lang, batch_size=batch_size, last=last, var=var, noise=noise)


def gamma_beta(lang="en"):
    """The words beside *γ and β*."""
    return text("explain.gamma_beta", lang)


def figure1(eval_images, lang="en"):
    """The words beside the BN paper's Figure 1."""
    return text("explain.figure1", lang, eval_images=eval_images)


def twin(batch_size, conv_values, lang="en"):
    """The words beside the twin run (n per channel from the run's batch size)."""
    return text("explain.twin", lang, batch_size=batch_size, conv_values=conv_values, n=batch_size * conv_values)
