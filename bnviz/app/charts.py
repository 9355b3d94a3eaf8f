"""Every chart of the app drawn one way: bnviz's Plotly template (the notebook's look), a PNG from
the chart's camera button, and an SVG drawn on the server only when its button is clicked."""
import streamlit as st

from ..figures.theme import apply
from ..plots.export import find_browser, to_image
from .language import t


def chart(fig, name):
    """Draw `fig` (key `chart-{name}`; exported files are named `bnviz-{name}`)."""
    # theme=None: the figure's own template, not Streamlit's
    st.plotly_chart(apply(fig), key=f"chart-{name}", width="stretch", theme=None,
                    config={"toImageButtonOptions": {"format": "png", "filename": f"bnviz-{name}", "scale": 2}})
    if find_browser():
        st.download_button(t("panels.svg"), lambda: to_image(fig, "svg"), f"bnviz-{name}.svg", "image/svg+xml",
                           key=f"svg-{name}", on_click="ignore", type="tertiary", icon=":material/download:")
