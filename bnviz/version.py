"""The version of bnviz (its own module, so that any layer can say it without importing the others)."""
__version__ = "0.1.0"
