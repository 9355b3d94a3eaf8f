"""'Step into' one BN step: the actual numbers of one channel, with the arithmetic written out.

Everything is read from the capture record of that step (what the layer really used and produced,
capturing/one_step.py); the arithmetic is redone only to show it, next to the recorded result.
"""
from ..capturing.one_step import step_numbers


def inside_step(history, raw, layer, channel, facts, row=-1, k=4):
    """A dict of the chapter's quantities for `channel` of `layer` at record `row` (newest: -1).

    Args:
        history: the History; raw: raw values of that step (hooks.raw_at), or None.
        facts: layers.layer_facts of the layer (eps, momentum in the chapter's convention, torch_layer).
    Returns:
        {"step", "mode", "n", "mean", "var", "std", "rows": [x, x_hat, y, formulas],
         "update": [lines of the moving-statistics update], "checks": recorded vs recomputed}.
    """
    s = step_numbers(history, layer, channel, facts, row)
    c, mu, std, gamma, beta = channel, s["mean"], s["std"], s["gamma"], s["beta"]
    source = ("this batch's mean and (biased) variance" if s["batch_stats"]
              else "the moving statistics (prediction mode)")
    out = {"step": s["step"], "mode": source, "n": s["n"], "mean": mu, "var": s["var"], "eps": s["eps"],
           "std": std, "gamma": gamma, "beta": beta, "rows": [], "update": [], "checks": []}
    if raw is not None:
        for x, x_hat, y in list(zip(raw["x"][c], raw["x_hat"][c], raw["y"][c]))[:k]:
            mine = (x - mu) / std
            out["rows"].append({
                "x": float(x), "x̂ = (x − μ) / √(σ² + ε)": f"({x:.4f} − {mu:.4f}) / {std:.4f} = {mine:.4f}",
                "y = γ·x̂ + β": f"{gamma:.4f} × {mine:.4f} + {beta:.4f} = {gamma * mine + beta:.4f}",
                "y the layer output": float(y)})
            out["checks"].append(abs(gamma * mine + beta - float(y)))
    u = s["update"]
    if u is None:
        out["update"] = ["The moving statistics did not change in this pass (prediction mode)."]
    elif u["momentum"] is None:
        out["update"] = ["This nn.BatchNorm has momentum=None: a cumulative average, not an EMA."]
    else:
        m = u["momentum"]
        label = "unbiased batch variance σ²·n/(n−1)" if facts["torch_layer"] else "biased batch variance σ²"
        name_m, name_v = ("running_mean", "running_var") if facts["torch_layer"] else ("moving_mean", "moving_var")
        out["update"] = [
            f"{name_m} = {m:g} × {u['mean_before']:.5f} + {1 - m:g} × {s['batch_mean']:.5f} = {u['mean_after']:.5f}"
            f"   (recorded: {u['recorded_mean']:.5f})",
            f"{name_v} = {m:g} × {u['var_before']:.5f} + {1 - m:g} × {u['new_var']:.5f} ({label}) = {u['var_after']:.5f}"
            f"   (recorded: {u['recorded_var']:.5f})"]
        out["checks"] += [abs(u["mean_after"] - u["recorded_mean"]), abs(u["var_after"] - u["recorded_var"])]
    return out
