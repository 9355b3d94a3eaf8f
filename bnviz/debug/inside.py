"""'Step into' one BN step: the actual numbers of one channel, with the arithmetic written out.

Everything is read from the capture record of that step (what the layer really used and produced);
the arithmetic is redone here only to show it, next to the recorded result.
"""
import math


def inside_step(history, raw, layer, channel, facts, row=-1, k=4):
    """A dict of the chapter's quantities for `channel` of `layer` at record `row` (newest: -1).

    Args:
        history: the History; raw: raw values of that step (hooks.raw_at), or None.
        facts: layers.layer_facts of the layer (eps, momentum in the chapter's convention, torch_layer).
    Returns:
        {"step", "mode", "n", "mean", "var", "std", "rows": [x, x_hat, y, formulas],
         "update": [lines of the moving-statistics update], "checks": recorded vs recomputed}.
    """
    last = lambda f: history.column(layer, f)[row]
    eps, momentum, torch_layer = facts["eps"], facts["momentum"], facts["torch_layer"]
    c = channel
    step, n = int(last("step")), int(last("n"))
    gamma, beta = float(last("gamma")[c]), float(last("beta")[c])
    batch = bool(last("batch_stats"))
    if batch:
        mu, var = float(last("batch_mean")[c]), float(last("batch_var")[c])
        source = "this batch's mean and (biased) variance"
    else:
        mu, var = float(last("moving_mean_before")[c]), float(last("moving_var_before")[c])
        source = "the moving statistics (prediction mode)"
    std = math.sqrt(var + eps)
    out = {"step": step, "mode": source, "n": n, "mean": mu, "var": var, "eps": eps, "std": std,
           "gamma": gamma, "beta": beta, "rows": [], "update": [], "checks": []}
    if raw is not None:
        for x, x_hat, y in list(zip(raw["x"][c], raw["x_hat"][c], raw["y"][c]))[:k]:
            mine = (x - mu) / std
            out["rows"].append({
                "x": float(x), "x̂ = (x − μ) / √(σ² + ε)": f"({x:.4f} − {mu:.4f}) / {std:.4f} = {mine:.4f}",
                "y = γ·x̂ + β": f"{gamma:.4f} × {mine:.4f} + {beta:.4f} = {gamma * mine + beta:.4f}",
                "y the layer output": float(y)})
            out["checks"].append(abs(gamma * mine + beta - float(y)))
    if bool(last("updated")) and momentum is None:
        out["update"] = ["This nn.BatchNorm has momentum=None: a cumulative average, not an EMA."]
    elif bool(last("updated")):
        m = momentum
        mm0, mv0 = float(last("moving_mean_before")[c]), float(last("moving_var_before")[c])
        mean_b, var_b = float(last("batch_mean")[c]), float(last("batch_var")[c])
        new_var_src, label = ((var_b * n / (n - 1), "unbiased batch variance σ²·n/(n−1)") if torch_layer
                              else (var_b, "biased batch variance σ²"))
        mm1, mv1 = m * mm0 + (1 - m) * mean_b, m * mv0 + (1 - m) * new_var_src
        name_m, name_v = ("running_mean", "running_var") if torch_layer else ("moving_mean", "moving_var")
        out["update"] = [
            f"{name_m} = {m:g} × {mm0:.5f} + {1 - m:g} × {mean_b:.5f} = {mm1:.5f}"
            f"   (recorded: {float(last('moving_mean')[c]):.5f})",
            f"{name_v} = {m:g} × {mv0:.5f} + {1 - m:g} × {new_var_src:.5f} ({label}) = {mv1:.5f}"
            f"   (recorded: {float(last('moving_var')[c]):.5f})"]
        out["checks"] += [abs(mm1 - float(last("moving_mean")[c])), abs(mv1 - float(last("moving_var")[c]))]
    else:
        out["update"] = ["The moving statistics did not change in this pass (prediction mode)."]
    return out
