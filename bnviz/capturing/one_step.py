"""The chapter's numbers of one BN step of one channel, read from its capture record: what the layer
normalised with, and its moving-statistics update redone beside what it stored (the app's *Inside
one step* panel and `bnviz.plots.inside_step` show them, each in its own words)."""
import math


def step_numbers(history, layer, channel, facts, row=-1):
    """The numbers of `channel` of `layer` at record `row` (newest: -1).

    Args:
        history: the History; facts: layers.layer_facts of the layer (eps, momentum in the
            chapter's convention or None for PyTorch's cumulative average, torch_layer).
    Returns:
        {"step", "n", "eps", "gamma", "beta", "batch_stats", "mean", "var", "std" (what it
        normalised with: the batch's, or the moving statistics in prediction mode), "batch_mean",
        "batch_var" (biased), "updated", "update"}; "update" is None when the moving statistics
        did not change, else {"momentum", "mean_before", "var_before", "new_var" (the variance
        averaged in: the unbiased one for nn.BatchNorm), "mean_after", "var_after" (recomputed;
        None for a cumulative average), "recorded_mean", "recorded_var"}.
    """
    last = lambda f: history.column(layer, f)[row]  # noqa: E731
    c = channel
    out = {"step": int(last("step")), "n": int(last("n")), "eps": float(facts["eps"]),
           "gamma": float(last("gamma")[c]), "beta": float(last("beta")[c]),
           "batch_stats": bool(last("batch_stats")), "updated": bool(last("updated")),
           "batch_mean": float(last("batch_mean")[c]), "batch_var": float(last("batch_var")[c])}
    if out["batch_stats"]:
        out["mean"], out["var"] = out["batch_mean"], out["batch_var"]
    else:  # prediction mode normalises with the moving statistics read before the pass
        out["mean"], out["var"] = float(last("moving_mean_before")[c]), float(last("moving_var_before")[c])
    out["std"] = math.sqrt(out["var"] + out["eps"])
    out["update"] = None
    if out["updated"]:
        m, n = facts["momentum"], out["n"]
        mean_before, var_before = float(last("moving_mean_before")[c]), float(last("moving_var_before")[c])
        new_var = out["batch_var"] * n / (n - 1) if facts["torch_layer"] else out["batch_var"]
        after = (None, None) if m is None else (m * mean_before + (1 - m) * out["batch_mean"],
                                                m * var_before + (1 - m) * new_var)
        out["update"] = {"momentum": m, "mean_before": mean_before, "var_before": var_before, "new_var": new_var,
                         "mean_after": after[0], "var_after": after[1],
                         "recorded_mean": float(last("moving_mean")[c]), "recorded_var": float(last("moving_var")[c])}
    return out
