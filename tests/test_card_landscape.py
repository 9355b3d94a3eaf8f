"""The landscape probe (smoothness card) against a direct recomputation on a softmax classifier."""
import torch
import torch.nn.functional as F
from torch import nn

from bnviz.experiments.build import LeNetSpec, build_lenet
from bnviz.experiments.landscape import probe


def test_probe_matches_a_direct_recomputation(subset):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    X = subset.train_images[:200].unsqueeze(1).float().div(255)
    y = subset.train_labels[:200]
    W, b = model[1].weight.detach().clone(), model[1].bias.detach().clone()
    etas = (0.5, 2.0)

    def loss_grad(W, b):
        W, b = W.clone().requires_grad_(), b.clone().requires_grad_()
        loss = F.cross_entropy(X.flatten(1) @ W.T + b, y)
        gW, gb = torch.autograd.grad(loss, (W, b))
        return float(loss.detach()), torch.cat([gW.reshape(-1), gb])

    l0, g0 = loss_grad(W, b)
    losses, changes, ratios = [l0], [], []
    for eta in etas:
        l, g = loss_grad(W - eta * g0[:7840].reshape(10, 784), b - eta * g0[7840:])
        losses.append(l)
        changes.append(float((g - g0).norm()))
        ratios.append(changes[-1] / float(eta * g0.norm()))
    out = probe(model, X, y, etas)
    assert abs(out["loss variation"] - (max(losses) - min(losses))) < 1e-5
    assert abs(out["gradient change"] - max(changes)) < 1e-5
    assert abs(out["beta smoothness"] - max(ratios)) < 1e-4
    assert torch.equal(model[1].weight, W) and torch.equal(model[1].bias, b)  # weights restored


def test_probe_leaves_bn_buffers_and_mode_as_they_were(subset):
    net = build_lenet(LeNetSpec(), seed=0).eval()
    X = subset.train_images[:64].unsqueeze(1).float().div(255)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    probe(net, X, subset.train_labels[:64], (1.0,))
    assert not net.training
    assert all(torch.equal(v, before[k]) for k, v in net.state_dict().items())
