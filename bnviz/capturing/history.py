"""A bounded, columnar store of capture records, readable as tables.

Records arrive as small tensors on the training device; they are kept in a short pending list and
copied to the CPU in one batch (transfer.py): one device->host copy per `flush_every` records (64:
every 16 steps of the LeNet's four layers), never one per step. On CUDA that copy is asynchronous:
training goes on while it lands, and the records join the columns once it has; reading the history
waits for copies still on their way (the only synchronisation).
Each layer's columns are numpy arrays with one row per record. Past `max_records` rows a layer is
thinned: the first `keep_first` records always stay; of the later ones every `stride`-th is kept,
and the stride doubles each time the store fills, so the whole run stays visible at uniform
spacing. The newest record is always kept too (until a newer one arrives), for "now" panels.
"""
import numpy as np

from .counting import PERCENTILE_NAMES
from .summaries import CHANNEL_ROWS
from .transfer import split, to_host

SCALAR_FIELDS = ("step", "epoch", "training", "grad", "batch_stats", "updated", "n", "values_total",
                 "values_used", "pct_values", "saturated")


def columns_of(recs, stacked):
    """Columns from a list of (step, epoch, record, info) and their host copies (transfer.to_host)."""
    block = {"step": np.array([r[0] for r in recs], dtype=np.int64),
             "epoch": np.array([r[1] for r in recs], dtype=np.int64)}
    info = recs[0][3]
    for key in ("training", "grad", "batch_stats", "updated"):
        if key in info:
            block[key] = np.array([r[3][key] for r in recs], dtype=bool)
    for key in ("n", "values_total", "values_used", "pct_values"):
        if key in info:
            block[key] = np.array([r[3][key] for r in recs], dtype=np.int64)
    for field, stacked in stacked.items():
        if field == "channels":  # (rows, 9, C) -> nine (rows, C) columns
            block.update({name: np.ascontiguousarray(stacked[:, i]) for i, name in enumerate(CHANNEL_ROWS)})
        elif field == "hist":  # (rows, quantities, cells) -> one column per quantity
            for i, q in enumerate(info.get("quantities", ())):
                block[f"hist_{q}"] = np.rint(stacked[:, i]).astype(np.int32)  # histc counts in floats
        elif field == "pct":  # (rows, 2, 3) -> input and output percentiles
            block["input_pct"], block["output_pct"] = stacked[:, 0], stacked[:, 1]
        else:
            block[field] = stacked
    return block


class History:
    """Capture records per layer, bounded; read back with `column`, `table`, `channel_table`."""

    def __init__(self, max_records=4096, keep_first=256, flush_every=64):
        self.max_records, self.keep_first, self.flush_every = max_records, keep_first, flush_every
        self.columns = {}  # layer -> {field: np.ndarray (rows, ...)}
        self.rows = {}  # layer -> rows in use
        self.ranges = {}  # layer -> {quantity: (lo, hi)}
        self.bins = {}  # layer -> histogram bins inside the range
        self.meta = {}  # run description (config, data source, device, versions, layer facts)
        self.series = {}  # name -> 1-D array: per-step loss/accuracy, population statistics, ...
        self.thinned = {}  # layer -> how many times it was thinned
        self._pending = []  # (layer, step, epoch, rec) not yet on the CPU
        self._landing = []  # (host tensor, event, layout, records by layer): copies on their way
        self._count, self._stride, self._provisional = {}, {}, {}  # thinning state per layer

    # --- writing ---------------------------------------------------------------------------------
    def append(self, layer, step, epoch, rec, info=None, ranges=None):
        """Add one record for `layer`: `rec` tensors (see summaries.summarise), `info` plain values."""
        self._pending.append((layer, step, epoch, rec, info or {}))
        if ranges is not None:
            self.ranges[layer] = dict(ranges)
        if len(self._pending) >= self.flush_every:
            self.flush(wait=False)

    def flush(self, wait=True):
        """Copy pending records to the CPU, one stacked copy for all layers and fields.

        wait=False (while training) leaves a CUDA copy landing and only adds copies that have
        landed; wait=True (before any read) also waits for every copy still on its way.
        """
        if self._pending:
            by_layer = {}
            for layer, step, epoch, rec, info in self._pending:
                by_layer.setdefault(layer, []).append((step, epoch, rec, info))
            self._pending = []
            host, event, layout = to_host(by_layer)
            self._landing.append((host, event, layout, by_layer))
        while self._landing:  # in order: blocks join the columns as they were recorded
            host, event, layout, by_layer = self._landing[0]
            if event is not None and not event.query():
                if not wait:
                    return
                event.synchronize()
            self._landing.pop(0)
            columns = split(host, layout)
            for layer, recs in by_layer.items():
                self._add_block(layer, columns_of(recs, columns.get(layer, {})))

    def _add_block(self, layer, block):
        if layer not in self.columns:
            cap = min(self.max_records, 256)  # grows by doubling up to max_records
            self.columns[layer] = {k: np.empty((cap,) + v.shape[1:], v.dtype) for k, v in block.items()}
            self.columns[layer]["_index"] = np.empty(cap, np.int64)  # record number, from 0
            self.rows[layer], self.thinned[layer] = 0, 0
            self._count[layer], self._stride[layer], self._provisional[layer] = 0, 1, False
            hist = [k for k in block if k.startswith("hist_")]
            self.bins[layer] = block[hist[0]].shape[-1] - 2 if hist else 0
        m = len(block["step"])
        block = dict(block, _index=np.arange(self._count[layer], self._count[layer] + m))
        self._count[layer] += m
        if self._provisional[layer]:  # the newest row was only kept as "the latest": replace it
            self.rows[layer] -= 1
            self._provisional[layer] = False
        while True:
            keep = self._on_stride(layer, block["_index"])
            keep[-1] = True  # the newest record is always readable (provisionally if off-stride)
            rows = {k: v[keep] for k, v in block.items()}
            n, count = self.rows[layer], int(keep.sum())
            if n + count <= self.max_records:
                break
            self._thin(layer)  # then filter the block again with the doubled stride
        self._grow(layer, n + count)
        for k, v in rows.items():
            self.columns[layer][k][n:n + count] = v
        self.rows[layer] = n + count
        self._provisional[layer] = not self._on_stride(layer, block["_index"][-1:])[0]

    def _on_stride(self, layer, index):
        return (index < self.keep_first) | ((index - self.keep_first) % self._stride[layer] == 0)

    def _grow(self, layer, rows):
        cols = self.columns[layer]
        cap = len(cols["step"])
        if rows <= cap:
            return
        while cap < rows:
            cap = min(2 * cap, self.max_records)
        for k, v in cols.items():
            grown = np.empty((cap,) + v.shape[1:], v.dtype)
            grown[:self.rows[layer]] = v[:self.rows[layer]]
            cols[k] = grown

    def _thin(self, layer):
        """Double the stride: keep the first rows and every other later one (uniform spacing)."""
        self._stride[layer] *= 2
        n = self.rows[layer]
        keep = np.flatnonzero(self._on_stride(layer, self.columns[layer]["_index"][:n]))
        for col in self.columns[layer].values():
            col[:len(keep)] = col[keep]
        self.rows[layer] = len(keep)
        self._provisional[layer] = False
        self.thinned[layer] += 1

    def row_at(self, layer, step=None):
        """The index of `layer`'s record at `step`, or the newest before it (the newest for None)."""
        steps = self.column(layer, "step")
        if step is None:
            return len(steps) - 1
        return max(0, int(np.searchsorted(steps, step, side="right")) - 1)

    def truncate(self, step):
        """Forget every record after `step` (rewind); thinning state stays consistent."""
        self.flush()
        for layer in self.columns:
            n = self.rows[layer]
            keep = int(np.searchsorted(self.columns[layer]["step"][:n], step, side="right"))
            self.rows[layer] = keep
            idx = self.columns[layer]["_index"]
            self._count[layer] = int(idx[keep - 1]) + 1 if keep else 0
            self._provisional[layer] = bool(keep) and not self._on_stride(layer, idx[keep - 1:keep])[0]

    def load_columns(self, layer, columns, ranges, bins):
        """Install whole columns (used by loading a recording)."""
        rows = len(columns["step"])
        cap = max(rows, 1)
        self.columns[layer] = {}
        for k, v in columns.items():
            col = np.empty((cap,) + v.shape[1:], v.dtype)
            col[:rows] = v
            self.columns[layer][k] = col
        self.columns[layer]["_index"] = np.arange(cap)
        self.rows[layer], self.thinned[layer] = rows, 0
        self._count[layer], self._stride[layer], self._provisional[layer] = rows, 1, False
        self.ranges[layer], self.bins[layer] = dict(ranges), bins

    # --- reading ---------------------------------------------------------------------------------
    @property
    def layers(self):
        """Layer names, in the order they were first recorded."""
        self.flush()
        return list(self.columns)

    def __len__(self):
        self.flush()
        return max(self.rows.values(), default=0)

    def fields(self, layer):
        """The recorded fields of `layer`."""
        self._check_layer(layer)
        return [k for k in self.columns[layer] if not k.startswith("_")]

    def _check_layer(self, layer):
        self.flush()
        if layer not in self.columns:
            raise KeyError(f"no records for layer {layer!r}; recorded layers: {list(self.columns)}")

    def column(self, layer, field):
        """One field of one layer: an array with a row per record (a view; do not modify)."""
        self._check_layer(layer)
        return self.columns[layer][field][:self.rows[layer]]

    def last(self, layer, field):
        """The newest record's value of `field`."""
        return self.column(layer, field)[-1]

    def bin_edges(self, layer, quantity):
        """The bins + 1 edges of a quantity's histogram (underflow/overflow cells lie outside)."""
        lo, hi = self.ranges[layer][quantity]
        return np.linspace(lo, hi, self.bins[layer] + 1)

    def bytes_per_record(self, layer):
        """Bytes one record of `layer` takes in the store."""
        self.flush()
        return sum(c.itemsize * int(np.prod(c.shape[1:])) for k, c in self.columns[layer].items())

    def nbytes(self):
        """Bytes held by all columns (allocated capacity included)."""
        self.flush()
        return sum(c.nbytes for cols in self.columns.values() for c in cols.values())

    def table(self, layer):
        """One row per record: step, epoch, mode flags, percentiles, saturation (a pandas DataFrame)."""
        import pandas as pd
        fields = self.fields(layer)  # flushes pending records first
        out = {f: self.column(layer, f) for f in SCALAR_FIELDS if f in fields}
        for prefix in ("input_pct", "output_pct"):
            if prefix in fields:
                pct = self.column(layer, prefix)
                for i, p in enumerate(PERCENTILE_NAMES):
                    out[f"{prefix[:-4]}_p{p}"] = pct[:, i]
        return pd.DataFrame(out)

    def channel_table(self, layer, fields=CHANNEL_ROWS):
        """Long table: one row per (record, channel) with the per-channel statistics."""
        import pandas as pd
        steps = self.column(layer, "step")
        epochs = self.column(layer, "epoch")
        C = self.column(layer, fields[0]).shape[1]
        out = {"step": np.repeat(steps, C), "epoch": np.repeat(epochs, C),
               "channel": np.tile(np.arange(C), len(steps))}
        for f in fields:
            out[f] = self.column(layer, f).reshape(-1)
        return pd.DataFrame(out)

    def histogram_table(self, layer, quantity):
        """Long table: one row per (record, cell): step, lo, hi, count; cells -inf..lo and hi..inf
        are the underflow and overflow."""
        import pandas as pd
        counts = self.column(layer, f"hist_{quantity}")
        edges = self.bin_edges(layer, quantity)
        lo = np.concatenate([[-np.inf], edges])
        hi = np.concatenate([edges, [np.inf]])
        steps = self.column(layer, "step")
        cells = counts.shape[1]
        return pd.DataFrame({"step": np.repeat(steps, cells), "lo": np.tile(lo, len(steps)),
                             "hi": np.tile(hi, len(steps)), "count": counts.reshape(-1)})
