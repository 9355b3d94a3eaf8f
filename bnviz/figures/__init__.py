"""Figure builders: a history in, a plotly Figure out (no streamlit)."""
