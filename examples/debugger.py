"""The debugger from a script: a breakpoint, a rewind, precise statistics, the mode matrix."""
import bnviz
from bnviz.debug.breakpoints import Breakpoints
from bnviz.debug.session import Session
from bnviz.experiments.modes import mode_matrix
from bnviz.experiments.twin import TwinRun

s = Session(bnviz.load_fashion_mnist(), bnviz.RunConfig(lr=50.0))
s.breakpoints = Breakpoints(loss_jump=5.0)
s.step(100)
print(s.hit.message)  # where and why it stopped
first = s.history.last("1", "batch_mean")
s.rewind(1)
s.step(1)  # back one step, and forward again: the same numbers
print("replayed exactly:", (s.history.last("1", "batch_mean") == first).all())
print(s.compare_precise())  # test accuracy with the moving vs. recomputed statistics
for row in mode_matrix()[:4]:  # the chapter's layer in every mode
    print(row["module"], row["gradients"], "->", row["normalises with"], row["note"])
print(TwinRun(s.data).step(2)[-1])  # chapter's BN vs nn.BatchNorm, largest differences
