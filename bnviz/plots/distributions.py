"""Distributions: the four histograms at a step, the heat map over steps, the percentile bands (the app's
*Distributions now* and *Over time* panels)."""
from ..figures.distributions import channel_over_steps, distributions_now, heatmap_over_steps, percentile_bands
from .source import check_channel, check_layer, check_step, history_of, raw_of

QUANTITIES = ("input", "x_hat", "output", "activation")


def distributions(history, layer, step=None, channel=None, lang="en"):
    """Histograms of one pass: input, x̂ with N(0, 1), output, after the activation.

    Args:
        history: a History (`cap.history`, `bnviz.load_recording(path)`), a LiveRun or a capture.
        layer: a BN layer's name (the LeNet's are "1", "5", "10", "13").
        step: a recorded step (default: the newest).
        channel: None pools all channels; a channel's own histograms are kept only for the newest
            passes of a live run, so pass the LiveRun or the capture itself for them.
    Returns:
        A plotly Figure (the app's own).
    """
    h = history_of(history)
    layer = check_layer(h, layer)
    i = check_step(h, layer, step)
    step_no = int(h.column(layer, "step")[i])
    activation = h.meta.get("layers", {}).get(layer, {}).get("activation") or "sigmoid"
    counts = None
    if channel is not None:
        channel = check_channel(h, layer, channel)
        raw = raw_of(history, layer, step_no)
        if raw is None or raw.get("channel_hist") is None:
            raise ValueError(f"no histograms of channel {channel} at step {step_no}: a live run keeps each "
                             "channel's counts for its newest passes only (CaptureOptions.raw_values and "
                             "raw_keep), and recordings none; pass the LiveRun or the capture, not a History, "
                             "at one of its newest steps, or channel=None for all channels pooled")
        counts = raw["channel_hist"][channel]
    return distributions_now(h, layer, step_no, activation, channel, counts, lang=lang)


def heatmap(history, layer, quantity="input", channel=None, lang="en"):
    """A quantity over steps: the heat map of its histogram (all channels), or one channel's mean ± sd.

    Args:
        history: a History, a LiveRun or a capture.
        layer: a BN layer's name.
        quantity: "input", "x_hat", "output" or "activation" ("activation" is pooled only).
        channel: None for the heat map of all channels, or a channel for its exact mean ± sd.
    Returns:
        A plotly Figure.
    """
    h = history_of(history)
    layer = check_layer(h, layer)
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {', '.join(QUANTITIES)}, got {quantity!r}")
    if channel is None:
        return heatmap_over_steps(h, layer, quantity, lang=lang)
    if quantity == "activation":
        raise ValueError("one channel's moments are exact for input, x_hat and output; "
                         "use channel=None for the activation's heat map")
    return channel_over_steps(h, layer, check_channel(h, layer, channel), quantity, lang=lang)


def percentiles(history, layer, of="output", lang="en"):
    """15th, 50th and 85th percentiles over steps, the BN paper's Figure 1 view.

    Args:
        history: a History, a LiveRun or a capture.
        layer: a BN layer's name.
        of: "output" (the sigmoid's input) or "input" (BN's input).
    Returns:
        A plotly Figure.
    """
    h = history_of(history)
    layer = check_layer(h, layer)
    if of not in ("input", "output"):
        raise ValueError(f"`of` must be 'input' or 'output', got {of!r}")
    return percentile_bands(h, layer, of, lang=lang)
