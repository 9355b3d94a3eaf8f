"""The chapter's Batch Normalization, line by line beside the book, with its known defects fixed.

The function `batch_norm` keeps the chapter's arithmetic exactly (biased variance, the chapter's
momentum convention). The module `BatchNorm` fixes what the chapter's class got wrong: the moving
statistics are buffers (so `.to()` and `state_dict()` see them), the mode follows `self.training`
like PyTorch (the chapter's `torch.is_grad_enabled()` rule stays selectable), and bad input raises
a `ValueError` instead of an `assert`.
"""
import torch
from torch import nn

MODE_RULES = ("training", "grad")  # follow self.training (PyTorch) | torch.is_grad_enabled() (chapter)


def check_input(X, num_features):
    """Raise a ValueError unless X is (N, C) or (N, C, H, W) with C == num_features."""
    if X.dim() not in (2, 4):
        raise ValueError(
            f"BatchNorm expects a 2-D (N, C) or 4-D (N, C, H, W) tensor, "
            f"got a {X.dim()}-D tensor of shape {tuple(X.shape)}")
    if X.shape[1] != num_features:
        raise ValueError(
            f"BatchNorm was built for {num_features} channels (features), "
            f"got {X.shape[1]} in an input of shape {tuple(X.shape)}")


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum, training=None):
    """The chapter's batch_norm: returns (Y, moving_mean, moving_var).

    Args:
        X: (N, C) after a fully connected layer or (N, C, H, W) after a convolution.
        gamma, beta: scale and shift, shaped (1, C) or (1, C, 1, 1).
        moving_mean, moving_var: the moving statistics, same shape as gamma.
        eps: added to the variance before the square root.
        momentum: the chapter's convention, weight of the *old* value (0.9).
        training: True uses batch statistics, False the moving ones; None keeps the chapter's
            rule, `torch.is_grad_enabled()`.
    Returns:
        Y, the updated moving_mean and moving_var (unchanged in prediction mode).
    """
    check_input(X, gamma.numel())
    if training is None:
        training = torch.is_grad_enabled()
    if not training:
        # Prediction mode: normalise with the moving statistics.
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        if X.dim() == 2:
            # Fully connected: mean and variance over the batch, per feature.
            mean = X.mean(dim=0)  # (N, C) -> (C,)
            var = ((X - mean) ** 2).mean(dim=0)  # biased: divides by N
        else:
            # Convolution: per channel (dim 1), over batch and both spatial dims.
            mean = X.mean(dim=(0, 2, 3), keepdim=True)  # (N, C, H, W) -> (1, C, 1, 1)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)  # biased
        # Training mode: normalise with the statistics of this batch.
        X_hat = (X - mean) / torch.sqrt(var + eps)
        # Update the moving averages (the chapter's convention: momentum weights the old value).
        moving_mean = momentum * moving_mean + (1.0 - momentum) * mean
        moving_var = momentum * moving_var + (1.0 - momentum) * var
    Y = gamma * X_hat + beta  # scale and shift
    return Y, moving_mean.data, moving_var.data


class BatchNorm(nn.Module):
    """The chapter's BatchNorm layer, with buffers and a selectable mode rule.

    Args:
        num_features: C, the number of channels (conv) or features (linear).
        num_dims: 4 after a convolution, 2 after a fully connected layer.
        eps: added to the variance before the square root.
        momentum: the chapter's convention (0.9); PyTorch's equivalent is 1 - momentum.
        mode_rule: "training" follows `self.training` like `nn.BatchNorm2d`; "grad" is the
            chapter's `torch.is_grad_enabled()`, under which `eval()` alone is not enough.
    """

    def __init__(self, num_features, num_dims, eps=1e-5, momentum=0.9, mode_rule="training"):
        super().__init__()
        if num_dims not in (2, 4):
            raise ValueError(f"num_dims must be 2 (after nn.Linear) or 4 (after nn.Conv2d), got {num_dims}")
        if mode_rule not in MODE_RULES:
            raise ValueError(f"mode_rule must be one of {MODE_RULES}, got {mode_rule!r}")
        shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
        self.num_features, self.num_dims = num_features, num_dims
        self.eps, self.momentum, self.mode_rule = eps, momentum, mode_rule
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        # Buffers, not plain attributes: the chapter's were missed by .to() and state_dict().
        self.register_buffer("moving_mean", torch.zeros(shape))
        self.register_buffer("moving_var", torch.ones(shape))

    def uses_batch_stats(self):
        """True when the next forward pass normalises with batch statistics (and updates moving ones)."""
        return self.training if self.mode_rule == "training" else torch.is_grad_enabled()

    def forward(self, X):
        Y, moving_mean, moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean, self.moving_var,
            eps=self.eps, momentum=self.momentum, training=self.uses_batch_stats())
        # In place, so that the buffers keep their identity (hooks and optimisers hold them).
        self.moving_mean.copy_(moving_mean)
        self.moving_var.copy_(moving_var)
        return Y

    def extra_repr(self):
        return (f"{self.num_features}, num_dims={self.num_dims}, eps={self.eps}, "
                f"momentum={self.momentum} (chapter's convention), mode_rule={self.mode_rule!r}")
