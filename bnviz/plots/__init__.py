"""The app's figures for notebooks and scripts: each takes a History and returns a Plotly figure
(issue 15)."""
