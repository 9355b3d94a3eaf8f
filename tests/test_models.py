"""The chapter's LeNet: layer order, indices, initialisation, shapes."""
import pytest
import torch
from torch import nn

from bnviz import BatchNorm, lenet


@pytest.mark.parametrize("norm,bn_type", [("custom", BatchNorm), ("torch", (nn.BatchNorm1d, nn.BatchNorm2d))])
def test_chapter_indices_and_layers(norm, bn_type):
    net = lenet(norm)
    assert len(net) == 16
    for i in (1, 5, 10, 13):
        assert isinstance(net[i], bn_type)
    assert [type(net[i]) for i in (0, 2, 3, 4, 6, 7, 8, 9, 11, 12, 14, 15)] == [
        nn.Conv2d, nn.Sigmoid, nn.AvgPool2d, nn.Conv2d, nn.Sigmoid, nn.AvgPool2d, nn.Flatten,
        nn.Linear, nn.Sigmoid, nn.Linear, nn.Sigmoid, nn.Linear]
    assert net(torch.rand(3, 1, 28, 28)).shape == (3, 10)


def test_none_leaves_bn_out_and_keeps_other_layers():
    with_bn, without = lenet("custom"), lenet("none")
    assert len(without) == 12
    assert not any(isinstance(m, (BatchNorm, nn.modules.batchnorm._BatchNorm)) for m in without)
    kept = [type(m) for m in with_bn if not isinstance(m, BatchNorm)]
    assert kept == [type(m) for m in without]


def test_torch_variant_gets_converted_momentum():
    net = lenet("torch", momentum=0.8, eps=1e-3)
    assert net[1].momentum == pytest.approx(0.2) and net[1].eps == 1e-3


def test_xavier_uniform_init_and_bn_defaults():
    torch.manual_seed(0)
    net = lenet("custom")
    for m in net:
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            fan_in = m.weight[0].numel()
            fan_out = m.weight.shape[0] * m.weight[0, 0].numel() if m.weight.dim() == 4 else m.weight.shape[0]
            bound = (6 / (fan_in + fan_out)) ** 0.5
            assert m.weight.abs().max() <= bound
            assert m.weight.abs().max() > 0.9 * bound  # uniform over the whole range, not a smaller init
        if isinstance(m, BatchNorm):
            assert torch.equal(m.gamma, torch.ones_like(m.gamma)) and torch.equal(m.beta, torch.zeros_like(m.beta))


def test_unknown_norm():
    with pytest.raises(ValueError, match="norm must be one of"):
        lenet("layer")
