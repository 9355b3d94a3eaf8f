"""Rank 0's side of a gather: the ranks' blocks of records joined into one History with a rank
dimension, checked (every rank recorded the same steps, in order), plus the global statistics.

Layout of a distributed recording (format version 2; it loads with bnviz.load_recording and opens
in the single-run viewer as 4 x N ordinary layers):
- layer "rank{r}/{layer}": every field a single-run capture records, for replica r; for an
  nn.SyncBatchNorm layer also `normalised_mean` and `normalised_var`, what it normalised with;
- series "ddp/{layer}/step", "ddp/{layer}/batch_mean", ".../batch_var", ".../batch_var_unbiased",
  ".../n": the global batch statistics pooled exactly from the replicas' (stats.pool): what one
  BatchNorm over the whole global batch computes;
- series "step", "loss", "acc": the global batch's loss and accuracy; "ddp/loss": (ranks, steps);
- meta["distributed"]: world_size, backend, sync_bn, broadcast_buffers, per_rank_batch, ...
"""
import numpy as np

from ..capturing.history import History

from .stats import pool

RANK_LAYER = "rank{rank}/{layer}"


class RankMismatch(ValueError):
    """The ranks' records do not line up (different layers or steps): the job is not one DDP run."""


class Gathered:
    """Every rank's records received so far (rank 0 only), joined into a History on request."""

    def __init__(self, layer_facts):
        self.layer_facts = layer_facts
        self.blocks = []  # one list per gather: the ranks' payloads, by rank

    def add(self, received):
        """Add one gather's payloads (a list indexed by rank); RankMismatch if they disagree."""
        received = sorted(received, key=lambda p: p["rank"])
        first = received[0]
        for p in received[1:]:
            if list(p["columns"]) != list(first["columns"]):
                raise RankMismatch(f"rank {p['rank']} recorded layers {list(p['columns'])}, "
                                   f"rank 0 {list(first['columns'])}")
            for layer, cols in p["columns"].items():
                if not np.array_equal(cols["step"], first["columns"][layer]["step"]):
                    raise RankMismatch(f"rank {p['rank']} recorded steps {cols['step'].tolist()} of layer "
                                       f"{layer!r}, rank 0 {first['columns'][layer]['step'].tolist()}")
        if self.blocks:  # later gathers continue the steps of earlier ones
            for layer, cols in first["columns"].items():
                last = self.blocks[-1][0]["columns"].get(layer, {}).get("step")
                if last is not None and len(last) and len(cols["step"]) and cols["step"][0] < last[-1]:
                    raise RankMismatch(f"layer {layer!r}: a gather starts at step {cols['step'][0]}, "
                                       f"before the previous one ended ({last[-1]})")
        self.blocks.append(received)

    @property
    def world_size(self):
        return len(self.blocks[0]) if self.blocks else 0

    def columns(self, rank, layer):
        """{field: array} of one rank's layer over every gather, normalised_* joined in."""
        parts = [g[rank] for g in self.blocks if layer in g[rank]["columns"]]
        cols = {f: np.concatenate([p["columns"][layer][f] for p in parts])
                for f in parts[0]["columns"][layer]}
        norm = [p["normalised"][layer] for p in parts if p["normalised"].get(layer, {}).get("mean") is not None]
        if norm:
            steps = np.concatenate([np.asarray(n["step"]) for n in norm])
            if not np.array_equal(steps, cols["step"]):
                raise RankMismatch(f"rank {rank} layer {layer!r}: SyncBatchNorm records do not match "
                                   "the capture's passes")
            cols["normalised_mean"] = np.concatenate([n["mean"] for n in norm])
            cols["normalised_var"] = np.concatenate([n["var"] for n in norm])
        return cols

    def history(self, describe):
        """The History of everything gathered so far (built anew; the blocks stay)."""
        h = History()
        layers = list(dict.fromkeys(l for g in self.blocks for l in g[0]["columns"]))  # in order of first record
        h.meta = {"layers": {}, "distributed": dict(describe, layers=layers, rank_layer=RANK_LAYER)}
        columns = {(r, layer): self.columns(r, layer) for r in range(self.world_size) for layer in layers}
        for (rank, layer), cols in columns.items():  # rank-major: rank0/1, rank0/5, ..., rank1/1, ...
            name = RANK_LAYER.format(rank=rank, layer=layer)
            last = [g[rank] for g in self.blocks if layer in g[rank]["columns"]][-1]
            h.load_columns(name, cols, last["ranges"][layer], last["bins"][layer])
            h.meta["layers"][name] = dict(self.layer_facts.get(layer, {}), rank=rank, layer=layer)
        for layer in layers:
            by_rank = [columns[r, layer] for r in range(self.world_size)]
            mean, var, var_unbiased, n = pool([c["batch_mean"] for c in by_rank], [c["batch_var"] for c in by_rank],
                                              [c["n"] for c in by_rank])
            h.series.update({f"ddp/{layer}/step": by_rank[0]["step"], f"ddp/{layer}/batch_mean": mean,
                             f"ddp/{layer}/batch_var": var, f"ddp/{layer}/batch_var_unbiased": var_unbiased,
                             f"ddp/{layer}/n": n[..., 0].astype(np.int64)})
        h.series.update(self.training_series())
        return h

    def training_series(self):
        """step, loss, acc of the global batch (equal shards: the mean of the replicas') and per rank."""
        logs = [{k: sum((g[r]["log"][k] for g in self.blocks), []) for k in ("step", "loss", "correct", "examples")}
                for r in range(self.world_size)]
        if not logs[0]["step"] or any(len(l["step"]) != len(logs[0]["step"]) for l in logs):
            return {}
        loss = np.array([l["loss"] for l in logs])  # (ranks, steps)
        out = {"step": np.asarray(logs[0]["step"], np.int64), "loss": loss.mean(axis=0), "ddp/loss": loss}
        if all(c is not None for l in logs for c in l["correct"]):
            correct = np.array([l["correct"] for l in logs]).sum(axis=0)
            examples = np.array([l["examples"] for l in logs]).sum(axis=0)
            out["acc"] = correct / examples
        else:  # the viewer reads step/loss/acc together
            out["acc"] = np.full(len(out["step"]), np.nan)
        return out
