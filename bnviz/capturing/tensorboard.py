"""Export captured histograms to TensorBoard (optional dependency: `pip install tensorboard`)."""
import numpy as np

from .counting import PERCENTILE_NAMES


def export_tensorboard(history, logdir, quantities=("input", "x_hat", "output", "activation")):
    """Write each layer's histograms and per-channel moving statistics as TensorBoard events.

    Returns the number of histograms written. Underflow/overflow cells become bins reaching to the
    data's recorded range edges +- one bin width, so no count is lost.
    """
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as err:  # torch's module raises when the tensorboard package is absent
        raise ImportError("TensorBoard export needs the tensorboard package: pip install tensorboard") from err
    written = 0
    with SummaryWriter(str(logdir)) as writer:
        for layer in history.layers:
            steps = history.column(layer, "step")
            pct = history.column(layer, "input_pct") if "input_pct" in history.fields(layer) else None
            for q in quantities:
                if f"hist_{q}" not in history.fields(layer):
                    continue
                edges = history.bin_edges(layer, q)
                width = edges[1] - edges[0]
                limits = np.concatenate([edges, [edges[-1] + width]])  # right edge of each cell
                for row, step in enumerate(steps):
                    counts = history.column(layer, f"hist_{q}")[row].astype(np.float64)
                    total = counts.sum()
                    if total == 0:
                        continue
                    centres = np.concatenate([[edges[0] - width / 2], (edges[:-1] + edges[1:]) / 2,
                                              [edges[-1] + width / 2]])
                    writer.add_histogram_raw(
                        f"bn/{layer}/{q}", min=float(edges[0] - width), max=float(edges[-1] + width),
                        num=int(total), sum=float((counts * centres).sum()),
                        sum_squares=float((counts * centres ** 2).sum()),
                        bucket_limits=limits.tolist(), bucket_counts=counts.tolist(), global_step=int(step))
                    written += 1
            for row, step in enumerate(steps):
                mm = history.column(layer, "moving_mean")[row]
                for c, v in enumerate(mm[:16]):  # the first 16 channels: a readable number of curves
                    writer.add_scalar(f"bn/{layer}/moving_mean/{c}", float(v), int(step))
                if pct is not None:
                    for i, p in enumerate(PERCENTILE_NAMES):
                        writer.add_scalar(f"bn/{layer}/input_p{p}", float(pct[row, i]), int(step))
    return written
