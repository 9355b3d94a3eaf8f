"""The app's words in English and Simplified Chinese: one catalogue per language (issue 15).

The lowest layer: it imports nothing of bnviz, so figures, experiments and the app can all use it.
"""
