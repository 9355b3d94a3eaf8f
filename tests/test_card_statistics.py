"""Moving statistics under several rules and precise statistics, against the layers' own buffers,
nn.BatchNorm(momentum=None) and torch.optim.swa_utils.update_bn, on real images."""
import torch
from torch import nn

import bnviz
from bnviz.experiments.build import LeNetSpec, build_lenet
from bnviz.experiments.recompute import MovingRules, bn_layers, installed, precise_statistics
from bnviz.experiments.runs import stepper_for
from bnviz.experiments.settings import CardSettings


def images(data, start, n=64):
    return data.train_images[start:start + n].unsqueeze(1).float().div(255)


def test_the_chapters_rule_equals_the_layers_own_moving_statistics(small_data):
    net = build_lenet(LeNetSpec(), seed=0)
    rules = MovingRules(net, {"0.9": 0.9, "0.99": 0.99})
    stepper_for(net, small_data, CardSettings(device="cpu"), 1.0, 128).run(5)
    rules.remove()
    for name, layer in bn_layers(net).items():
        mean, var = rules.stats["0.9"][name]
        torch.testing.assert_close(mean, layer.moving_mean, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(var, layer.moving_var, rtol=1e-5, atol=1e-6)
        assert not torch.allclose(rules.stats["0.99"][name][0], layer.moving_mean)


def test_the_cumulative_rule_is_pytorchs_momentum_none(subset):
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 6, 5)
    chapter, torch_bn = bnviz.BatchNorm(6, 4), nn.BatchNorm2d(6, momentum=None)
    rules = MovingRules(chapter, {"cumulative": None})
    with torch.no_grad():
        for k in range(4):
            H = conv(images(subset, 64 * k))
            chapter(H)
            torch_bn(H)
    mean, var = rules.stats["cumulative"][""]
    n = 64 * 24 * 24  # values per channel per batch: PyTorch averages the unbiased variances
    torch.testing.assert_close(mean.reshape(-1), torch_bn.running_mean, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(var.reshape(-1) * n / (n - 1), torch_bn.running_var, rtol=1e-5, atol=1e-6)


def test_precise_statistics_equal_update_bn(subset):
    net = build_lenet(LeNetSpec(norm="torch"), seed=0)
    stepper_for(net, subset, CardSettings(device="cpu"), 1.0, 128).run(3)
    imgs = subset.train_images[:512]
    ours = precise_statistics(net, imgs, batch_size=128)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    assert all(torch.equal(v, before[k]) for k, v in net.state_dict().items())  # left as it was
    oracle = build_lenet(LeNetSpec(norm="torch"), seed=0)
    oracle.load_state_dict(net.state_dict())
    loader = [(imgs[i:i + 128].unsqueeze(1).float().div(255),) for i in range(0, 512, 128)]
    torch.optim.swa_utils.update_bn(loader, oracle)
    for name, layer in bn_layers(oracle).items():
        torch.testing.assert_close(ours[name][0].reshape(-1), layer.running_mean, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(ours[name][1].reshape(-1), layer.running_var, rtol=1e-4, atol=1e-5)


def test_installed_statistics_come_back_afterwards(subset):
    net = build_lenet(LeNetSpec(), seed=0)
    net(images(subset, 0))
    layers = bn_layers(net)
    saved = {n: m.moving_mean.clone() for n, m in layers.items()}
    stats = {n: (torch.full_like(m.moving_mean, 7.0), torch.ones_like(m.moving_var)) for n, m in layers.items()}
    with installed(layers, stats):
        assert all(torch.all(m.moving_mean == 7.0) for m in layers.values())
    assert all(torch.equal(m.moving_mean, saved[n]) for n, m in layers.items())
