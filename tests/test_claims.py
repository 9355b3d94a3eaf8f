"""Every recorded histogram and percentile against every value of the same pass, on real images.

Random noise hides layout bugs (every position of a noise tensor looks alike), so these run on
real Fashion-MNIST: the chapter's LeNet after real training steps, and torchvision's resnet18 (a
layout nobody here chose) fed real images at 64x64 with 3 channels. Default CaptureOptions: the
histograms and percentiles come from the unbiased sample; the bounds are the issue's (percentiles
within 5% of the exact 15-85 spread, histogram CDFs within 0.02 of the exact ones).
"""
import numpy as np
import pytest
import torch
import torchvision

from bnviz import RunConfig, Stepper, capture
from bnviz.capturing.layers import find_bn_layers, layer_params

Q = torch.tensor([0.15, 0.50, 0.85], dtype=torch.float64)


@pytest.fixture(scope="module")
def full_or_subset(subset):
    """The full Fashion-MNIST where Debian's package is installed (.ci/run installs it), else the
    real subset shipped with bnviz: real images either way."""
    from bnviz.data.fashion_mnist import DEBIAN_DIR, load_fashion_mnist
    return load_fashion_mnist(DEBIAN_DIR) if DEBIAN_DIR.is_dir() else subset


class Passes:
    """An independent forward hook keeping each BN layer's whole input and output."""

    def __init__(self, model):
        self.seen = {}
        self.handles = [m.register_forward_hook(self.keep(name)) for name, m in find_bn_layers(model).items()]

    def keep(self, name):
        def hook(module, args, output):
            self.seen[name] = (args[0].detach().clone(), output.detach().clone())
        return hook

    def remove(self):
        for h in self.handles:
            h.remove()


def exact_values(module, X, Y):
    """{quantity: every value} of one pass: input, x_hat recomputed in float64, output."""
    _, _, _, _, eps = layer_params(module)
    Xd = X.double()
    dims = [0] + list(range(2, X.dim()))
    shape = (1, -1) + (1,) * (X.dim() - 2)
    x_hat = (Xd - Xd.mean(dims).reshape(shape)) / torch.sqrt(Xd.var(dims, unbiased=False).reshape(shape) + eps)
    return {"input": Xd.reshape(-1), "x_hat": x_hat.reshape(-1), "output": Y.double().reshape(-1)}


def cdf_gap(counts, values, edges):
    """Largest gap between the recorded histogram's CDF and the exact one at every cell boundary."""
    exact = np.histogram(values.numpy(), bins=np.concatenate([[-np.inf], edges, [np.inf]]))[0]
    return float(np.abs(np.cumsum(counts) / counts.sum() - np.cumsum(exact) / exact.sum()).max())


def check_layer(history, module, layer, X, Y, row=-1):
    """Assert the record at `row` against every value; returns the worst errors for the message."""
    exact = exact_values(module, X, Y)
    worst = {}
    for which, pct_field in (("input", "input_pct"), ("output", "output_pct")):
        truth = torch.quantile(exact[which], Q).numpy()
        spread = truth[2] - truth[0]
        got = history.column(layer, pct_field)[row]
        worst[f"{which} percentiles / spread"] = float(np.abs(got - truth).max() / spread)
    for q in ("input", "x_hat", "output"):
        worst[f"{q} CDF"] = cdf_gap(history.column(layer, f"hist_{q}")[row], exact[q], history.bin_edges(layer, q))
    for key, value in worst.items():
        bound = 0.05 if "percentiles" in key else 0.02
        assert value <= bound, f"layer {layer} {tuple(X.shape)}: {key} off by {value:.3f} (bound {bound})"
    return worst


@pytest.mark.parametrize("norm", ["custom", "torch"])
def test_lenet_every_layer_after_real_training(full_or_subset, norm):
    """After 20 real SGD steps (the issue's setting: seed 3), and at three later steps."""
    stepper = Stepper(RunConfig(norm=norm, seed=3, device="cpu"), full_or_subset)
    stepper.run(19)
    cap = stepper.start_capture()
    passes = Passes(stepper.model)
    modules = find_bn_layers(stepper.model)
    try:
        for _ in range(3):
            stepper.step()
            for layer, (X, Y) in passes.seen.items():
                assert cap.history.last(layer, "values_used") < X.numel()  # every layer sampled at 256
                check_layer(cap.history, modules[layer], layer, X, Y)
    finally:
        passes.remove()


def resnet_inputs(images, n=16):
    """Real Fashion-MNIST images as resnet18 takes them: 64x64, 3 channels, ImageNet-like scale."""
    x = images[:n].float().div(255).unsqueeze(1)  # (n, 1, 28, 28)
    x = torch.nn.functional.interpolate(x, size=64, mode="bilinear", align_corners=False)
    return ((x - 0.5) / 0.25).expand(-1, 3, -1, -1).contiguous()  # (n, 3, 64, 64)


def test_resnet18_every_bn_layer_on_real_images(subset):
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None)  # no download: random weights
    X = resnet_inputs(subset.train_images)
    passes = Passes(model)
    modules = find_bn_layers(model)
    try:
        with capture(model) as cap:
            model(X)
    finally:
        passes.remove()
    assert len(passes.seen) == len(modules) == 20
    sampled = 0
    for layer, (X, Y) in passes.seen.items():
        sampled += int(cap.history.last(layer, "values_used") < X.numel())
        check_layer(cap.history, modules[layer], layer, X, Y)
    assert sampled >= 4  # the large early layers really were sampled


def test_the_sample_is_unbiased_over_draws(subset):
    """Averaged over many passes of real images the sampled percentiles converge on the exact ones:
    the error shrinks like an unbiased estimator's, it does not settle on a layout-made offset."""
    stepper = Stepper(RunConfig(seed=3, device="cpu"), subset)
    stepper.run(5)
    net = stepper.model
    passes = Passes(net)
    errors = []
    try:
        with capture(net, layers=["1"]) as cap:
            net.train()
            for i in range(12):
                net(subset.train_images[256 * i:256 * (i + 1)].float().div(255).unsqueeze(1))
                X = passes.seen["1"][0].double().reshape(-1)
                errors.append(cap.history.last("1", "input_pct") - torch.quantile(X, Q).numpy())
    finally:
        passes.remove()
    errors = np.array(errors)
    spread = float(np.ptp(torch.quantile(passes.seen["1"][0].double().reshape(-1), Q).numpy()[[0, 2]]))
    mean_error = np.abs(errors.mean(axis=0)) / spread
    single_error = np.abs(errors).mean(axis=0) / spread
    assert mean_error.max() < 0.01, mean_error
    assert mean_error.max() < single_error.max()  # averaging helps: no fixed bias
