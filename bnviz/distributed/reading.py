"""Reading a distributed recording: its facts, and (ranks, steps, C) stacks of any per-channel field.

    h = bnviz.load_recording("runs/ddp.bnviz")
    if is_distributed(h):
        means = stacked(h, "1", "batch_mean")           # (ranks, steps, C): each replica's own
        steps, glob = global_stats(h, "1")["step"], global_stats(h, "1")["batch_mean"]  # (steps, C)
        gap = drift(h, "1", "moving_mean")               # (steps, C): max - min over the replicas
"""
import numpy as np

from .merge import RANK_LAYER


def is_distributed(history):
    """True for a recording gathered from a DDP job (it has meta["distributed"])."""
    return isinstance(history.meta.get("distributed"), dict)


def ddp_info(history):
    """meta["distributed"]: world_size, backend, sync_bn, broadcast_buffers, per_rank_batch, layers, ..."""
    if not is_distributed(history):
        raise ValueError("not a distributed recording (no meta['distributed']); "
                         "it was not gathered from a DDP job by bnviz.distributed")
    return history.meta["distributed"]


def layers(history):
    """The model's BN layer names (without the rank prefix), in order."""
    return list(ddp_info(history)["layers"])


def rank_layer(rank, layer):
    """The recording's name of `layer` as replica `rank` recorded it ("rank1/5")."""
    return RANK_LAYER.format(rank=rank, layer=layer)


def steps(history, layer):
    """The recorded steps of `layer` (the same on every rank)."""
    return history.column(rank_layer(0, layer), "step")


def stacked(history, layer, field):
    """(ranks, steps, ...) of `field` of `layer`: one slice per replica."""
    info = ddp_info(history)
    return np.stack([history.column(rank_layer(r, layer), field) for r in range(info["world_size"])])


def global_stats(history, layer):
    """{step, batch_mean, batch_var, batch_var_unbiased, n} of the global batch (pooled exactly)."""
    ddp_info(history)
    s = history.series
    return {k: s[f"ddp/{layer}/{k}"] for k in ("step", "batch_mean", "batch_var", "batch_var_unbiased", "n")}


def drift(history, layer, field="moving_mean"):
    """(steps, C): how far apart the replicas' `field` is, max - min over the ranks, per step and channel."""
    values = stacked(history, layer, field)
    return values.max(axis=0) - values.min(axis=0)


def sync_gap(history, layer):
    """(steps, C) largest |normalised_mean - global mean| over the replicas, and the same for the
    variance, for an nn.SyncBatchNorm layer (None, None for a layer that records no normalised_*)."""
    if "normalised_mean" not in history.fields(rank_layer(0, layer)):
        return None, None
    g = global_stats(history, layer)
    mean_gap = np.abs(stacked(history, layer, "normalised_mean") - g["batch_mean"]).max(axis=0)
    var_gap = np.abs(stacked(history, layer, "normalised_var") - g["batch_var"]).max(axis=0)
    return mean_gap, var_gap


def describe(history):
    """One line for a reader: replicas, backend, batch split, which BN, broadcast_buffers."""
    info = ddp_info(history)
    bb = {True: "on", False: "off"}.get(info.get("broadcast_buffers"), "not recorded")
    return (f"{info['world_size']} replicas ({info.get('backend', '?')}, {info.get('device', '?')}): global batch "
            f"{info.get('global_batch', '?')} = {info['world_size']} x {info.get('per_rank_batch', '?')}; "
            f"{'nn.SyncBatchNorm (global statistics)' if info.get('sync_bn') else 'nn.BatchNorm per replica'}; "
            f"broadcast_buffers {bb}" + ("" if info.get("complete", True) else "; INCOMPLETE: the job failed after this"))
