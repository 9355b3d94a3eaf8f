"""The cards' layers and LeNet variants against PyTorch's own functions, on real images."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import bnviz
from bnviz.experiments.build import LeNetSpec, build_lenet
from bnviz.experiments.norms import FrozenStats, GhostBatchNorm, NoisyBatchNorm, group_norm, layer_norm


def conv_input(data, n=50):
    """A real BN input: the chapter LeNet's first convolution over n real images, (n, 6, 24, 24)."""
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 6, kernel_size=5)
    with torch.no_grad():
        return conv(data.train_images[:n].unsqueeze(1).float().div(255))


def test_the_default_variant_is_the_chapters_lenet_with_the_same_weights():
    torch.manual_seed(3)
    chapter = bnviz.lenet("custom")
    ours = build_lenet(LeNetSpec(), seed=3)
    assert list(chapter.state_dict()) == list(ours.state_dict())
    for (k, a), b in zip(chapter.state_dict().items(), ours.state_dict().values()):
        assert torch.equal(a, b), k


def test_variants_share_every_conv_and_linear_weight():
    base = build_lenet(LeNetSpec(), seed=1)
    for spec in (LeNetSpec(norm="none"), LeNetSpec(bias=False), LeNetSpec(norm="group"), LeNetSpec(dropout=0.5)):
        other = build_lenet(spec, seed=1)
        for i in (0, 4, 9, 12, 15):
            assert torch.equal(base[i].weight, other[i].weight), (spec, i)


@pytest.mark.parametrize("ghost", [1, 2, 7, 16, 50])
def test_ghost_batches_equal_normalising_each_slice_separately(subset, ghost):
    X = conv_input(subset)  # 50 images: ghost 7 leaves a slice of 1, ghost 16 one of 2
    layer = GhostBatchNorm(6, 4, ghost)
    with torch.no_grad():
        layer.gamma.uniform_(0.5, 1.5)
        layer.beta.uniform_(-0.5, 0.5)
        Y = layer(X)
    expected = torch.cat([F.batch_norm(part, None, None, layer.gamma.reshape(-1), layer.beta.reshape(-1),
                                       training=True, eps=layer.eps) for part in X.split(ghost)])
    torch.testing.assert_close(Y, expected, rtol=1e-4, atol=1e-4)
    # moving statistics: one update per batch with the average of the slices' (biased) statistics
    means = torch.stack([p.mean(dim=(0, 2, 3)) for p in X.split(ghost)])
    variances = torch.stack([p.var(dim=(0, 2, 3), unbiased=False) for p in X.split(ghost)])
    torch.testing.assert_close(layer.moving_mean.reshape(-1), 0.1 * means.mean(0), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(layer.moving_var.reshape(-1), 0.9 + 0.1 * variances.mean(0), rtol=1e-5, atol=1e-6)


def test_ghost_batch_of_the_whole_batch_is_the_chapters_batchnorm(subset):
    X = conv_input(subset, 64)
    ghost, chapter = GhostBatchNorm(6, 4, 64), bnviz.BatchNorm(6, 4)
    torch.testing.assert_close(ghost(X), chapter(X))
    torch.testing.assert_close(ghost.moving_var, chapter.moving_var)
    ghost.eval(), chapter.eval()
    torch.testing.assert_close(ghost(X), chapter(X))


def test_ghost_batches_on_linear_features(subset):
    H = conv_input(subset, 40).flatten(1)[:, :30]  # (40, 30)
    layer = GhostBatchNorm(30, 2, 8)
    expected = torch.cat([F.batch_norm(p, None, None, training=True, eps=layer.eps) for p in H.split(8)])
    torch.testing.assert_close(layer(H), expected, rtol=1e-4, atol=1e-4)


def test_group_and_layer_norm_match_torch(subset):
    X = conv_input(subset)
    torch.testing.assert_close(layer_norm(6)(X), F.layer_norm(X, X.shape[1:]), rtol=1e-4, atol=1e-5)
    gn = group_norm(16)
    assert gn.num_groups == 4 and group_norm(6).num_groups == 2 and group_norm(84).num_groups == 21
    X16 = torch.cat([X, X[:, :6], X[:, :4]], dim=1)
    torch.testing.assert_close(gn(X16), F.group_norm(X16, 4), rtol=1e-4, atol=1e-5)


def test_frozen_stats_normalise_like_prediction_mode_and_never_update(subset):
    X = conv_input(subset)
    for layer in (bnviz.BatchNorm(6, 4), nn.BatchNorm2d(6)):
        layer(X)  # moving statistics away from their start
        frozen = FrozenStats(layer).train()
        before = [b.clone() for b in layer.buffers()]
        Y = frozen(X)
        Y.sum().backward()
        layer.eval()
        torch.testing.assert_close(Y, layer(X))
        assert all(torch.equal(a, b) for a, b in zip(before, layer.buffers() ) if a.dtype.is_floating_point)
        assert next(layer.parameters()).grad is not None  # gamma still learns


def test_noisy_bn_is_bn_in_prediction_mode_and_noisy_in_training(subset):
    X = conv_input(subset)
    noisy, plain = NoisyBatchNorm(6, 4, noise=1.0, seed=5), bnviz.BatchNorm(6, 4)
    first, second, reference = noisy(X), noisy(X), plain(X)
    plain(X)  # as many updates of the moving statistics as the noisy layer had
    assert not torch.allclose(first, reference) and not torch.allclose(first, second)
    again = NoisyBatchNorm(6, 4, noise=1.0, seed=5)
    torch.testing.assert_close(again(X), first)  # seeded
    noisy.eval(), plain.eval()
    torch.testing.assert_close(noisy(X), plain(X))


def test_the_group_norm_variant_groups_conv_channels_and_takes_linear_features_whole():
    net = build_lenet(LeNetSpec(norm="group"))
    assert [net[i].num_groups for i in (1, 5, 10, 13)] == [2, 4, 1, 1]
