"""Hook API on a torchvision model with nn.BatchNorm2d: which layers see the widest inputs?"""
import torch
import torchvision

import bnviz

model = torchvision.models.resnet18(weights=None)  # no download: random weights
x = torch.randn(8, 3, 64, 64)
with bnviz.capture(model, layers=["bn1", "layer1.0.bn1", "layer4.1.bn2"]) as cap:
    model(x)  # one training-mode forward pass: batch statistics, running stats updated

for layer in cap.history.layers:
    row = cap.history.table(layer).iloc[-1]
    var = cap.history.last(layer, "batch_var")
    running = cap.history.last(layer, "moving_var")  # PyTorch's running_var: the unbiased one
    print(f"{layer:14} input p15/p50/p85 = {row.input_p15:+.3f} / {row.input_p50:+.3f} / "
          f"{row.input_p85:+.3f}   channels {len(var)}, largest batch var {var.max():.3f}, "
          f"running_var[0] {running[0]:.4f}")
