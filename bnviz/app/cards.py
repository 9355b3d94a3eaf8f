"""The app's experiment cards: pick one, run it (default or quick settings) with a progress bar,
see its figure, table and reading beside the published headline; CSV of the table to download.

A run holds the session's training slot while it runs, like a Step: one run at a time per session
and per THREADS_PER_SESSION cores; the default settings stay within the card's stated budget.
"""
import dataclasses

import pandas as pd
import streamlit as st

from ..experiments.catalog import CARDS


def card_ui(data, slots):
    """The Cards tab of the Experiments page."""
    name = st.selectbox("Card", list(CARDS), key="card_name",
                        format_func=lambda n: f"{n} — {CARDS[n].title}")
    card = CARDS[name]
    st.markdown(f"**{card.question}**  \n*{card.source}*")
    st.caption(f"Published: {card.headline()}")
    quick = st.toggle("Quick settings (a few seconds, for a first look)", value=False, key="card_quick")
    settings = card.settings(quick=quick)
    if quick:  # the budget note describes the default settings; say what the quick ones are
        st.caption("Quick settings: " + ", ".join(f"{k} = {v}" for k, v in dataclasses.asdict(settings).items()
                                                  if v is not None))
    else:
        st.caption(f"Default, within {card.budget_seconds:.0f} s on a 2-core CPU: {card.budget_note}")
    if st.button("Run this card", key="card_run"):
        bar = st.progress(0.0, text="waiting for a training slot…")
        with slots.slot(90) as got:
            if not got:
                st.warning("The server is busy with other sessions; try again in a moment.")
            else:
                try:
                    st.session_state.card_result = card.run(
                        data, settings, progress=lambda done, total: bar.progress(
                            done / total, text=f"{done:,} of {total:,}"))
                except Exception as err:  # noqa: BLE001 — a card that fails says so; the page stays
                    st.error(f"The card could not finish: {err}")
        bar.empty()
    result = st.session_state.get("card_result")
    if result is not None and result.name == name:
        st.plotly_chart(card.figure(result), key="chart-card", width="stretch")
        st.markdown(card.reading(result))
        table = pd.DataFrame(result.table)
        st.dataframe(table, hide_index=True)
        st.download_button("Download the table (CSV)", table.to_csv(index=False).encode(),
                           file_name=f"bnviz-{name}.csv", mime="text/csv", key="card_csv")
        st.caption(f"{result.data}; {result.seconds:.1f} s. What carries over: {card.transfer}")
