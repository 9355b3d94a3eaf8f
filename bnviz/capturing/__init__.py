"""Capture for any model with BN layers: hooks, summaries, bounded history, recordings."""
