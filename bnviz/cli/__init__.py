"""The command line: `python -m bnviz train` and `record`."""
