"""Inside one BN step of one channel, as a pandas DataFrame: μ, σ², ε, x → x̂ → y, the moving update.

Every number is read from the capture record (what the layer used and stored); the arithmetic is
redone only to show it, with the recorded number beside it (the app's *Inside one step* panel).
"""
import pandas as pd

from ..capturing.one_step import step_numbers
from .source import check_channel, check_layer, check_step, history_of, raw_of

NAN = float("nan")


def _moving_rows(s, torch_layer):
    """The moving-statistics update, recomputed, beside what the layer stored."""
    u = s["update"]
    names = ("running_mean", "running_var") if torch_layer else ("moving_mean", "moving_var")
    if u["momentum"] is None:  # nn.BatchNorm(momentum=None): a cumulative average, not an EMA
        return [(names[0], "cumulative average (momentum=None)", NAN, u["recorded_mean"]),
                (names[1], "cumulative average (momentum=None)", NAN, u["recorded_var"])]
    m = u["momentum"]
    var_name = "σ²·n/(n−1)" if torch_layer else "σ²"  # nn.BatchNorm stores the unbiased one
    return [(names[0], f"{m:g} × {u['mean_before']:.5f} + {1 - m:g} × μ {s['batch_mean']:.5f} = {u['mean_after']:.5f}",
             u["mean_after"], u["recorded_mean"]),
            (names[1], f"{m:g} × {u['var_before']:.5f} + {1 - m:g} × {var_name} {u['new_var']:.5f} = {u['var_after']:.5f}",
             u["var_after"], u["recorded_var"])]


def inside_step(history, layer, channel=0, step=None, values=4):
    """The chapter's quantities of one channel at one step, one row each.

    Args:
        history: a History, a LiveRun or a capture (only the last two keep the real x values, for
            their newest steps).
        layer: a BN layer's name.
        channel: the channel.
        step: a recorded step (default: the newest).
        values: how many real values to carry through x → x̂ → y (when kept).
    Returns:
        A DataFrame with columns quantity, formula (the arithmetic with this step's numbers),
        value (recomputed here) and recorded (the capture's number: the layer's output y, its
        stored moving statistics, x̂ from the statistics it normalised with; NaN where there is
        nothing to compare).
    """
    h = history_of(history)
    layer = check_layer(h, layer)
    row = check_step(h, layer, step)
    c = check_channel(h, layer, channel)
    facts = h.meta["layers"][layer]
    s = step_numbers(h, layer, c, facts, row)
    step_no, n, eps, var, std = s["step"], s["n"], s["eps"], s["var"], s["std"]
    mu, gamma, beta = s["mean"], s["gamma"], s["beta"]
    whose = "this batch's" if s["batch_stats"] else "moving"
    rows = [("step", f"training step {step_no}, layer {layer}, channel {c}", step_no, NAN),
            ("n", "values per channel (N·H·W after a convolution, N after a linear layer)", n, NAN),
            ("μ", f"{whose} mean", mu, NAN),
            ("σ²", f"{whose} variance (biased: divided by n)", var, NAN),
            ("ε", "added to σ² before the square root", eps, NAN),
            ("√(σ² + ε)", f"√({var:.5f} + {eps:g}) = {std:.5f}", std, NAN),
            ("γ", "scale (learned)", gamma, NAN), ("β", "shift (learned)", beta, NAN)]
    raw = raw_of(history, layer, step_no)
    if raw is not None:
        for k, (x, y) in enumerate(list(zip(raw["x"][c], raw["y"][c]))[:values]):
            x_hat = (float(x) - mu) / std
            rows += [(f"x[{k}]", "a real input value of this channel", float(x), NAN),
                     (f"x̂[{k}]", f"({x:.4f} − {mu:.4f}) / {std:.4f} = {x_hat:.4f}", x_hat,
                      float(raw["x_hat"][c][k])),
                     (f"y[{k}]", f"{gamma:.4f} × {x_hat:.4f} + {beta:.4f} = {gamma * x_hat + beta:.4f}",
                      gamma * x_hat + beta, float(y))]
    if s["update"] is not None:
        rows += _moving_rows(s, facts["torch_layer"])
    return pd.DataFrame(rows, columns=["quantity", "formula", "value", "recorded"])
