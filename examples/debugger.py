"""The debugger from a script: a breakpoint, a rewind, precise statistics, the mode matrix."""
import bnviz

run = bnviz.LiveRun(bnviz.load_fashion_mnist(), bnviz.RunConfig(lr=50.0))
run.breakpoints = bnviz.Breakpoints(loss_jump=5.0)
run.advance(100)
print(run.hit.message)  # where and why it stopped
first = run.history.last("1", "batch_mean")
run.rewind(1)
run.advance(1)  # back one step, and forward again: the same numbers
print("replayed exactly:", (run.history.last("1", "batch_mean") == first).all())
print(run.compare_precise())  # test accuracy with the moving vs. recomputed statistics
for row in bnviz.mode_matrix()[:4]:  # the chapter's layer in every mode
    print(row["module"], row["gradients"], "->", row["normalises with"], row["note"])
print(bnviz.TwinRun(run.data).step(2)[-1])  # chapter's BN vs nn.BatchNorm, largest differences
