"""One module per card: its settings, its run, its figure and its reading."""
