"""Save a History to one .npz file and load it back, safely (no pickle, ever).

Layout: `meta` holds UTF-8 JSON (format name, version, layers, histogram ranges and bins, the
run's description); `L{i}/{field}` holds layer i's column `field`. np.load runs with
allow_pickle=False, so a crafted file cannot execute code; anything unexpected is a RecordingError
with a message that says what is wrong.
"""
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from .history import History

FORMAT = "bnviz-history"
VERSION = 2  # 2: may hold a distributed run (layers "rank{r}/{layer}", run["distributed"]); 1 still loads
MAX_BYTES = 512 * 2**20  # refuse larger files before reading them


class RecordingError(ValueError):
    """The file is not a bnviz recording, is corrupt or truncated, or is from a newer bnviz."""


def to_bytes(history):
    """The .npz bytes of `history`."""
    arrays = {}
    layers = history.layers
    for i, layer in enumerate(layers):
        for field in history.fields(layer):
            arrays[f"L{i}/{field}"] = history.column(layer, field)
    for name, values in history.series.items():
        arrays[f"S/{name}"] = np.asarray(values)
    meta = {"format": FORMAT, "version": VERSION, "layers": layers,
            "ranges": {l: {q: list(r) for q, r in history.ranges.get(l, {}).items()} for l in layers},
            "bins": {l: int(history.bins.get(l, 0)) for l in layers}, "run": history.meta}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def save(history, path):
    """Write `history` to `path` (.npz); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(to_bytes(history))
    tmp.replace(path)  # never leave a half-written recording under the real name
    return path


def load(source, max_bytes=MAX_BYTES):
    """A History from a path or bytes; RecordingError with a clear message for anything else."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise RecordingError(f"{path} does not exist or is not a file")
        if path.stat().st_size > max_bytes:
            raise RecordingError(f"{path} is {path.stat().st_size / 2**20:.0f} MiB, more than the "
                                 f"{max_bytes / 2**20:.0f} MiB a recording may be")
        data = path.read_bytes()
    else:
        data = bytes(source)
        if len(data) > max_bytes:
            raise RecordingError(f"the file is {len(data) / 2**20:.0f} MiB, more than the "
                                 f"{max_bytes / 2**20:.0f} MiB a recording may be")
    if not data.startswith(b"PK"):  # np.load would take anything else for a .npy or a pickle
        raise RecordingError("not a bnviz recording: the file is not an .npz archive "
                             "(a recording is written by `python -m bnviz record` or bnviz.capturing.recording.save)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, EOFError, OSError) as err:
        raise RecordingError("not a bnviz recording: the file is not a (complete) .npz archive "
                             f"— is it truncated or a different kind of file? ({err})") from None
    except ValueError as err:  # np.load refuses object arrays: allow_pickle=False
        raise RecordingError(f"not a bnviz recording: it holds data bnviz never writes ({err})") from None
    return from_arrays(arrays)


def from_arrays(arrays):
    """A History from the arrays of a recording (validated)."""
    if "meta" not in arrays:
        raise RecordingError("not a bnviz recording: the .npz archive has no 'meta' entry")
    try:
        meta = json.loads(arrays.pop("meta").tobytes().decode())
    except (ValueError, UnicodeDecodeError):
        raise RecordingError("not a bnviz recording: its 'meta' entry is not JSON") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise RecordingError(f"not a bnviz recording (format {meta.get('format') if isinstance(meta, dict) else meta!r})")
    version = meta.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise RecordingError(f"this recording is format version {version}, newer than this bnviz reads "
                             f"(version {VERSION}); upgrade bnviz (pip install -U bnviz) to open it")
    history = History()
    history.meta = meta.get("run", {})
    history.series = {k[2:]: v for k, v in arrays.items() if k.startswith("S/")}
    try:
        for i, layer in enumerate(meta["layers"]):
            prefix = f"L{i}/"
            columns = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
            columns.pop("_index", None)
            rows = {len(v) for v in columns.values()}
            if "step" not in columns or len(rows) != 1:
                raise RecordingError(f"corrupt recording: layer {layer!r} has columns of different lengths")
            ranges = {q: tuple(r) for q, r in meta["ranges"].get(layer, {}).items()}
            history.load_columns(layer, columns, ranges, int(meta["bins"].get(layer, 0)))
    except (KeyError, TypeError, AttributeError) as err:
        raise RecordingError(f"corrupt recording: its description is incomplete ({err})") from None
    return history
