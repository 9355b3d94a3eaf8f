"""Figure builders for a distributed recording: each replica's batch statistics beside the global
batch's, how far the replicas' moving statistics drift apart, and (SyncBatchNorm) that every replica
normalised with the global statistics. Each returns a plotly Figure; none calls st.*."""
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import reading

RANK_COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#eeca3b", "#72b7b2", "#ff9da6")


def colour(rank):
    return RANK_COLOURS[rank % len(RANK_COLOURS)]


def replica_statistics(history, layer, channel):
    """Mean and (biased) variance of one channel over steps: each replica's own batch, the global batch
    (pooled exactly: what one BatchNorm over all B examples computes) and, with SyncBatchNorm, what
    each replica actually normalised with."""
    info = reading.ddp_info(history)
    steps, g = reading.steps(history, layer), reading.global_stats(history, layer)
    sync = "normalised_mean" in history.fields(reading.rank_layer(0, layer))
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=(f"batch mean of channel {channel}", f"batch variance (biased) of channel {channel}"))
    for row, field, norm_field in ((1, "batch_mean", "normalised_mean"), (2, "batch_var", "normalised_var")):
        values = reading.stacked(history, layer, field)  # (ranks, steps, C)
        for r in range(info["world_size"]):
            fig.add_trace(go.Scatter(x=steps, y=values[r, :, channel], mode="lines", legendgroup=f"r{r}",
                                     line=dict(color=colour(r), width=1), showlegend=row == 1,
                                     name=f"replica {r}: its own {info.get('per_rank_batch', '?')} examples"),
                          row=row, col=1)
            if sync:
                fig.add_trace(go.Scatter(x=steps, y=reading.stacked(history, layer, norm_field)[r, :, channel],
                                         mode="markers", marker=dict(color=colour(r), size=7, symbol="circle-open"),
                                         legendgroup=f"n{r}", showlegend=row == 1,
                                         name=f"replica {r} normalised with"), row=row, col=1)
        fig.add_trace(go.Scatter(x=steps, y=g[field][:, channel], mode="lines", line=dict(color="black", width=2.5),
                                 legendgroup="global", showlegend=row == 1,
                                 name=f"global batch ({info.get('global_batch', '?')} examples, pooled)"),
                      row=row, col=1)
    how = ("nn.SyncBatchNorm: every replica normalises with the global statistics" if info.get("sync_bn")
           else "nn.BatchNorm per replica: each normalises with its own shard's statistics (a ghost batch)")
    fig.update_layout(title=f"layer {layer}, {info['world_size']} replicas — {how}", height=620,
                      uirevision=f"ddp-stats-{layer}-{channel}", margin=dict(t=70, b=40),
                      legend=dict(orientation="h", y=-0.1))
    fig.update_xaxes(title_text="step", row=2, col=1)
    return fig


def replica_drift(history, layer, channel=None):
    """How far apart the replicas' moving statistics are (max − min over replicas), before and after
    each forward pass; one channel, or the largest over channels when channel is None."""
    info = reading.ddp_info(history)
    steps = reading.steps(history, layer)
    torch_layer = history.meta["layers"][reading.rank_layer(0, layer)].get("torch_layer", True)
    names = {"moving_mean": "running_mean" if torch_layer else "moving_mean",
             "moving_var": "running_var (unbiased)" if torch_layer else "moving_var"}
    pick = (lambda a: a.max(axis=1)) if channel is None else (lambda a: a[:, channel])
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=tuple(f"spread of {names[f]} over replicas" for f in names))
    for row, field in ((1, "moving_mean"), (2, "moving_var")):
        fig.add_trace(go.Scatter(x=steps, y=pick(reading.drift(history, layer, f"{field}_before")), mode="lines",
                                 line=dict(color="#bab0ac", dash="dot"), showlegend=row == 1, legendgroup="before",
                                 name="before the forward pass"), row=row, col=1)
        fig.add_trace(go.Scatter(x=steps, y=pick(reading.drift(history, layer, field)), mode="lines",
                                 line=dict(color="#e45756", width=2), showlegend=row == 1, legendgroup="after",
                                 name="after it (each replica's own update)"), row=row, col=1)
    bb = info.get("broadcast_buffers")
    said = ("broadcast_buffers ON: before each forward DDP copies rank 0's buffers to every replica, so the "
            "spread restarts from 0 each step" if bb else
            "broadcast_buffers OFF: each replica keeps its own running statistics, and they drift apart"
            if bb is False else "broadcast_buffers: not recorded")
    which = "largest over channels" if channel is None else f"channel {channel}"
    fig.update_layout(title=f"layer {layer} ({which}) — {said}", height=560, title_font_size=13,
                      uirevision=f"ddp-drift-{layer}-{channel}", margin=dict(t=70, b=40),
                      legend=dict(orientation="h", y=-0.12))
    fig.update_xaxes(title_text="step", row=2, col=1)
    return fig


def sync_check(history):
    """Per layer, the largest |what a replica normalised with − the global batch statistic| over
    replicas and channels, per step (log scale): float rounding only, for nn.SyncBatchNorm."""
    fig = go.Figure()
    for layer in reading.layers(history):
        mean_gap, var_gap = reading.sync_gap(history, layer)
        if mean_gap is None:
            continue
        steps = reading.steps(history, layer)
        fig.add_trace(go.Scatter(x=steps, y=np.maximum(mean_gap.max(axis=1), 1e-12), mode="lines+markers",
                                 name=f"layer {layer}: mean"))
        fig.add_trace(go.Scatter(x=steps, y=np.maximum(var_gap.max(axis=1), 1e-12), mode="lines+markers",
                                 line=dict(dash="dot"), name=f"layer {layer}: variance"))
    title = ("every replica normalised with the global batch's statistics (differences: float rounding)"
             if fig.data else "no nn.SyncBatchNorm layer in this recording: each replica used its own statistics")
    fig.update_layout(title=title, height=360, yaxis_type="log", yaxis_title="largest difference",
                      xaxis_title="step", uirevision="ddp-sync", margin=dict(t=60, b=40))
    return fig
