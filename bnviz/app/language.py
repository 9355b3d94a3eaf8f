"""The page's language: `st.session_state["lang"]` ("en" or "zh", set by the sidebar's select box
and a lesson link's `lang=`), and `t(key, **values)`, the catalogue's text in that language."""
import streamlit as st

from ..i18n import CATALOGUES, DEFAULT, text


def lang():
    """The language of this browser session; English for anything unknown."""
    chosen = st.session_state.get("lang", DEFAULT)
    return chosen if chosen in CATALOGUES else DEFAULT


def t(key, **values):
    """The text under `key` in this session's language, `values` filled in."""
    return text(key, lang(), **values)
