"""bnviz.plots: the app's figures from a History, in a notebook or a script."""
import tempfile
from pathlib import Path

import bnviz
from bnviz import plots

run = bnviz.LiveRun(bnviz.load_fashion_mnist(), bnviz.RunConfig())  # the chapter's LeNet, SGD lr 1.0, batch 256
run.run_to_epoch_end()
history = run.to_history()                      # or cap.history, or bnviz.load_recording("runs/lenet.bnviz")
fig = plots.distributions(history, "1")         # input, x̂ with N(0, 1), output, after the sigmoid
plots.heatmap(history, "1")                     # the histogram over steps; plots.percentiles(history, "13")
plots.moving(history, "1", channel=0)           # moving vs. batch vs. what it estimates, like for like
plots.gamma_beta(history, "1"), plots.training(history)
print(plots.inside_step(run, "1", channel=0))   # one step as a pandas DataFrame: μ, σ², ε, x → x̂ → y, the update
path = Path(tempfile.mkdtemp()) / "distributions.svg"
plots.save(fig, path)                           # or .png (needs a Chrome or Chromium on the machine)
print("saved", path)
