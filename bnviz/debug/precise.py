"""Precise statistics: replace the moving statistics by ones recomputed over the training set with
the weights frozen, and compare test accuracy with each.

What is recomputed is what the moving statistics estimate (population.py, one definition for
every panel): the average over the training set's batches of the batch mean and of the batch
variance in the layer's own convention — unbiased for nn.BatchNorm* (exactly what
torch.optim.swa_utils.update_bn computes, a cumulative average, momentum=None), biased for the
chapter's BatchNorm (the variance it stores). update_bn itself handles nn.BatchNorm* only; for the
chapter's layer bnviz installs the same average in its `moving_mean`/`moving_var` buffers.
Both run the network forward in training mode, so earlier BN layers normalise with batch
statistics as they did in training.
"""
import copy

import torch

from ..capturing.layers import find_bn_layers, layer_params
from ..train.stepper import accuracy
from .population import population_stats


def precise_stats(population, module, layer):
    """(mean, var) to install in `module` (one BN layer) from a Population, in its convention."""
    return population.target_mean[layer], population.target_var[layer]


@torch.no_grad()
def with_precise_stats(model, population):
    """A copy of `model` whose BN layers hold the recomputed statistics."""
    clone = copy.deepcopy(model)
    for name, module in find_bn_layers(clone).items():
        mean, var = precise_stats(population, module, name)
        _, _, moving_mean, moving_var, _ = layer_params(module)
        moving_mean.copy_(torch.as_tensor(mean, dtype=moving_mean.dtype).reshape(moving_mean.shape))
        moving_var.copy_(torch.as_tensor(var, dtype=moving_var.dtype).reshape(moving_var.shape))
    return clone


def compare_at(stepper, population=None):
    """Test accuracy with the moving statistics and with precise ones, at the stepper's step."""
    if population is None:
        population = population_stats(stepper.model, stepper.data.train_images, step=stepper.step_count)
    precise = with_precise_stats(stepper.model, population)
    data = stepper.data
    return {"step": stepper.step_count, "epoch": stepper.epoch - 1 if stepper.batch_in_epoch == 0 else None,
            "moving": accuracy(stepper.model, data.test_images, data.test_labels),
            "precise": accuracy(precise, data.test_images, data.test_labels)}
