"""The app's experiment cards: pick one, run it (default or quick settings) with a progress bar,
see its figure, table and reading beside the published headline; CSV of the table to download.

A run holds the session's training slot while it runs, like a Step: one run at a time per session
and per THREADS_PER_SESSION cores; the default settings stay within the card's stated budget.
"""
import dataclasses

import pandas as pd
import streamlit as st

from ..experiments.catalog import CARDS
from .charts import chart
from .language import lang, t


def card_ui(data, slots):
    """The Cards tab of the Experiments page."""
    name = st.selectbox(t("cards.card"), list(CARDS), key="card_name",
                        format_func=lambda n, chosen=lang(): f"{n} — {CARDS[n].said('title', chosen)}")
    card = CARDS[name]
    st.markdown(f"**{card.said('question', lang())}**  \n*{card.said('source', lang())}*")
    st.caption(t("cards.published", headline=card.headline(lang())))
    quick = st.toggle(t("cards.quick"), value=False, key="card_quick")
    settings = card.settings(quick=quick)
    if quick:  # the budget note describes the default settings; say what the quick ones are
        st.caption(t("cards.quick_settings", settings=", ".join(
            f"`{k} = {v}`" for k, v in dataclasses.asdict(settings).items() if v is not None)))  # code names
    else:
        st.caption(t("cards.default_settings", seconds=card.budget_seconds, note=card.said("budget_note", lang())))
    if st.button(t("cards.run"), key="card_run"):
        bar = st.progress(0.0, text=t("cards.waiting"))
        with slots.slot(90) as got:
            if not got:
                st.warning(t("cards.busy"))
            else:
                try:
                    st.session_state.card_result = card.run(
                        data, settings, progress=lambda done, total: bar.progress(
                            done / total, text=t("cards.progress", done=done, total=total)))
                except Exception as err:  # noqa: BLE001 — a card that fails says so; the page stays
                    st.error(t("cards.failed", error=err))
        bar.empty()
    result = st.session_state.get("card_result")
    if result is not None and result.name == name:
        chart(card.figure_in(result, lang()), f"card-{name}")
        st.markdown(card.reading_in(result, lang()))
        st.dataframe(pd.DataFrame(card.table_in(result, lang())), hide_index=True)
        table = pd.DataFrame(result.table)  # the CSV keeps the English column names (a file for scripts)
        st.download_button(t("cards.download"), table.to_csv(index=False).encode(),
                           file_name=f"bnviz-{name}.csv", mime="text/csv", key="card_csv")
        st.caption(t("cards.footer", data=result.data, seconds=result.seconds,
                     transfer=card.said("transfer", lang())))
