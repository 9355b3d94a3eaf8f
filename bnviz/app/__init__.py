"""The Streamlit app's pieces: widgets, panels, callbacks (the only layer that imports streamlit)."""
