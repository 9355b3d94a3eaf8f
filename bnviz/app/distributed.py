"""The replay page's view of a distributed recording (`python -m bnviz ddp`): each replica's batch
statistics beside the global batch's, the drift of their moving statistics, SyncBatchNorm's check."""
import streamlit as st

from ..distributed import figures, reading
from ..i18n import text
from .charts import chart
from .language import t

READING = text("distributed.reading")  # English; the page shows t("distributed.reading")


def distributed_ui(history):
    """Draw the distributed view; returns True (the caller skips the single-run panels' layer picker)."""
    st.subheader(t("distributed.title"))
    st.caption(reading.describe(history))
    st.markdown(t("distributed.reading"))
    info = reading.ddp_info(history)
    layer = st.selectbox(t("distributed.layer"), reading.layers(history), key="ddp_layer")
    C = reading.stacked(history, layer, "batch_mean").shape[-1]
    channel = int(st.number_input(t("distributed.channel"), min_value=0, max_value=C - 1, value=0, key=f"ddp_channel-{C}"))
    chart(figures.replica_statistics(history, layer, channel), "ddp-stats")
    chart(figures.replica_drift(history, layer, channel), "ddp-drift")
    if info.get("sync_bn"):
        chart(figures.sync_check(history), "ddp-sync")
    return True
