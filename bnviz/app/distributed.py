"""The replay page's view of a distributed recording (`python -m bnviz ddp`): each replica's batch
statistics beside the global batch's, the drift of their moving statistics, SyncBatchNorm's check."""
import streamlit as st

from ..distributed import figures, reading

READING = """**What this shows.** Under DistributedDataParallel each replica normalises with the
statistics of its own share of the batch (B/N examples): its batch means scatter around the global
batch's like the ghost batches of the `small-batch` experiment card. With `broadcast_buffers` on
(DDP's default) every replica starts each step with rank 0's moving statistics; off, they drift
apart. `nn.SyncBatchNorm` normalises every replica with the global statistics, at the cost of one
all_gather (forward) and one all_reduce (backward) per BN layer per step."""


def distributed_ui(history):
    """Draw the distributed view; returns True (the caller skips the single-run panels' layer picker)."""
    st.subheader("A distributed recording")
    st.caption(reading.describe(history))
    st.markdown(READING)
    info = reading.ddp_info(history)
    layer = st.selectbox("BN layer", reading.layers(history), key="ddp_layer")
    C = reading.stacked(history, layer, "batch_mean").shape[-1]
    channel = int(st.number_input("Channel", min_value=0, max_value=C - 1, value=0, key=f"ddp_channel-{C}"))
    st.plotly_chart(figures.replica_statistics(history, layer, channel), key="chart-ddp-stats", width="stretch")
    st.plotly_chart(figures.replica_drift(history, layer, channel), key="chart-ddp-drift", width="stretch")
    if info.get("sync_bn"):
        st.plotly_chart(figures.sync_check(history), key="chart-ddp-sync", width="stretch")
    return True
