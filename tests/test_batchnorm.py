"""The chapter's BatchNorm against PyTorch's nn.BatchNorm1d/2d and a direct recomputation."""
import pytest
import torch
from torch import nn
from torch.testing import assert_close

from bnviz import BatchNorm, batch_norm
from bnviz.chapter.conventions import (biased_from_unbiased, chapter_to_torch_momentum,
                                       elements_per_channel, torch_to_chapter_momentum,
                                       unbiased_from_biased)

SHAPES = [(8, 5), (4, 3, 6, 7)]  # (N, C) after Linear, (N, C, H, W) after Conv2d


def pair(shape, seed=0):
    """The chapter's layer and PyTorch's with the same random gamma and beta."""
    torch.manual_seed(seed)
    c, dims = shape[1], len(shape)
    ours = BatchNorm(c, num_dims=dims)
    theirs = (nn.BatchNorm2d if dims == 4 else nn.BatchNorm1d)(c, momentum=chapter_to_torch_momentum(0.9))
    with torch.no_grad():
        gamma, beta = torch.randn(c), torch.randn(c)
        ours.gamma.copy_(gamma.reshape(ours.gamma.shape))
        ours.beta.copy_(beta.reshape(ours.beta.shape))
        theirs.weight.copy_(gamma)
        theirs.bias.copy_(beta)
    return ours, theirs


@pytest.mark.parametrize("shape", SHAPES)
def test_training_and_prediction_match_torch(shape):
    ours, theirs = pair(shape)
    for k in range(5):  # k training steps on shifted, scaled input
        X = torch.randn(shape) * (k + 1) + k
        assert_close(ours(X), theirs(X), atol=1e-5, rtol=1e-5)
    n = elements_per_channel(shape)
    assert_close(ours.moving_mean.reshape(-1), theirs.running_mean, atol=1e-6, rtol=1e-6)
    # Documented relation: each update adds 0.1 * the biased variance (chapter) or 0.1 * the
    # unbiased one (PyTorch); both start from 1, whose share after k steps is 0.9 ** k.
    start = 0.9 ** 5
    assert_close(start + unbiased_from_biased(ours.moving_var.reshape(-1) - start, n), theirs.running_var,
                 atol=1e-5, rtol=1e-5)
    # Prediction: with the same stored statistics, both layers give the same output.
    ours.eval(), theirs.eval()
    with torch.no_grad():
        theirs.running_var.copy_(ours.moving_var.reshape(-1))
    X = torch.randn(shape) * 2 + 1
    assert_close(ours(X), theirs(X), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("shape", SHAPES)
def test_direct_recomputation(shape):
    torch.manual_seed(1)
    X = torch.randn(shape) * 3 + 2
    c = shape[1]
    pshape = (1, c) + (1,) * (len(shape) - 2)
    gamma, beta = torch.rand(pshape) + 0.5, torch.randn(pshape)
    mm, mv = torch.randn(pshape), torch.rand(pshape) + 0.5
    dims = [0] + list(range(2, len(shape)))
    mean = X.mean(dim=dims, keepdim=True)
    var = X.var(dim=dims, keepdim=True, unbiased=False)
    Y, new_mm, new_mv = batch_norm(X, gamma, beta, mm, mv, eps=1e-5, momentum=0.9, training=True)
    assert_close(Y, gamma * (X - mean) / torch.sqrt(var + 1e-5) + beta)
    assert_close(new_mm.reshape(pshape), 0.9 * mm + 0.1 * mean)
    assert_close(new_mv.reshape(pshape), 0.9 * mv + 0.1 * var)
    Y, same_mm, same_mv = batch_norm(X, gamma, beta, mm, mv, eps=1e-5, momentum=0.9, training=False)
    assert_close(Y, gamma * (X - mm) / torch.sqrt(mv + 1e-5) + beta)
    assert torch.equal(same_mm, mm) and torch.equal(same_mv, mv)


def test_chapter_rule_uses_is_grad_enabled():
    X = torch.randn(16, 4) * 5 + 3
    Y_train, mm, _ = batch_norm(X, torch.ones(1, 4), torch.zeros(1, 4), torch.zeros(1, 4),
                                torch.ones(1, 4), 1e-5, 0.9)  # training=None: grad is enabled
    assert_close(Y_train.mean(dim=0), torch.zeros(4), atol=1e-5, rtol=0)
    with torch.no_grad():
        Y_pred, mm2, _ = batch_norm(X, torch.ones(1, 4), torch.zeros(1, 4), torch.zeros(1, 4),
                                    torch.ones(1, 4), 1e-5, 0.9)
    assert_close(Y_pred, X / torch.sqrt(torch.tensor(1 + 1e-5)))  # moving stats 0 and 1
    assert torch.equal(mm2, torch.zeros(1, 4))


@pytest.mark.parametrize("rule,eval_no_grad_batch,eval_grad_batch", [("training", False, False),
                                                                      ("grad", False, True)])
def test_mode_rules(rule, eval_no_grad_batch, eval_grad_batch):
    layer = BatchNorm(3, 2, mode_rule=rule).eval()
    X = torch.randn(32, 3) * 4 + 7
    before = layer.moving_mean.clone()
    layer(X)  # eval() with gradients on: the chapter's rule still uses (and updates) batch stats
    assert (not torch.equal(layer.moving_mean, before)) == eval_grad_batch
    with torch.no_grad():
        before = layer.moving_mean.clone()
        layer(X)
    assert (not torch.equal(layer.moving_mean, before)) == eval_no_grad_batch
    layer.train()
    with torch.no_grad():
        before = layer.moving_mean.clone()
        layer(X)  # train() under no_grad: PyTorch's rule updates, the chapter's does not
    assert (not torch.equal(layer.moving_mean, before)) == (rule == "training")


def test_buffers_follow_to_and_state_dict():
    layer = BatchNorm(6, 4)
    state = layer.state_dict()
    assert set(state) == {"gamma", "beta", "moving_mean", "moving_var"}
    layer.to(torch.float64)
    assert layer.moving_mean.dtype == torch.float64 and layer.moving_var.dtype == torch.float64
    layer(torch.randn(2, 6, 3, 3, dtype=torch.float64))
    fresh = BatchNorm(6, 4).to(torch.float64)
    fresh.load_state_dict(layer.state_dict())
    assert torch.equal(fresh.moving_mean, layer.moving_mean)


@pytest.mark.parametrize("X,match", [(torch.randn(2, 3, 4), "2-D .* or 4-D .*got a 3-D"),
                                     (torch.randn(2, 5), "built for 3 channels .*got 5"),
                                     (torch.randn(2, 4, 3, 3), "built for 3 channels .*got 4")])
def test_bad_input_raises_value_error(X, match):
    with pytest.raises(ValueError, match=match):
        BatchNorm(3, num_dims=2)(X)
    with pytest.raises(ValueError, match="num_dims must be 2"):
        BatchNorm(3, num_dims=3)


def test_momentum_conversion_round_trip():
    assert chapter_to_torch_momentum(0.9) == pytest.approx(0.1)
    assert torch_to_chapter_momentum(chapter_to_torch_momentum(0.75)) == pytest.approx(0.75)
    v = torch.tensor([2.0])
    assert_close(biased_from_unbiased(unbiased_from_biased(v, 10), 10), v)
    assert elements_per_channel((4, 3, 6, 7)) == 4 * 6 * 7
