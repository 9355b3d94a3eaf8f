"""The training cards against oracles outside their own code: hand-counted parameters, autograd,
PyTorch's batch_norm, bnviz's own BN-layer finder, and a loss made to go non-finite at a known step."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import bnviz
from bnviz.experiments.build import LeNetSpec, build_lenet, count_parameters
from bnviz.experiments.cards import bias, bn_only, lr_sweep, placement
from bnviz.experiments.runs import fluctuation, stepper_for, train
from bnviz.experiments.settings import CardSettings

CPU = CardSettings(device="cpu")
BN_CHANNELS = 6 + 16 + 120 + 84
# The chapter's LeNet counted by hand: conv 1x6x5x5 + 6, conv 6x16x5x5 + 16, linear 256x120 + 120,
# 120x84 + 84, 84x10 + 10, and gamma and beta per BN channel.
LENET_PARAMETERS = (1 * 6 * 25 + 6) + (6 * 16 * 25 + 16) + (256 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10) \
    + 2 * BN_CHANNELS


def batch(data, n=128):
    return data.train_images[:n].unsqueeze(1).float().div(255), data.train_labels[:n]


def test_bias_card_has_exactly_the_parameters_it_claims(small_data):
    settings = bias.BiasSettings(train_images=512, test_images=256, epochs=1, device="cpu")
    result = bias.CARD.run(small_data, settings)
    rows = {r["variant"]: r for r in result.table}
    assert rows["with bias"]["parameters"] == LENET_PARAMETERS
    assert rows["without bias"]["parameters"] == LENET_PARAMETERS - BN_CHANNELS
    assert rows["without bias"]["pre-BN biases"] == 0 and rows["with bias"]["pre-BN biases"] == BN_CHANNELS
    assert sum(p.numel() for p in bnviz.lenet("custom").parameters()) == LENET_PARAMETERS


def test_the_bias_before_bn_gets_no_gradient_and_beta_does(subset):
    net = build_lenet(LeNetSpec(), seed=0)
    X, y = batch(subset)
    F.cross_entropy(net(X), y).backward()
    for pre, norm in ((0, 1), (4, 5), (9, 10), (12, 13)):
        # float32 rounding over ~10^5 summed terms: zero up to 1e-4 of the weight gradient
        assert net[pre].bias.grad.abs().max() < 1e-4 * net[pre].weight.grad.abs().max()
        assert net[norm].beta.grad.abs().max() > 1e-4


def test_with_and_without_bias_train_the_same_weights(small_data):
    nets = [build_lenet(LeNetSpec(bias=b), seed=0) for b in (True, False)]
    steppers = [stepper_for(n, small_data, CPU, 1.0, 128) for n in nets]
    for _ in range(5):
        for st in steppers:
            st.step()
    for i in (0, 4, 9, 12, 15):
        torch.testing.assert_close(nets[0][i].weight, nets[1][i].weight, rtol=1e-4, atol=1e-5)


def test_bn_only_leaves_every_other_parameter_bit_identical(small_data):
    net = bn_only.freeze_all_but_bn(build_lenet(LeNetSpec(), seed=0))
    start = {k: v.detach().clone() for k, v in net.named_parameters()}
    stepper_for(net, small_data, CPU, 1.0, 128).run(4)
    for name, p in net.named_parameters():
        if name.endswith(("gamma", "beta")):
            assert not torch.equal(p, start[name]), name
        else:
            assert torch.equal(p, start[name]), name
    assert count_parameters(net, trainable_only=True) == 2 * BN_CHANNELS


def test_fixed_affine_keeps_gamma_1_beta_0_and_normalises_like_torch(small_data):
    net = build_lenet(LeNetSpec(fixed_affine=True), seed=0)
    stepper_for(net, small_data, CPU, 1.0, 128).run(4)
    for i in (1, 5, 10, 13):
        assert torch.equal(net[i].gamma, torch.ones_like(net[i].gamma))
        assert torch.equal(net[i].beta, torch.zeros_like(net[i].beta))
    X, _ = batch(small_data, 64)
    H = net[0](X)
    torch.testing.assert_close(net[1](H), F.batch_norm(H, None, None, training=True, eps=1e-5),
                               rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", list(placement.PLACEMENTS))
def test_each_placement_has_bn_exactly_where_it_says(name):
    spec = LeNetSpec(norm="bn" if any(placement.PLACEMENTS[name]) else "none", where=placement.PLACEMENTS[name])
    net = build_lenet(spec)
    expected = [str(i) for i, on in zip((1, 5, 10, 13), placement.PLACEMENTS[name]) if on]
    if not expected:
        with pytest.raises(ValueError, match="no BatchNorm"):
            bnviz.capture(net).attach()
        return
    with bnviz.capture(net) as cap:  # bnviz's own finder of BN layers, as the oracle
        net(torch.rand(4, 1, 28, 28))
    assert sorted(cap.history.layers, key=int) == expected


def test_dropout_variant_drops_in_training_only(subset):
    net, plain = build_lenet(LeNetSpec(dropout=0.5), 0), build_lenet(LeNetSpec(), 0)
    assert sum(isinstance(m, nn.Dropout) for m in net.modules()) == 2
    X, _ = batch(subset, 64)
    net.eval(), plain.eval()
    torch.testing.assert_close(net(X), plain(X))


def test_fluctuation_is_the_mean_absolute_change():
    values = [0.5, 0.7, 0.6, 0.9]
    assert fluctuation(values) == pytest.approx(np.mean(np.abs(np.diff(values))))


class NaNAfter(nn.Module):
    """A model whose output becomes NaN from its k-th training forward pass on."""

    def __init__(self, k):
        super().__init__()
        self.net, self.k, self.calls = build_lenet(LeNetSpec(norm="none")), k, 0

    def forward(self, X):
        out = self.net(X)
        if self.training:
            self.calls += 1
            if self.calls >= self.k:
                out = out * float("nan")
        return out


def test_divergence_is_detected_at_the_first_nonfinite_loss(small_data):
    model = NaNAfter(4)
    out = train(stepper_for(model, small_data, CPU, 0.1, 64), steps=10)
    assert out["diverged_at"] == 4 and len(out["loss"]) == 4
    assert all(math.isfinite(v) for v in out["loss"][:3]) and math.isnan(out["loss"][3])
    assert lr_sweep.first_divergence([1.0, 30.0, float("inf"), 2.0], blowup=20.0) == (3, 2)
    assert lr_sweep.first_divergence([1.0, 2.0], blowup=20.0) == (None, None)
