"""Hook API on the chapter's LeNet: how the first BN layer's moving mean chases the batch mean."""
import bnviz

data = bnviz.load_fashion_mnist()
print(data.describe())
stepper = bnviz.Stepper(bnviz.RunConfig(norm="custom"), data)
cap = stepper.start_capture()  # hooks on all four BN layers, one record per step
stepper.run(30)

h = cap.history
for step, mean, moving in zip(h.column("1", "step")[::5], h.column("1", "batch_mean")[::5],
                              h.column("1", "moving_mean")[::5]):
    print(f"step {step:3d}  channel 0: batch mean {mean[0]:+.4f}  moving mean {moving[0]:+.4f}")
table = h.table("13")  # one row per step: mode, percentiles of the sigmoid's input, saturation
print(table[["step", "output_p15", "output_p50", "output_p85", "saturated"]].tail(3).to_string(index=False))
stepper.stop_capture(cap)
